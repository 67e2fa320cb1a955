-- Count one batch of view events and ack it, in one atomic step (exactly once in effect).
-- Only entries this script acks are counted (see whole_batch_is_ours), so a redelivered or
-- concurrently reclaimed entry changes nothing, and a crash before this script leaves the
-- whole batch pending and uncounted.
-- What must be decided per view happens here (ack, live article, repeat reader, unique
-- readers); what lists need goes to pend:<shard> as one count per (article, minute), which
-- fold.lua later adds to every list, window and ledger at once. Under Zipf traffic most
-- articles recur across batches, so this is far fewer sorted-set updates than updating every
-- list per batch. (A redis.call costs ~0.3 µs and a number formatted as a string ~0.35 µs,
-- so the loops below reuse ARGV strings and keep plain arrays, not a table per view.)
-- Views of an article ranking does not know yet (it is still being enriched) are held:
-- counted like any other, but into held:<id> instead of the pending counts, until
-- articles.lua releases them when the article arrives. At most hold_max articles are held
-- at once, each for hold_s after its first view (held:<id> and its readers expire then);
-- beyond that, and for a killed article, a view is `unknown` and counts nowhere.
-- KEYS: the views stream, P..'live', P..'rep', P..'held' (held id -> when its hold ends)
-- ARGV: P, group, now_ts, repeat_interval_s,
--       consumer ('' unless the batch is one XREADGROUP '>' of that consumer), min_idle_ms,
--       hold_s, hold_max, n_bots, n_ids, the n_ids entry ids (the bots' first, then each
--       group's in order), then groups: article id, minute, local day, n, n reader tokens
--       (8 bytes; anything else, '' included, is taken as no reader), and while the repeat
--       filter is on, the n tokens' Bloom words as BITFIELD offsets '#<word>'
--       (repeat_filter.word_offset)
local stream = KEYS[1]
local P, group = ARGV[1], ARGV[2]
local now_ts = tonumber(ARGV[3])
local interval = tonumber(ARGV[4])
local consumer, min_idle = ARGV[5], tonumber(ARGV[6])
local hold_s, hold_max = tonumber(ARGV[7]), tonumber(ARGV[8])
local n_bots, n_ids = tonumber(ARGV[9]), tonumber(ARGV[10])
local call, xack, byte, format, band, bor, shl = redis.call, 'XACK', string.byte,
  string.format, bit.band, bit.bor, bit.lshift
-- A number given to redis.call is formatted with printf's %.17g (~2,500 instructions);
-- '%d' costs a fifth of that, and the few small counts of a batch are formatted once.
local decimals = {}
local function decimal(n)
  local s = decimals[n]
  if s == nil then s = format('%d', n); decimals[n] = s end
  return s
end
local first_id, first_group = 11, 11 + n_ids

-- Exactly once: an entry counts only if this script's XACK of it returned 1. One XACK per
-- entry costs ~1.6 µs of Redis; one XACK of many ~0.8 µs an entry, but it only says how
-- many were pending. So a batch is acked whole when none of it can have been taken over
-- or acked by another counter: it is one fresh read of `consumer`, and its first entry is
-- still that consumer's, delivered once and idle less than min_idle. Entries of one read
-- share their delivery time and a claim needs min_idle of idleness, so none was claimed.
-- Anything else (a reclaimed batch, a slow one) is acked entry by entry.
local function whole_batch_is_ours()
  if consumer == '' or n_ids == 0 then return false end
  local row = call('XPENDING', stream, group, ARGV[first_id], ARGV[first_id], 1)[1]
  return row ~= nil and row[2] == consumer and row[3] < min_idle and row[4] == 1
end
local ok  -- ok[k]: entry k (1..n_ids) was acked here; nil when the whole batch was
local counted, dups, bots, repeats, unknown, held_views = 0, 0, 0, 0, 0, 0
if whole_batch_is_ours() then
  for k = first_id, first_group - 1, 4000 do
    call(xack, stream, group, unpack(ARGV, k, math.min(k + 3999, first_group - 1)))
  end
else
  ok = {}
  for k = 1, n_ids do ok[k] = call(xack, stream, group, ARGV[first_id + k - 1]) == 1 end
end
for k = 1, n_bots do
  if ok == nil or ok[k] then bots = bots + 1 else dups = dups + 1 end
end

-- Groups as parallel arrays; which articles are live: one HMGET for the whole batch.
local g_pos, g_n, g_first, ids = {}, {}, {}, {}
local pos, entry, ng = first_group, n_bots + 1, 0
while pos <= #ARGV do
  local n = tonumber(ARGV[pos + 3])
  ng = ng + 1
  g_pos[ng], g_n[ng], g_first[ng], ids[ng] = pos, n, entry, ARGV[pos]
  pos, entry = pos + 4 + (interval > 0 and 2 * n or n), entry + n
end
local live = hmget_many(KEYS[2], ids)

-- When the hold of a not yet known article ends (false: killed, or no room to hold it).
local pruned = false
local function hold_until(id)
  if hold_s <= 0 or call('EXISTS', P .. 'art:' .. id) == 1 then return false end
  local at = tonumber(call('ZSCORE', KEYS[4], id))
  if at and at > now_ts then return at end
  if not at then
    if not pruned then call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now_ts); pruned = true end
    if call('ZCARD', KEYS[4]) >= hold_max then return false end
  end
  at = math.floor(now_ts) + hold_s
  call('ZADD', KEYS[4], at, id)
  return at
