-- Read side: roll the windows to now, resolve a window (and scope) to a sorted set, answer.
-- Every window is one sorted set kept up to date by fold.lua, so a list is a ZREVRANGE.
-- Scope lists are that window's rows whose article is in the scope (mem:<scope>).
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
local t0 = redis.call('GET', P .. 'trend:t0') or ''

-- A scope's best n in the window, without materialising the intersection (~10 ms for a
-- section of 8k articles at 100k): a small scope scores its members (cost: its size); a
-- large one walks the site-wide list from the top, keeping its members (cost: about
-- n * site / size rows), and falls back to its members if that walk runs long.
-- Keeps the best n of a stream of (id, score) in `best` (sorted, ZREVRANGE's order: higher
-- score first, then higher id): one pass, where a full sort of thousands costs ~5 ms of Lua.
local function keep_best(best, n, id, v)
  local last = best[#best]
  if #best >= n and (v < last[2] or (v == last[2] and id < last[1])) then return end
  local at = #best + 1
  while at > 1 and (best[at - 1][2] < v or (best[at - 1][2] == v and best[at - 1][1] < id)) do
    at = at - 1
  end
  table.insert(best, at, {id, v})
  if #best > n then best[#best] = nil end
end

local function by_members(mem, n)
  local members = redis.call('ZRANGE', mem, 0, -1)
  local best = {}
  for k = 1, #members, 1000 do
    local last = math.min(k + 999, #members)
    local scores = redis.call('ZMSCORE', src, unpack(members, k, last))
    for j = k, last do
      local v = scores[j - k + 1]
      if v then keep_best(best, n, members[j], tonumber(v)) end
    end
  end
  local out = {}
  for j = 1, #best do
    out[#out + 1] = best[j][1]; out[#out + 1] = string.format('%.17g', best[j][2])
  end
  return out
end

local function by_walk(mem, n, budget)
  local out, start = {}, 0
  while start < budget do
    local rows = redis.call('ZREVRANGE', src, start, start + 499, 'WITHSCORES')
    if #rows == 0 then return out end
    local ids = {}
    for j = 1, #rows, 2 do ids[#ids + 1] = rows[j] end
    local member = redis.call('ZMSCORE', mem, unpack(ids))
    for j = 1, #ids do
      if member[j] then
        out[#out + 1] = ids[j]; out[#out + 1] = rows[2 * j]
        if #out >= 2 * n then return out end
      end
    end
    start = start + 500
  end
  return nil
end

local function scope_top(n)
  local mem = P .. 'mem:' .. scope
  local size = redis.call('ZCARD', mem)
  if size == 0 then return {} end
  local total = redis.call('ZCARD', src)
  if size * size > n * total then
    local rows = by_walk(mem, n, 4 * n * total / size + 500)
    if rows then return rows end
  end
  return by_members(mem, n)
end

-- Scope lists are cached briefly (one hash per scope and window, a field per length), and
-- dropped by articles.lua when an article joins, leaves or is killed.
local function top_rows(n)
  if scope == 'site' then return redis.call('ZREVRANGE', src, 0, n - 1, 'WITHSCORES') end
  local cache = P .. 'cache:' .. scope .. ':' .. window
  local hit = redis.call('HGET', cache, n)
  if hit then return cjson.decode(hit) end
  local rows = scope_top(n)
  redis.call('HSET', cache, n, #rows > 0 and cjson.encode(rows) or '[]')
  if redis.call('TTL', cache) < 0 then redis.call('EXPIRE', cache, ttl) end
  return rows
end

if mode == 'top' then
  local rows = top_rows(tonumber(ARGV[12]))
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

-- rank: 0-based place of an article in its scope's window list (-1 if it has no views
-- there), counting the scope's members that rank above it in the site-wide list.
if mode == 'rank' then
  local id = ARGV[12]
  local mine = redis.call('ZSCORE', src, id)
  if not mine then return {-1, '0'} end
  if scope == 'site' then return {redis.call('ZREVRANK', src, id), mine} end
  local mem = P .. 'mem:' .. scope
  local above = redis.call('ZREVRANK', src, id)
  local place = 0
  if above <= redis.call('ZCARD', mem) then
    for start = 0, above - 1, 500 do
      local ids = redis.call('ZREVRANGE', src, start, math.min(start + 499, above - 1))
      for _, v in ipairs(redis.call('ZMSCORE', mem, unpack(ids))) do
        if v then place = place + 1 end
      end
    end
  else
    local v0, members = tonumber(mine), redis.call('ZRANGE', mem, 0, -1)
    for k = 1, #members, 1000 do
      local last = math.min(k + 999, #members)
      local scores = redis.call('ZMSCORE', src, unpack(members, k, last))
      for j = k, last do
        local v = tonumber(scores[j - k + 1] or -1)
        if v > v0 or (v == v0 and members[j] > id) then place = place + 1 end
      end
    end
  end
  return {place, mine}
end

-- trend: entities of one type by the decayed scores of the `pool` most trending articles
-- tagged with them (the tail adds little under Zipf traffic), with those articles' views in
-- the window (so the cost is the pool's, whatever the size of an entity)
local kind, wanted, pool = ARGV[12], tonumber(ARGV[13]), tonumber(ARGV[14])
local cache = P .. 'cache:trend:' .. kind .. ':' .. window
local cached = redis.call('GET', cache)
if cached then return cached end
local top = redis.call('ZREVRANGE', P .. 'trend:article', 0, pool - 1, 'WITHSCORES')
local score, views = {}, {}
-- names of this kind in an article's scopes ("person:A\ntopic:B..."), matched in one pass
local names_of = '\n' .. string.gsub(kind, '%p', '%%%0') .. ':([^\n]+)'
for k = 1, #top, 2000 do
  local ids = {}
  for j = k, math.min(k + 1999, #top), 2 do ids[#ids + 1] = top[j] end
  local rows = redis.call('HMGET', P .. 'live', unpack(ids))
  local in_window = redis.call('ZMSCORE', src, unpack(ids))
  for j, raw in ipairs(rows) do
    if raw then
      local s, v = tonumber(top[k + 2 * j - 1]), tonumber(in_window[j] or 0)
      for name in string.gmatch('\n' .. raw, names_of) do
        score[name] = (score[name] or 0) + s
        views[name] = (views[name] or 0) + v
      end
    end
  end
end
-- the best `wanted` in one pass (a full sort of thousands of names costs ~10 ms of Lua)
local function better(a, b) return score[a] > score[b] or (score[a] == score[b] and a < b) end
local names = {}
for name in pairs(score) do
  if views[name] > 0 and (#names < wanted or better(name, names[#names])) then
    local at = #names + 1
    while at > 1 and better(name, names[at - 1]) do at = at - 1 end
    table.insert(names, at, name)
    if #names > wanted then names[#names] = nil end
  end
end
local out = {t0 = t0, items = {}}
for j = 1, #names do
  local name = names[j]
  local label = name
  if kind == 'topic' then label = redis.call('HGET', P .. 'topics', name) or name end
  out.items[#out.items + 1] = {name, string.format('%.17g', score[name]), views[name], label}
end
local encoded = cjson.encode(out)
redis.call('SET', cache, encoded, 'EX', ttl)
return encoded
