-- Article upsert and kill, atomically with every list the article is in.
-- The display fields are one JSON string (art:<id>); the counting hot path reads only the
-- `live` hash (id -> its scopes, newline-separated), so a kill is one HDEL away from every
-- future view, and the ZREMs below take it out of every list that already holds it. Counts
-- still pending a fold are dropped by the fold (it checks `live` too); the minute and hour
-- ledgers keep them, harmlessly: subtracting a member a window lacks removes nothing.
-- Views of an article that came before it (held by counting.lua under held:<id>) join the
-- pending counts of their own minute the moment it arrives; a kill drops them.
-- KEYS: P..'art:<id>', P..'live', P..'retire', P..'topics', P..'held' (index of held ids),
--       [the articles.enriched stream of the entry to ack]
-- ARGV: P, mode ('upsert' | 'kill'), article id, version, published ts, document JSON,
--       retire_at (when retire.lua may drop it; 0: never),
--       n_scopes, <scopes>, n_labels, <code, label>...,
--       n_keys, <day and week bucket keys a kill scrubs>,
--       [group, entry id: acked in the same step, whatever the outcome]
local P, mode, id = ARGV[1], ARGV[2], ARGV[3]
-- The published ts and retire_at go to ZADD as the text they came in: a number passed to
-- redis.call is formatted with printf's %.17g on every call (an article joins ~20 scopes).
local version, published = tonumber(ARGV[4]), ARGV[5]
local doc, retire_at = ARGV[6], tonumber(ARGV[7])
local art, live = KEYS[1], KEYS[2]
local i = 8
local function take()
  local n = tonumber(ARGV[i])
  local out = {}
  for j = 1, n do out[j] = ARGV[i + j] end
  i = i + n + 1
  return out
end
local new_scopes, labels, scrub = take(), take(), take()
-- An upsert is idempotent (a version never goes back), so acking its entry here, with the
-- write, saves the consumer a round trip per batch and loses nothing.
local ack_group, ack_entry = ARGV[i], ARGV[i + 1]
local function answer(reply)
  if ack_entry then redis.call('XACK', KEYS[6], ack_group, ack_entry) end
  return reply
end

local raw = redis.call('GET', art)
if raw then
  local cur = cjson.decode(raw)
  if cur.killed then return answer('killed') end
  if mode == 'upsert' and tonumber(cur.version or 0) > version then return answer('stale') end
end
local old_scopes = split(redis.call('HGET', live, id) or '', '\n')

if retire_at > 0 then redis.call('ZADD', KEYS[3], ARGV[7], id) end

if mode == 'kill' then
  redis.call('SET', art, cjson.encode({id = id, killed = true, version = version}))
  redis.call('HDEL', live, id)
  leave_scopes(P, id, old_scopes)
  for _, key in ipairs(scrub) do redis.call('ZREM', key, id) end
  drop_counts(P, id)  -- held views and their readers too
  return answer('killed')
end

-- Held views: each (minute, day) count becomes a pending count, as if counted now, so the
-- next fold puts it in its own buckets; repeats join the article's; its readers stay.
local function release_held()
  local held = P .. 'held:' .. id
  local rows = redis.call('HGETALL', held)
  if #rows == 0 then return 0 end
  local pend = P .. 'pend:' .. shard_of(id)
  local n = 0
  for j = 1, #rows, 2 do
    if rows[j] == 'rep' then
      redis.call('HINCRBY', P .. 'rep', id, rows[j + 1])
    else
      redis.call('HINCRBY', pend, rows[j] .. '|' .. id, rows[j + 1])
      n = n + tonumber(rows[j + 1])
    end
  end
  redis.call('DEL', held)
  redis.call('ZREM', KEYS[5], id)
  redis.call('PERSIST', P .. 'hll:' .. id)
  return n
end

local wanted, had = {}, {}
for _, s in ipairs(new_scopes) do wanted[s] = true end
for _, s in ipairs(old_scopes) do had[s] = true end
local leaving, joining = {}, {}
for _, s in ipairs(old_scopes) do if not wanted[s] then leaving[#leaving + 1] = s end end
leave_scopes(P, id, leaving)
for _, s in ipairs(new_scopes) do
  if not had[s] then
    redis.call('ZADD', P .. 'mem:' .. s, published, id)
    joining[#joining + 1] = s
  end
end
drop_scope_caches(P, joining)
redis.call('SET', art, doc)
redis.call('HSET', live, id, table.concat(new_scopes, '\n'))
if #labels > 0 then redis.call('HSET', KEYS[4], unpack(labels)) end
-- 'ok', or 'ok:<n>' when n held views were released
local released = not raw and release_held() or 0
if released > 0 then return answer('ok:' .. released) end
return answer('ok')
