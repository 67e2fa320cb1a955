-- Fold pending list counts (pend:<shard>, written by counting.lua) into every list: the
-- minute and hour ledgers, the day and week buckets, the rolling windows, all-time and
-- trending. A shard is read and deleted in the same script, so each pending count lands
-- exactly once; an article killed since it was counted is skipped.
-- KEYS: P..'live', P..'roll', P..'all', P..'trend:article', P..'trend:t0'
-- ARGV: P, now_ts, now_minute, now_hour, now_day, lambda, budget (rows), mode ('shards' |
--       'articles'), then shard numbers or article ids.
-- Returns {rows folded, how many of the items this call took, t0}.
local P = ARGV[1]
local now_ts = tonumber(ARGV[2])
local lambda = tonumber(ARGV[6])
local budget = tonumber(ARGV[7])
local by_article = ARGV[8] == 'articles'
local FIRST_ITEM = 9

local through = roll_all(P, now_ts, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
local t0 = tonumber(redis.call('GET', KEYS[5]))
if t0 == nil then
  t0 = math.floor(now_ts)
  redis.call('SET', KEYS[5], t0)
end

local zadds, hadds, expiries = {}, {}, {}
local function add(tables, key, member, n)
  local t = tables[key]
  if t == nil then t = {}; tables[key] = t end
  t[member] = (t[member] or 0) + n
end

-- The keys a (minute, day) lands in, worked out once per fold: a few minutes and days recur
-- across every row, and a number formatted into a key costs as much as a redis.call.
-- A bucket past its expiry gets nothing (false); a bucket already out of its window (a late
-- view) goes to its ledger but not to the window, so the window never subtracts it twice.
local function bucket(level, id_text)
  local spec, b = SPECS[level], tonumber(id_text)
  local at = expire_at(spec, b)
  if at <= now_ts then return false end
  return {key = P .. level .. ':' .. id_text, at = at,
          win = b > through[level] and P .. 'win:' .. spec.name or false}
end
local by_minute, by_day = {}, {}
local function minute_keys(minute)
  local keys = by_minute[minute]
  if keys == nil then
    local m = tonumber(minute)
    keys = {m = bucket('m', minute), h = bucket('h', tostring(math.floor(m / 60))),
            weight = math.exp(lambda * (math.min(m * 60 + 30, now_ts) - t0))}
    by_minute[minute] = keys
  end
  return keys
end
local function day_keys(day)
  local keys = by_day[day]
  if keys == nil then
    local week = week_of(tonumber(day))
    keys = {d = bucket('d', day), w = week_expire_at(week) > now_ts and P .. 'w:' .. week}
    if keys.d then expiries[keys.d.key] = keys.d.at end
    if keys.w then expiries[keys.w] = week_expire_at(week) end
    by_day[day] = keys
  end
  return keys
end

local function ledger(level_keys, shard, id, n)
  if not level_keys then return end
  local key = level_keys.key .. ':' .. shard
  add(hadds, key, id, n)
  expiries[key] = level_keys.at
  if level_keys.win then add(zadds, level_keys.win, id, n) end
end

local function fold_row(shard, id, minute, day, n)
  local mk, dk = minute_keys(minute), day_keys(day)
  ledger(mk.m, shard, id, n)
  ledger(mk.h, shard, id, n)
  if dk.d then
    add(zadds, dk.d.key, id, n)
    if dk.d.win then add(zadds, dk.d.win, id, n) end
  end
  if dk.w then add(zadds, dk.w, id, n) end
  add(zadds, KEYS[3], id, n)
  add(zadds, KEYS[4], id, n * mk.weight)
end

local function fold_shard(shard)
  local key = P .. 'pend:' .. shard
  local rows = redis.call('HGETALL', key)
  if #rows == 0 then return 0 end
  redis.call('DEL', key)
  local parsed, ids = {}, {}
  for j = 1, #rows, 2 do
    local minute, day, id = string.match(rows[j], '^(%-?%d+)|(%-?%d+)|(.*)$')
    if id then
      parsed[#parsed + 1] = {id, minute, day, tonumber(rows[j + 1])}
      ids[#ids + 1] = id
    end
  end
  local live = hmget_many(KEYS[1], ids)
  for j, row in ipairs(parsed) do
    if live[j] then fold_row(shard, row[1], row[2], row[3], row[4]) end
  end
  return #parsed
end

local done, i = 0, FIRST_ITEM
while i <= #ARGV and done < budget do
  local shard = by_article and shard_of(ARGV[i]) or ARGV[i]
  done = done + fold_shard(shard)
  i = i + 1
end

-- One increment per (key, member) for the whole call; TTLs relative to the caller's clock,
-- so a skewed Redis clock cannot expire live buckets.
local text = {}  -- small counts recur: format each once
local function num(n)
  local t = text[n]
  if t == nil then t = tostring(n); text[n] = t end
  return t
end
for key, incr in pairs(zadds) do
  if key == KEYS[4] then
    for member, n in pairs(incr) do redis.call('ZINCRBY', key, n, member) end
  else
    for member, n in pairs(incr) do redis.call('ZINCRBY', key, num(n), member) end
  end
end
for key, incr in pairs(hadds) do
  for member, n in pairs(incr) do redis.call('HINCRBY', key, member, num(n)) end
end
for key, at in pairs(expiries) do redis.call('EXPIRE', key, math.ceil(at - now_ts)) end
return {done, i - FIRST_ITEM, tostring(t0)}
