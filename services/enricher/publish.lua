-- Publish a batch of enriched articles, each with the ack of its raw entry as one step gated
-- on the ack: an entry already acked (a concurrent reclaim finished it first) publishes
-- nothing, so articles.enriched gets each accepted version exactly once.
-- KEYS[1] raw stream, KEYS[2] enriched stream, KEYS[2 + j] tag cache hash of article j
-- ARGV: group, ttl, then per article j: entry id, payload, content hash, enricher version,
--       tags json
-- Returns one flag per article: 1 published, 0 already acked elsewhere.
local group, ttl = ARGV[1], ARGV[2]
local out = {}
for j = 1, #KEYS - 2 do
  local a = 3 + (j - 1) * 5
  if redis.call('XACK', KEYS[1], group, ARGV[a]) == 1 then
    redis.call('XADD', KEYS[2], '*', '__data__', ARGV[a + 1])
    redis.call('HSET', KEYS[2 + j], 'hash', ARGV[a + 2], 'version', ARGV[a + 3],
      'tags', ARGV[a + 4])
    redis.call('EXPIRE', KEYS[2 + j], ttl)
    out[j] = 1
  else
    out[j] = 0
  end
end
return out
