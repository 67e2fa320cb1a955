-- Everything placing a batch of articles reads first, in one step: each article's record
-- (a known key is a new version), each LSH bucket its signature falls in, and the samples
-- of the stories it will be compared with: its own record's story (or its key, the story it
-- would start) and the `limit` stories sharing its rarest buckets, ranked as stories.py
-- `candidates` ranks them. The ranking here saves a round trip, and for a lone article the
-- bucket rows too: it is placed with `ranked`, as nothing placed before it in its batch can
-- change its candidates. A batch gets the rows and ranks in the enricher, as it places.
-- KEYS: n record hashes, then the bucket sorted sets.
-- ARGV: n, sample key prefix, limit, rows ('1': return the buckets' rows), the n article
--       keys, then per placement: the count of its buckets and their positions among the
--       bucket KEYS (1-based).
-- Returns {records, buckets, stories, samples, ranked}: {story_id, published_at} (nil when
-- unknown) per record; {story id, score, ...} per bucket, or none unless rows is '1'; the
-- stories whose samples follow, and {field, value, ...} of each sample (empty when it has
-- expired); per placement, its `limit` candidates in rank order.
local n, prefix, limit = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local rows = ARGV[4] == '1'
local records, buckets = {}, {}
for i = 1, n do
  records[i] = redis.call('HMGET', KEYS[i], 'story_id', 'published_at')
end
-- Numbers passed to redis.call are formatted with printf's %.17g on every call (~1,500
-- instructions each in Redis 7.0); the range is given as text instead.
for i = n + 1, #KEYS do
  buckets[i - n] = redis.call('ZRANGE', KEYS[i], '0', '-1', 'WITHSCORES')
end

local wanted, stories = {}, {}
local function want(story)
  if not wanted[story] then
    wanted[story] = true
    stories[#stories + 1] = story
  end
end
for i = 1, n do want(records[i][1] or ARGV[4 + i]) end

-- Weight: the sum over shared buckets of 1 / stories in the bucket; ties by the latest
-- score, then story id (the order of stories.py).
local function rank(first, count)
  local weight, latest, found = {}, {}, {}
  for j = first, first + count - 1 do
    local flat = buckets[tonumber(ARGV[j])]
    local share = 2 / #flat
    for k = 1, #flat, 2 do
      local story, score = flat[k], tonumber(flat[k + 1])
      if weight[story] then
        weight[story] = weight[story] + share
        if score > latest[story] then latest[story] = score end
      else
        weight[story], latest[story] = share, score
        found[#found + 1] = story
      end
    end
  end
  table.sort(found, function(a, b)
    if weight[a] ~= weight[b] then return weight[a] > weight[b] end
    if latest[a] ~= latest[b] then return latest[a] > latest[b] end
    return a < b
  end)
  local top = {}
  for k = 1, math.min(limit, #found) do
    top[k] = found[k]
    want(found[k])
  end
  return top
end
local ranked = {}
local at = 5 + n
while at <= #ARGV do
  local count = tonumber(ARGV[at])
  ranked[#ranked + 1] = rank(at + 1, count)
  at = at + count + 1
end

local samples = {}
for k, story in ipairs(stories) do
  samples[k] = redis.call('HGETALL', prefix .. story)
end
if not rows then buckets = {} end
return {records, buckets, stories, samples, ranked}
