-- Article upsert and kill, atomically with every list the article is in.
-- The display fields are one JSON string (art:<id>); the counting hot path reads only the
-- `live` hash (id -> its scopes, newline-separated), so a kill is one HDEL away from every
-- future view, and the ZREMs below take it out of every list that already holds it. Counts
-- still pending a fold are dropped by the fold (it checks `live` too); the minute and hour
-- ledgers keep them, harmlessly: subtracting a member a window lacks removes nothing.
-- ARGV: mode ('upsert' | 'kill'), P, article id, version, published ts, window names (','),
--       document JSON, retire_at (when retire.lua may drop it; 0: never),
--       n_scopes, <scopes>, n_labels, <code, label>...,
--       n_keys, <day and week bucket keys a kill scrubs>
local mode, P, id = ARGV[1], ARGV[2], ARGV[3]
local version, published = tonumber(ARGV[4]), tonumber(ARGV[5])
local windows = split(ARGV[6], ',')
local doc, retire_at = ARGV[7], tonumber(ARGV[8])
local i = 9
local function take()
  local n = tonumber(ARGV[i])
  local out = {}
  for j = 1, n do out[j] = ARGV[i + j] end
  i = i + n + 1
  return out
end
local new_scopes, labels, scrub = take(), take(), take()

local art = P .. 'art:' .. id
local raw = redis.call('GET', art)
if raw then
  local cur = cjson.decode(raw)
  if cur.killed then return 'killed' end
  if mode == 'upsert' and tonumber(cur.version or 0) > version then return 'stale' end
end
local old_scopes = split(redis.call('HGET', P .. 'live', id) or '', '\n')

if retire_at > 0 then redis.call('ZADD', P .. 'retire', retire_at, id) end

if mode == 'kill' then
  redis.call('SET', art, cjson.encode({id = id, killed = true, version = version}))
  redis.call('HDEL', P .. 'live', id)
  for _, scope in ipairs(old_scopes) do leave_scope(P, id, scope, windows) end
  for _, key in ipairs(scrub) do redis.call('ZREM', key, id) end
  drop_counts(P, id)
  return 'killed'
end

local wanted, had = {}, {}
for _, s in ipairs(new_scopes) do wanted[s] = true end
for _, s in ipairs(old_scopes) do had[s] = true end
for _, s in ipairs(old_scopes) do if not wanted[s] then leave_scope(P, id, s, windows) end end
for _, s in ipairs(new_scopes) do
  if not had[s] then
    redis.call('ZADD', P .. 'mem:' .. s, published, id)
    drop_scope_caches(P, s, windows)
  end
end
redis.call('SET', art, doc)
redis.call('HSET', P .. 'live', id, table.concat(new_scopes, '\n'))
if #labels > 0 then redis.call('HSET', P .. 'topics', unpack(labels)) end
return 'ok'
