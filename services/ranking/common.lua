-- Shared prelude of every ranking script: scope lists, window specs and window upkeep.
-- Every key is built from the prefix P ("{prefix}:ranking:"), so one script's keys share the
-- prefix's hash tag and live in one cluster slot.

local function split(s, sep)
  local out = {}
  if not s or s == '' then return out end
  for part in string.gmatch(s, '[^' .. sep .. ']+') do out[#out + 1] = part end
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

local function subtract_bucket(win, bucket_key)
  local rows = redis.call('ZRANGE', bucket_key, 0, -1, 'WITHSCORES')
  for j = 1, #rows, 2 do
    local left = tonumber(redis.call('ZINCRBY', win, -tonumber(rows[j + 1]), rows[j]))
    if left <= 0 then redis.call('ZREM', win, rows[j]) end
  end
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
  local prefix = P .. spec.level .. ':'
  if through == nil or target - through >= spec.span
      or now_ts >= expire_at(spec, through + 1) - 5 then
    redis.call('DEL', win)
    local keys = {}
    for b = target + 1, current do
      if redis.call('EXISTS', prefix .. b) == 1 then keys[#keys + 1] = prefix .. b end
    end
    if #keys > 0 then redis.call('ZUNIONSTORE', win, #keys, unpack(keys)) end
  else
    for b = through + 1, target do subtract_bucket(win, prefix .. b) end
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