end
local held = {}
for j = 1, ng do
  if not live[j] then held[j] = hold_until(ids[j]) end
end

-- Keep the reader tokens of acked views of live articles, and what the repeat filter must
-- judge: token's group, bit mask, late (previous slot), and the BITFIELD GET of its word
-- (reads[3k] is the word offset '#<n>').
local now_slot = interval > 0 and math.floor(now_ts / interval) or 0
local g_tokens, g_all, g_rep = {}, {}, {}
local c_group, c_mask, c_late, reads, nc = {}, {}, {}, {}, 0
for j = 1, ng do
  local first, n, e0 = g_pos[j] + 4, g_n[j], g_first[j] - 1
  local slot = interval > 0 and math.floor(tonumber(ARGV[g_pos[j] + 1]) * 60 / interval) or 0
  local filter, late = interval > 0 and slot >= now_slot - 1, slot < now_slot
  local tokens, nt, all = {}, 0, 0
  for e = 1, n do
    if ok ~= nil and not ok[e0 + e] then
      dups = dups + 1
    elseif not live[j] and not held[j] then
      unknown = unknown + 1
    else
      all = all + 1
      local tok = ARGV[first + e - 1]
      if #tok == 8 then
        nt = nt + 1
        tokens[nt] = tok
        if filter then
          local b5, b6, b7 = byte(tok, 5, 7)
          nc = nc + 1
          c_group[nc], c_late[nc] = j, late
          c_mask[nc] = bor(shl(1, b5), shl(1, b6), shl(1, b7))  -- shifts use 5 bits: % 32
          reads[3 * nc - 2], reads[3 * nc - 1] = 'GET', 'i32'
          reads[3 * nc] = ARGV[first + n + e - 1]
        end
      end
    end
  end
  g_tokens[j], g_all[j], g_rep[j] = tokens, all, 0
end

-- Repeat filter: a blocked Bloom filter per slot of `interval` seconds (3 bits of one 32-bit
-- word per token), one bitmap key per slot that expires two slots later. A view is a repeat
-- if its token is in its own slot or (for the current slot) the previous one; every view
-- marks its own slot. One BITFIELD reads every token's word of a key (replies in token
-- order, so no table keyed by word is built), one writes the marked words back. A word
-- two tokens of the batch share is read from `marked` once the first one set it, so a
-- reader twice in one batch is a repeat too; its SETs follow each other, the last wins.
local function read_words(key)
  if nc <= 2000 then return call('BITFIELD', key, unpack(reads, 1, 3 * nc)) end
  local words = {}
  for k = 1, 3 * nc, 6000 do
    local got = call('BITFIELD', key, unpack(reads, k, math.min(k + 5999, 3 * nc)))
    local base = (k - 1) / 3
    for i = 1, #got do words[base + i] = got[i] end
  end
  return words
