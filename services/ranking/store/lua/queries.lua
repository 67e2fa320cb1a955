-- Read side: roll the windows to now, resolve a window (and scope) to a sorted set, answer.
-- Every window is one sorted set kept up to date by fold.lua, so a list is a ZREVRANGE.
-- Scope lists are that window's rows whose article is in the scope (mem:<scope>).
-- KEYS: P..'roll', P..'trend:t0', P..'live'
-- ARGV: P, now_ts, now_minute, now_hour, now_day, mode ('top' | 'rank' | 'trend'),
--       window name, source ('win:<w>' | 'd:<day>' | 'w:<week>' | 'all'),
--       scope ('site' | '<kind>:<name>'), cache fresh s, cache stale s,
--       cache use ('read' | 'refresh': recompute and rewrite, skipping the read), then per mode:
--       top: how many rows; rank: article id; above: views, article id;
--       trend: type, candidates, article pool, 'seen' (only names with views in the window)
--       or 'any' (every name: a shard's part of a merged list), then names whose scores are
--       asked (never cached; a merged list completes itself with them)
-- top and trend answer {state, ...}: state 'fresh' or 'stale' (from the cache; the caller
-- refreshes a stale one in the background), 'computed' (just now) or 'live' (never cached).
local P, mode = ARGV[1], ARGV[6]
local now_ts = tonumber(ARGV[2])
roll_all(P, now_ts, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
local window, source, scope = ARGV[7], ARGV[8], ARGV[9]
local fresh_s, stale_s, refresh = tonumber(ARGV[10]), tonumber(ARGV[11]), ARGV[12] == 'refresh'

local src = P .. source
local t0 = redis.call('GET', KEYS[2]) or ''

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

-- Cached lists are served stale-while-revalidate: an entry is stamped with until when it is
-- fresh (served as is), until when it may still be served stale (at once, while the caller
-- refreshes it in the background) and the source it was computed from (a calendar window
-- moves to a new bucket at local midnight, and yesterday's 'today' is no answer for today).
-- Stamps are on the caller's clock (now_ts), like every TTL here; the key itself lives
-- stale_s past its latest write, which only bounds memory: the stamps decide what is served.
local fresh_until, stale_until = now_ts + fresh_s, now_ts + stale_s
local keep_s = math.ceil(stale_s)

-- 'fresh', 'stale', or nil when the entry is missing, too old to serve or of another source
local function state_of(fresh, stale, from)
  fresh, stale = tonumber(fresh), tonumber(stale)
  if not fresh or not stale or from ~= source or now_ts >= stale then return nil end
  return now_ts < fresh and 'fresh' or 'stale'
end

-- Scope lists: one hash per scope, a field per window and length and one for its stamps
-- (apart, so the rows read as before). articles.lua deletes the hash when an article joins,
-- leaves or is killed: the next read computes anew, as a stale list could lack or keep it.
local function top_rows(n)
  if scope == 'site' then return redis.call('ZREVRANGE', src, 0, n - 1, 'WITHSCORES'), 'live' end
  local cache, field = P .. 'cache:' .. scope, window .. ':' .. n
  if not refresh then
    local hit = redis.call('HMGET', cache, field, field .. ':stamps')
    local state = hit[1] and hit[2] and state_of(string.match(hit[2], '^([^,]+),([^,]+),(.*)$'))
    if state then return cjson.decode(hit[1]), state end
  end
  local rows = scope_top(n)
  local stamps = string.format('%.17g,%.17g,%s', fresh_until, stale_until, source)
  redis.call('HSET', cache, field, #rows > 0 and cjson.encode(rows) or '[]', field .. ':stamps',
    stamps)
  redis.call('EXPIRE', cache, keep_s)
  return rows, 'computed'
end

-- Metadata is read live on every call, even from a stale entry: an update or a kill shows at
-- once (killed rows are dropped by the caller, which asks for a few rows more than it shows).
-- A refresh only rewrites the entry.
if mode == 'top' then
  local rows, state = top_rows(tonumber(ARGV[13]))
  if refresh then return {state} end
  local out = {state, t0}
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
    out[#out + 1] = m.story_id or ''
  end
  return out
end

-- How many of the scope's members rank above (v0, id) in the window, in ZREVRANGE order
-- (more views, or as many and a greater id), reading each member's score once.
local function members_above(v0, id)
  local count = 0
  local members = redis.call('ZRANGE', P .. 'mem:' .. scope, 0, -1)
  for k = 1, #members, 1000 do
    local last = math.min(k + 999, #members)
    local scores = redis.call('ZMSCORE', src, unpack(members, k, last))
    for j = k, last do
      local v = tonumber(scores[j - k + 1] or -1)
      if v > v0 or (v == v0 and members[j] > id) then count = count + 1 end
    end
  end
  return count
end

-- above: how many of the scope's articles rank above (views, id) in the window, in ZREVRANGE
-- order (more views, or as many and a greater id): another shard's part of an article's rank.
if mode == 'above' then
  local v0, id = tonumber(ARGV[13]), ARGV[14]
  if scope == 'site' then
    local count = redis.call('ZCOUNT', src, '(' .. ARGV[13], '+inf')
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', src, ARGV[13], ARGV[13])) do
      if m > id then count = count + 1 end
    end
    return count
  end
  return members_above(v0, id)
end

-- rank: 0-based place of an article in its scope's window list (-1 if it has no views
-- there), counting the scope's members that rank above it in the site-wide list.
if mode == 'rank' then
  local id = ARGV[13]
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
    place = members_above(tonumber(mine), id)
  end
  return {place, mine}
end

-- trend: entities of one type by the decayed scores of the `pool` most trending articles
-- tagged with them (the tail adds little under Zipf traffic), with those articles' views in
-- the window (so the cost is the pool's, whatever the size of an entity)
local kind, wanted, pool = ARGV[13], tonumber(ARGV[14]), tonumber(ARGV[15])
local any_views, asked = ARGV[16] == 'any', #ARGV > 16
-- One hash per kind, a field per window (and ':any'), dropped with the scopes' lists.
local cache, field = P .. 'cache:trend:' .. kind, window .. (any_views and ':any' or '')
-- The cached document leads with its stamps, so a read checks them without decoding it.
if not refresh and not asked then
  local cached = redis.call('HGET', cache, field)
  local state = cached
    and state_of(string.match(cached, '^{"fresh":([^,]+),"stale":([^,]+),"source":"([^"]*)",'))
  if state then return {state, cached} end
end
local top = redis.call('ZREVRANGE', P .. 'trend:article', 0, pool - 1, 'WITHSCORES')
local score, views = {}, {}
-- names of this kind in an article's scopes ("person:A\ntopic:B..."), matched in one pass
local names_of = '\n' .. string.gsub(kind, '%p', '%%%0') .. ':([^\n]+)'
for k = 1, #top, 2000 do
  local ids = {}
  for j = k, math.min(k + 1999, #top), 2 do ids[#ids + 1] = top[j] end
  local rows = redis.call('HMGET', KEYS[3], unpack(ids))
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
if asked then
  for j = 17, #ARGV do
    local name = ARGV[j]
    score[name], views[name] = score[name] or 0, views[name] or 0
    names[#names + 1] = name
  end
end
for name in pairs(asked and {} or score) do
  if (any_views or views[name] > 0) and (#names < wanted or better(name, names[#names])) then
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
local stamps = string.format('{"fresh":%.17g,"stale":%.17g,"source":"%s",', fresh_until,
  stale_until, source)
local encoded = stamps .. string.sub(cjson.encode(out), 2)
if asked then return {'live', encoded} end
redis.call('HSET', cache, field, encoded)
redis.call('EXPIRE', cache, keep_s)
return {'computed', encoded}
