-- Write back what placing a batch changed, as one step so no replica reads half of it.
-- KEYS: the record hashes, then the sample hashes, then the bucket sorted sets.
-- ARGV[1]: JSON {records: [[story id, published_at]], samples: [[members that entered the
--   ring, [slot, ...]]], buckets: [[score, story id, score, ...]] (scores as text: exact),
--   record_ttl, window_ttl, refresh_below_ms, cap}, in KEYS order; ARGV[2..]: the packed
--   members of every sample's slots, in order (binary, so not in the JSON).
local p = cjson.decode(ARGV[1])
-- A number passed to redis.call is formatted with printf's %.17g on every call, ~1,500
-- instructions in Redis 7.0; ~30 EXPIREs an article took a tenth of this script. Once here.
local window_ttl, record_ttl = tostring(p.window_ttl), tostring(p.record_ttl)
local trim_to = tostring(-p.cap - 1)

-- A window key's expiry is set when it has none or less than refresh_below_ms is left: a
-- PTTL is not written to the AOF, a PEXPIREAT on every write was.
local function keep_for_window(key)
  if redis.call('PTTL', key) < p.refresh_below_ms then
    redis.call('EXPIRE', key, window_ttl)
  end
end

local r, s = #p.records, #p.samples
for i, record in ipairs(p.records) do
  redis.call('HSET', KEYS[i], 'story_id', record[1], 'published_at', record[2])
  redis.call('EXPIRE', KEYS[i], record_ttl)
end
local member = 2
for i, sample in ipairs(p.samples) do
  local key = KEYS[r + i]
  redis.call('HSET', key, 'n', sample[1])
  for _, slot in ipairs(sample[2]) do
    redis.call('HSET', key, slot, ARGV[member])
    member = member + 1
  end
  keep_for_window(key)
end
for i, entries in ipairs(p.buckets) do
  local key = KEYS[r + s + i]
  local added = redis.call('ZADD', key, 'GT', unpack(entries))
  -- The lowest scores go first, ties by story id: the order the enricher trims in memory.
  if added > 0 and redis.call('ZCARD', key) > p.cap then
    redis.call('ZREMRANGEBYRANK', key, '0', trim_to)
  end
  keep_for_window(key)
end
return member - 2
