-- Read side: roll the windows to now, resolve a window (and scope) to a sorted set, answer.
-- Every window is one sorted set kept up to date by fold.lua, so a list is a ZREVRANGE.
-- Scope lists are the site-wide window intersected with the scope's members, cached briefly.
-- ARGV: mode ('top' | 'rank' | 'trend'), P, now_ts, now_minute, now_hour, now_day,
--       window specs, window name, source ('win:<w>' | 'd:<day>' | 'w:<week>' | 'all'),
--       scope ('site' | '<kind>:<name>'), cache ttl s, then per mode:
--       top: how many rows; rank: article id; trend: type, candidates, article pool
local mode, P = ARGV[1], ARGV[2]
local now_ts = tonumber(ARGV[3])
roll_all(P, parse_specs(ARGV[7]), now_ts, tonumber(ARGV[4]), tonumber(ARGV[5]),
  tonumber(ARGV[6]))
local window, source, scope, ttl = ARGV[8], ARGV[9], ARGV[10], tonumber(ARGV[11])

local src = P .. source
if scope ~= 'site' then
  local cache = P .. 'cache:' .. scope .. ':' .. window
  if redis.call('EXISTS', cache) == 0 then
    redis.call('ZINTERSTORE', cache, 2, P .. 'mem:' .. scope, src, 'WEIGHTS', 0, 1)
    redis.call('EXPIRE', cache, ttl)
  end
  src = cache
end
local t0 = redis.call('GET', P .. 'trend:t0') or ''

if mode == 'top' then
  local rows = redis.call('ZREVRANGE', src, 0, tonumber(ARGV[12]) - 1, 'WITHSCORES')
  local out = {t0}
  for j = 1, #rows, 2 do
    local id = rows[j]
    local raw = redis.call('GET', P .. 'art:' .. id)
    local m = raw and cjson.decode(raw) or {killed = true}
    out[#out + 1] = id
    out[#out + 1] = rows[j + 1]
    out[#out + 1] = m.headline or ''
    out[#out + 1] = m.section or ''
    out[#out + 1] = m.url or ''
    out[#out + 1] = m.killed and '1' or '0'
    out[#out + 1] = redis.call('ZSCORE', P .. 'trend:article', id) or '0'
  end
  return out
end

if mode == 'rank' then
  local id = ARGV[12]
  return {redis.call('ZREVRANK', src, id) or -1, redis.call('ZSCORE', src, id) or '0'}
end

-- trend: entities of one type by the decayed scores of the `pool` most trending articles
-- tagged with them (the tail adds little under Zipf traffic), with their views in the window
local kind, wanted, pool = ARGV[12], tonumber(ARGV[13]), tonumber(ARGV[14])
local cache = P .. 'cache:trend:' .. kind .. ':' .. window
local cached = redis.call('GET', cache)
if cached then return cached end
local top = redis.call('ZREVRANGE', P .. 'trend:article', 0, pool - 1, 'WITHSCORES')
local score, prefix = {}, kind .. ':'
for k = 1, #top, 2000 do
  local ids = {}
  for j = k, math.min(k + 1999, #top), 2 do ids[#ids + 1] = top[j] end
  local rows = redis.call('HMGET', P .. 'live', unpack(ids))
  for j, raw in ipairs(rows) do
    if raw then
      local s = tonumber(top[k + 2 * j - 1])
      for _, scope in ipairs(split(raw, '\n')) do
        if string.sub(scope, 1, #prefix) == prefix then
          local name = string.sub(scope, #prefix + 1)
          score[name] = (score[name] or 0) + s
        end
      end
    end
  end
end
local names = {}
for name in pairs(score) do names[#names + 1] = name end
table.sort(names, function(a, b) return score[a] > score[b] end)
local out = {t0 = t0, items = {}}
for j = 1, math.min(wanted, #names) do
  local name = names[j]
  local members = redis.call('ZRANGE', P .. 'mem:' .. kind .. ':' .. name, 0, -1)
  local views = 0
  for k = 1, #members, 500 do
    local scores = redis.call('ZMSCORE', src, unpack(members, k, math.min(k + 499, #members)))
    for _, v in ipairs(scores) do if v then views = views + tonumber(v) end end
  end
  if views > 0 then
    local label = name
    if kind == 'topic' then label = redis.call('HGET', P .. 'topics', name) or name end
    out.items[#out.items + 1] = {name, string.format('%.17g', score[name]), views, label}
  end
end
local encoded = cjson.encode(out)
redis.call('SET', cache, encoded, 'EX', ttl)
return encoded
