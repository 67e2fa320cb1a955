-- Shared prelude of every ranking script: bucket keys and window upkeep. The constants it
-- uses (SHARDS, SPECS, ROLLING, DAY_S, WEEK_*) are generated ahead of it by
-- services/ranking/store/scripts.py. Every key a script builds comes from the prefix P
-- ("{prefix}:ranking:", ARGV[1]), which shares KEYS[1]'s hash tag: one cluster slot.

-- A call whose P would build keys outside KEYS[1]'s slot is refused before it writes.
local function hash_tag(key) return string.match(key, '{[^}]*}') end
if hash_tag(ARGV[1]) ~= hash_tag(KEYS[1]) then
  return redis.error_reply('ERR prefix ' .. ARGV[1] .. ' is not in the slot of ' .. KEYS[1])
end

local function split(s, sep)
  local out = {}
  if not s or s == '' then return out end
  for part in string.gmatch(s, '[^' .. sep .. ']+') do out[#out + 1] = part end
  return out
end

-- HMGET of any number of fields (in slices, as unpack has a limit); {value or false, ...}
local function hmget_many(key, fields)
  local out = {}
  for k = 1, #fields, 1000 do
    local last = math.min(k + 999, #fields)
    local rows = redis.call('HMGET', key, unpack(fields, k, last))
    for j = k, last do out[j] = rows[j - k + 1] end
  end
  return out
end

local function expire_at(spec, bucket)
  return (bucket + 1 + spec.span) * spec.bucket_s + spec.grace_s
end

-- A week bucket is named by its Monday's day number (windows.week_of).
local function week_of(day) return day - (day + WEEK_EPOCH_SHIFT) % 7 end
local function week_expire_at(week) return (week + WEEK_KEEP_DAYS) * DAY_S end

-- Minute and hour buckets only serve as ledgers of what to subtract when they leave their
-- window, so they are hashes split in SHARDS small ones: a hash of <= 512 short fields is a
-- listpack (~27 B a member against ~120 B in a sorted set). Pending counts use the same
-- shards, so a fold of one shard touches one ledger shard per bucket.
-- The shard: the last 6 bytes of the id, Fibonacci-hashed (ids are often sequential).
local function shard_of(id)
  local h, n = 0, #id
  for i = (n > 6 and n - 5 or 1), n do h = (h * 131 + string.byte(id, i)) % 1048576 end
  return math.floor(h * 2654435761 % 4294967296 / 16777216)
end

-- {member, count, member, count, ...} of one bucket of a level, whatever its encoding.
local function bucket_rows(P, level, bucket)
  if level == 'd' then return redis.call('ZRANGE', P .. 'd:' .. bucket, 0, -1, 'WITHSCORES') end
  local out = {}
  for s = 0, SHARDS - 1 do
    local rows = redis.call('HGETALL', P .. level .. ':' .. bucket .. ':' .. s)
    for j = 1, #rows do out[#out + 1] = rows[j] end
  end
  return out
end

local function subtract_bucket(win, rows)
  for j = 1, #rows, 2 do
    local left = tonumber(redis.call('ZINCRBY', win, -tonumber(rows[j + 1]), rows[j]))
    if left <= 0 then redis.call('ZREM', win, rows[j]) end
  end
end

local function rebuild(P, win, spec, first, last)
  redis.call('DEL', win)
  local sums = {}
  for b = first, last do
    local rows = bucket_rows(P, spec.level, b)
    for j = 1, #rows, 2 do sums[rows[j]] = (sums[rows[j]] or 0) + tonumber(rows[j + 1]) end
  end
  local args = {}
  for member, n in pairs(sums) do
    args[#args + 1] = n
    args[#args + 1] = member
    if #args >= 2000 then redis.call('ZADD', win, unpack(args)); args = {} end
  end
  if #args > 0 then redis.call('ZADD', win, unpack(args)) end
end

-- Keep win:<name> equal to the sum of buckets (current - span, current]. Buckets leaving the
-- window are subtracted; after a long pause (a bucket to subtract may have expired) or on
-- first use the window is rebuilt from the buckets still inside it. Returns the last bucket
-- id no longer in the window: views of a bucket <= that id must not be added to it.
local function roll(P, spec, current, now_ts)
  local state = P .. 'roll'
  local through = tonumber(redis.call('HGET', state, spec.name))
  local target = current - spec.span
  if through ~= nil and target <= through then return through end
  local win = P .. 'win:' .. spec.name
  if through == nil or target - through >= spec.span
      or now_ts >= expire_at(spec, through + 1) - 5 then
    rebuild(P, win, spec, target + 1, current)
  else
    for b = through + 1, target do subtract_bucket(win, bucket_rows(P, spec.level, b)) end
  end
  redis.call('HSET', state, spec.name, target)
  return target
end

local function roll_all(P, now_ts, now_m, now_h, now_d)
  local current = {m = now_m, h = now_h, d = now_d}
  local through = {}
  for level, spec in pairs(SPECS) do
    through[level] = roll(P, spec, current[level], now_ts)
  end
  return through
end

-- The cached lists of these scopes and the cached trending of their kinds, in every window:
-- dropped when an article joins or leaves them. One hash per scope and one per kind hold
-- every window's entries, so an article in ~20 scopes of a few kinds drops ~25 keys in one
-- DEL (a key per scope and window, as before, was ~210 keys and ~600 Lua strings to build:
-- ~150 us of Redis per article).
local function drop_scope_caches(P, scopes)
  local doomed, seen = {}, {}
  local function add(key)
    if not seen[key] then
      seen[key] = true
      doomed[#doomed + 1] = key
    end
  end
  for _, scope in ipairs(scopes) do
    add(P .. 'cache:' .. scope)
    add(P .. 'cache:trend:' .. string.sub(scope, 1, string.find(scope, ':', 1, true) - 1))
  end
  for i = 1, #doomed, 500 do
    redis.call('DEL', unpack(doomed, i, math.min(i + 499, #doomed)))
  end
end

local function leave_scopes(P, id, scopes)
  for _, scope in ipairs(scopes) do redis.call('ZREM', P .. 'mem:' .. scope, id) end
  drop_scope_caches(P, scopes)
end

-- Everything counted for an article outside the day and week buckets (which expire).
local function drop_counts(P, id)
  for _, w in ipairs(ROLLING) do redis.call('ZREM', P .. 'win:' .. w, id) end
  redis.call('ZREM', P .. 'all', id)
  redis.call('ZREM', P .. 'trend:article', id)
  redis.call('DEL', P .. 'hll:' .. id)
  redis.call('HDEL', P .. 'rep', id)
  redis.call('DEL', P .. 'held:' .. id)
  redis.call('ZREM', P .. 'held', id)
end
