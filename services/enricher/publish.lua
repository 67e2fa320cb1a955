-- Publish an enriched article and ack its raw entry as one step, gated on the ack:
-- if the entry was already acked (a concurrent reclaim finished it first), publish nothing,
-- so articles.enriched gets each accepted version exactly once.
-- KEYS[1] raw stream, KEYS[2] enriched stream, KEYS[3] tag cache hash
-- ARGV: group, entry id, payload, content hash, enricher version, tags json, ttl
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return 0
end
redis.call('XADD', KEYS[2], '*', '__data__', ARGV[3])
redis.call('HSET', KEYS[3], 'hash', ARGV[4], 'version', ARGV[5], 'tags', ARGV[6])
redis.call('EXPIRE', KEYS[3], ARGV[7])
return 1
