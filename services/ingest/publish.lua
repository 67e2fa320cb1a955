-- Idempotent, ordered publish of one article version: check the ledger, XADD, record.
-- One script so "accepted" always means "in the stream", and a retry never duplicates.
-- KEYS[1] ledger hash of the article, KEYS[2] the raw stream
-- ARGV: version, content hash, is_kill (0/1), payload, ledger ttl seconds,
--       token of the request item ('' when the request had no Idempotency-Key)
-- No MAXLEN here: the consuming service trims below what every group has read.
-- A retry of the request item that wrote the ledger's version answers 'accepted' again (with
-- the entry it wrote), so a producer whose answer was lost learns what really happened.
local version = tonumber(ARGV[1])
local is_kill = ARGV[3] == '1'
local seen = redis.call('HMGET', KEYS[1], 'v', 'killed', 'req', 'entry')
local seen_v = tonumber(seen[1])
local killed = seen[2] == '1'
local retried = ARGV[6] ~= '' and seen[3] == ARGV[6]
if seen_v ~= nil then
  if killed then
    if is_kill then
      if retried then return {'accepted', seen[4]} end
      return {'duplicate', ''}
    end
    return {'stale', ''}
  end
  -- a kill supersedes every version, whatever its own number says
  if not is_kill then
    if version == seen_v then
      if retried then return {'accepted', seen[4]} end
      return {'duplicate', ''}
    end
    if version < seen_v then return {'stale', ''} end
  end
end
local id = redis.call('XADD', KEYS[2], '*', '__data__', ARGV[4])
local top = version
if seen_v ~= nil and seen_v > version then top = seen_v end
redis.call('HSET', KEYS[1], 'v', top, 'h', ARGV[2], 'killed', is_kill and '1' or '0',
  'entry', id, 'req', ARGV[6])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {'accepted', id}
