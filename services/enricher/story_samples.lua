-- The samples (representatives) of the stories placing a batch will compare, in one step.
-- KEYS: sample hashes.   Returns {field, value, ...} per hash, empty when it has expired.
local out = {}
for i = 1, #KEYS do
  out[i] = redis.call('HGETALL', KEYS[i])
end
return out