end
local function write_words(key, ops, n, expire_s)
  for k = 1, n, 6000 do call('BITFIELD', key, unpack(ops, k, math.min(k + 5999, n))) end
  if n > 0 then call('EXPIRE', key, expire_s) end
end
if nc > 0 then
  local cur_key, prev_key = P .. 'seen:' .. now_slot, P .. 'seen:' .. (now_slot - 1)
  local cur_w, prev_w = read_words(cur_key), read_words(prev_key)
  local cur_marked, prev_marked = {}, {}
  local cur_ops, prev_ops, ncur, nprev = {}, {}, 0, 0
  for k = 1, nc do
    local off, m, late = reads[3 * k], c_mask[k], c_late[k]
    local prev = prev_marked[off] or prev_w[k]
    -- a late view is judged by and marks its own (previous) slot only
    local word = late and prev or (cur_marked[off] or cur_w[k])
    if band(word, m) == m or band(prev, m) == m then
      g_rep[c_group[k]] = g_rep[c_group[k]] + 1
    end
    local marked = bor(word, m)
    if marked ~= word then
      local marks, ops, n = cur_marked, cur_ops, ncur
      if late then marks, ops, n = prev_marked, prev_ops, nprev end
      marks[off] = marked
      ops[n + 1], ops[n + 2], ops[n + 3], ops[n + 4] = 'SET', 'i32', off, format('%d', marked)
      if late then nprev = n + 4 else ncur = n + 4 end
    end
  end
  -- TTLs relative to the caller's clock, like every TTL here
  write_words(cur_key, cur_ops, ncur, math.ceil((now_slot + 2) * interval + 60 - now_ts))
  write_words(prev_key, prev_ops, nprev, math.ceil((now_slot + 1) * interval + 60 - now_ts))
end

-- Unique readers, repeats (all-time views besides the lists), and the pending list counts:
-- a group is one (article, minute), so its pend field is new to this batch. A held
-- article's counts and repeats wait in held:<id>, its readers in an expiring hll:<id>.
for j = 1, ng do
  local id, tokens, until_ts = ids[j], g_tokens[j], held[j]
  local hll = P .. 'hll:' .. id
  for k = 1, #tokens, 1000 do
    call('PFADD', hll, unpack(tokens, k, math.min(k + 999, #tokens)))
  end
  local rep_key, rep_field, pend, field = KEYS[3], id, nil, nil
  if until_ts then
    pend = P .. 'held:' .. id
    rep_key, rep_field = pend, 'rep'
    field = ARGV[g_pos[j] + 1] .. '|' .. ARGV[g_pos[j] + 2]
    if #tokens > 0 then call('EXPIRE', hll, format('%d', math.ceil(until_ts - now_ts))) end
  else
    pend = P .. 'pend:' .. decimal(shard_of(id))
    field = ARGV[g_pos[j] + 1] .. '|' .. ARGV[g_pos[j] + 2] .. '|' .. id
  end
  if g_rep[j] > 0 then
    repeats = repeats + g_rep[j]
    call('HINCRBY', rep_key, rep_field, decimal(g_rep[j]))
  end
  local n = g_all[j] - g_rep[j]
  if n > 0 then
    call('HINCRBY', pend, field, decimal(n))
    if until_ts then held_views = held_views + n else counted = counted + n end
  end
  if until_ts and (n > 0 or g_rep[j] > 0) then
    call('EXPIRE', pend, format('%d', math.ceil(until_ts - now_ts)))  -- the caller's clock
  end
end
return {counted, dups, bots, repeats, unknown, held_views}
