-- Count one batch of view events and ack it, in one atomic step (exactly once in effect).
-- Each entry is XACKed on its own; only entries whose XACK returned 1 are counted, so a
-- redelivered or concurrently reclaimed entry changes nothing, and a crash before this script
-- leaves the whole batch pending and uncounted.
-- A redis.call costs ~2 µs, so increments are summed per (key, member) in Lua tables first:
-- an article viewed 50 times in a batch costs one ZINCRBY per key, not 50.
-- KEYS[1] the views stream
-- ARGV: group, P, now_ts, now_minute, now_hour, now_day, lambda, repeat_interval_s,
--       bloom_bits_log2, window specs, n_bots, <bot entry ids>,
--       then groups: article id, minute, local day, n, n x (entry id, reader token or '')
local stream = KEYS[1]
local group, P = ARGV[1], ARGV[2]
local now_ts = tonumber(ARGV[3])
local now_m, now_h, now_d = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local lambda = tonumber(ARGV[7])
local interval = tonumber(ARGV[8])
local half = 2 ^ tonumber(ARGV[9])
local specs = parse_specs(ARGV[10])

local through = roll_all(P, specs, now_ts, now_m, now_h, now_d)
local t0 = tonumber(redis.call('GET', P .. 'trend:t0'))
if t0 == nil then
  t0 = math.floor(now_ts)
  redis.call('SET', P .. 'trend:t0', t0)
end

local counted, dups, bots, repeats, unknown = 0, 0, 0, 0, 0
local first_group = 12 + tonumber(ARGV[11])
for i = 12, first_group - 1 do
  if redis.call('XACK', stream, group, ARGV[i]) == 1 then bots = bots + 1 else dups = dups + 1 end
end

-- Which articles are live (and their scopes): one HMGET for the whole batch.
local ids, pos = {}, first_group
while pos <= #ARGV do
  ids[#ids + 1] = ARGV[pos]
  pos = pos + 4 + 2 * tonumber(ARGV[pos + 3])
end
local scopes_of = {}
for k = 1, #ids, 1000 do
  local last = math.min(k + 999, #ids)
  local rows = redis.call('HMGET', P .. 'live', unpack(ids, k, last))
  for j = k, last do
    local raw = rows[j - k + 1]
    scopes_of[ids[j]] = raw and split(raw, '\n') or false
  end
end

-- Repeat filter: one Bloom filter per slot of `interval` seconds, two slots as the halves of
-- one bitmap (slot parity picks the half), so one BITFIELD both checks the previous slot and
-- marks the current one. A half is zeroed when a new slot takes it over.
local seen = P .. 'seen'
local now_slot = interval > 0 and math.floor(now_ts / interval) or 0
if interval > 0 then
  local held = redis.call('HMGET', P .. 'seen:slots', '0', '1')
  for parity = 0, 1 do
    local want = now_slot - ((now_slot - parity) % 2)
    if tonumber(held[parity + 1]) ~= want then
      redis.call('SETRANGE', seen, parity * half / 8, string.rep('\0', half / 8))
      redis.call('HSET', P .. 'seen:slots', parity, want)
    end
  end
  redis.call('EXPIRE', seen, 2 * interval + 60)
  redis.call('EXPIRE', P .. 'seen:slots', 2 * interval + 60)
end

local function is_repeat(tok, slot)
  local h1 = tonumber(string.sub(tok, 1, 8), 16)
  local h2 = tonumber(string.sub(tok, 9, 16), 16)
  if h2 % 2 == 0 then h2 = h2 + 1 end
  local p1, p2, p3 = h1 % half, (h1 + h2) % half, (h1 + 2 * h2) % half
  local mine = (slot % 2) * half
  local r
  if slot == now_slot then
    local other = half - mine
    r = redis.call('BITFIELD', seen, 'GET', 'u1', other + p1, 'GET', 'u1', other + p2,
      'GET', 'u1', other + p3, 'SET', 'u1', mine + p1, 1, 'SET', 'u1', mine + p2, 1,
      'SET', 'u1', mine + p3, 1)
    if r[1] == 1 and r[2] == 1 and r[3] == 1 then return true end
    return r[4] == 1 and r[5] == 1 and r[6] == 1
  end
  r = redis.call('BITFIELD', seen, 'SET', 'u1', mine + p1, 1, 'SET', 'u1', mine + p2, 1,
    'SET', 'u1', mine + p3, 1)
  return r[1] == 1 and r[2] == 1 and r[3] == 1
end

local adds, expiries, views = {}, {}, {}
local function add(key, member, n)
  local t = adds[key]
  if t == nil then t = {}; adds[key] = t end
  t[member] = (t[member] or 0) + n
end

local function bump(level, bucket, id, n)
  local spec = specs[level]
  local at = expire_at(spec, bucket)
  if at <= now_ts then return end
  local bucket_key = P .. level .. ':' .. bucket
  add(bucket_key, id, n)
  expiries[bucket_key] = at
  if bucket > through[level] then add(P .. 'win:' .. spec.name, id, n) end
end

pos = first_group
while pos <= #ARGV do
  local id, minute, day, n = ARGV[pos], tonumber(ARGV[pos + 1]), tonumber(ARGV[pos + 2]),
    tonumber(ARGV[pos + 3])
  local scopes = scopes_of[id]
  local slot = interval > 0 and math.floor(minute * 60 / interval) or 0
  local filter = interval > 0 and slot >= now_slot - 1
  local all_n, list_n, tokens = 0, 0, {}
  for e = pos + 4, pos + 2 + 2 * n, 2 do
    local tok = ARGV[e + 1]
    if redis.call('XACK', stream, group, ARGV[e]) ~= 1 then
      dups = dups + 1
    elseif not scopes then
      unknown = unknown + 1
    else
      all_n = all_n + 1
      if tok ~= '' then tokens[#tokens + 1] = tok end
      if tok ~= '' and filter and is_repeat(tok, slot) then
        repeats = repeats + 1
      else
        list_n = list_n + 1
      end
    end
  end
  pos = pos + 4 + 2 * n
  if all_n > 0 then
    views[id] = (views[id] or 0) + all_n
    for j = 1, #tokens, 1000 do
      redis.call('PFADD', P .. 'hll:' .. id, unpack(tokens, j, math.min(j + 999, #tokens)))
    end
  end
  if list_n > 0 then
    counted = counted + list_n
    bump('m', minute, id, list_n)
    bump('h', math.floor(minute / 60), id, list_n)
    bump('d', day, id, list_n)
    add(P .. 'all', id, list_n)
    local w = list_n * math.exp(lambda * (math.min(minute * 60 + 30, now_ts) - t0))
    add(P .. 'trend:article', id, w)
  end
end

-- One increment per (key, member) for the whole batch. (Measured: ZMSCORE + one variadic
-- ZADD per key is slower here than ZINCRBY per member, ~3.0 vs ~2.4 µs a member.)
for key, incr in pairs(adds) do
  for member, n in pairs(incr) do redis.call('ZINCRBY', key, n, member) end
end
for id, n in pairs(views) do redis.call('HINCRBY', P .. 'views', id, n) end
-- TTLs relative to the caller's clock, so a skewed Redis clock cannot expire live buckets
for key, at in pairs(expiries) do redis.call('EXPIRE', key, math.ceil(at - now_ts)) end
return {counted, dups, bots, repeats, unknown, tostring(t0)}
