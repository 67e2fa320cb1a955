-- Append one chunk of view events; an event whose producer-chosen id was seen within the
-- dedupe window is skipped, so a client may retry a POST /v1/views it is unsure of.
-- KEYS[1] views stream; KEYS[2], only for a request with an Idempotency-Key, the marker of
-- this chunk of it: a chunk already written answers what it answered then, writing nothing.
-- ARGV[1] the producer's dedupe key prefix, ARGV[2] window seconds,
-- then pairs: (event id to dedupe on, or '' for none), payload.
if KEYS[2] then
  local done = redis.call('GET', KEYS[2])
  if done then
    local added, skipped = string.match(done, '^(%d+):(%d+)$')
    return {tonumber(added), tonumber(skipped)}
  end
end
local added, skipped = 0, 0
for i = 3, #ARGV, 2 do
  local event_id = ARGV[i]
  local fresh = true
  if event_id ~= '' then
    fresh = redis.call('SET', ARGV[1] .. event_id, '1', 'NX', 'EX', ARGV[2])
  end
  if fresh then
    redis.call('XADD', KEYS[1], '*', '__data__', ARGV[i + 1])
    added = added + 1
  else
    skipped = skipped + 1
  end
end
if KEYS[2] then
  redis.call('SET', KEYS[2], added .. ':' .. skipped, 'EX', ARGV[2])
end
return {added, skipped}
