-- Move the trending landmark t0 forward: scale every decayed score once, drop the negligible.
-- ARGV: P, expected old t0, new t0, factor, purge below, <trend set names ('article')>
local P = ARGV[1]
local key_t0 = P .. 'trend:t0'
if redis.call('GET', key_t0) ~= ARGV[2] then return 0 end
for j = 6, #ARGV do
  local key = P .. 'trend:' .. ARGV[j]
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZUNIONSTORE', key, 1, key, 'WEIGHTS', ARGV[4])
    redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. ARGV[5])
  end
end
redis.call('SET', key_t0, ARGV[3])
return 1
