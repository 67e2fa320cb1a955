-- Everything placing a batch of articles reads first, in one step: each article's record
-- (a known key is a new version) and each LSH bucket its signature falls in.
-- KEYS: n record hashes, then the bucket sorted sets.   ARGV[1]: n
-- Returns {records, buckets}: {story_id, published_at} (nil when unknown) per record, and
-- {story id, score, story id, score, ...} per bucket.
local n = tonumber(ARGV[1])
local records, buckets = {}, {}
for i = 1, n do
  records[i] = redis.call('HMGET', KEYS[i], 'story_id', 'published_at')
end
for i = n + 1, #KEYS do
  buckets[i - n] = redis.call('ZRANGE', KEYS[i], 0, -1, 'WITHSCORES')
end
return {records, buckets}
