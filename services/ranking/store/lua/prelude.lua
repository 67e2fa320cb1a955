-- Shared prelude of every ranking script: window specs, bucket keys and window upkeep.
-- Every key is built from the prefix P ("{prefix}:ranking:"), so one script's keys share the
-- prefix's hash tag and live in one cluster slot.

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

-- "1h,m,60,60,120;24h,h,24,3600,600;7d,d,7,86400,86400" -> {m = spec, h = spec, d = spec}
local function parse_specs(text)
  local specs = {}
  for _, item in ipairs(split(text, ';')) do
    local f = split(item, ',')
    specs[f[2]] = {name = f[1], level = f[2], span = tonumber(f[3]),
                   bucket_s = tonumber(f[4]), grace_s = tonumber(f[5])}
  end
  return specs
end

local function expire_at(spec, bucket)
  return (bucket + 1 + spec.span) * spec.bucket_s + spec.grace_s
end

-- A week bucket is named by its Monday's day number and lists views until that week is over
-- in every zone (one day of zone slack, one of grace).
local function week_of(day) return day - (day + 3) % 7 end
local function week_expire_at(week) return (week + 9) * 86400 end

-- Minute and hour buckets only serve as ledgers of what to subtract when they leave their
-- window, so they are hashes split in SHARDS small ones: a hash of <= 512 short fields is a
-- listpack (~27 B a member against ~120 B in a sorted set). Pending counts use the same
-- shards, so a fold of one shard touches one ledger shard per bucket.
-- The shard: the last 6 bytes of the id, Fibonacci-hashed (ids are often sequential).
-- SHARDS (256) is defined ahead of this prelude by counter.load_script.
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

local function roll_all(P, specs, now_ts, now_m, now_h, now_d)
  local current = {m = now_m, h = now_h, d = now_d}
  local through = {}
  for level, spec in pairs(specs) do
    through[level] = roll(P, spec, current[level], now_ts)
  end
  return through
end

-- A scope's cached lists and the cached trending of its kind, in every window: dropped when
-- an article joins or leaves the scope.
local function drop_scope_caches(P, scope, windows)
  local kind = string.sub(scope, 1, string.find(scope, ':', 1, true) - 1)
  for _, w in ipairs(windows) do
    redis.call('DEL', P .. 'cache:' .. scope .. ':' .. w, P .. 'cache:trend:' .. kind .. ':' .. w)
  end
end

local function leave_scope(P, id, scope, windows)
  redis.call('ZREM', P .. 'mem:' .. scope, id)
  drop_scope_caches(P, scope, windows)
end

-- Everything counted for an article outside the day and week buckets (which expire).
local function drop_counts(P, id)
  for _, w in ipairs({'1h', '24h', '7d'}) do redis.call('ZREM', P .. 'win:' .. w, id) end
  redis.call('ZREM', P .. 'all', id)
  redis.call('ZREM', P .. 'trend:article', id)
  redis.call('DEL', P .. 'hll:' .. id)
  redis.call('HDEL', P .. 'rep', id)
end
