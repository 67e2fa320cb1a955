-- Append a batch of view events; an event whose producer-chosen id was seen within the
-- dedupe window is skipped, so a client may retry a POST /v1/views it is unsure of.
-- KEYS[1] views stream. ARGV[1] dedupe key prefix, ARGV[2] window seconds,
-- then pairs: (event id to dedupe on, or '' for none), payload.
local added = 0
for i = 3, #ARGV, 2 do
  local event_id = ARGV[i]
  local fresh = true
  if event_id ~= '' then
    fresh = redis.call('SET', ARGV[1] .. event_id, '1', 'NX', 'EX', ARGV[2])
  end
  if fresh then
    redis.call('XADD', KEYS[1], '*', '__data__', ARGV[i + 1])
    added = added + 1
  end
end
return added
