-- Count one batch of view events and ack it, in one atomic step (exactly once in effect).
-- Each entry is XACKed on its own; only entries whose XACK returned 1 are counted, so a
-- redelivered or concurrently reclaimed entry changes nothing, and a crash before this script
-- leaves the whole batch pending and uncounted.
-- What must be decided per view happens here (ack, live article, repeat reader, unique
-- readers); what lists need goes to pend:<shard> as one count per (article, minute), which
-- fold.lua later adds to every list, window and ledger at once. Under Zipf traffic most
-- articles recur across batches, so this is far fewer sorted-set updates than updating every
-- list per batch. (A redis.call costs ~0.3 µs and a number formatted as a string ~0.35 µs,
-- so the loops below reuse ARGV strings and keep plain arrays, not a table per view.)
-- KEYS[1] the views stream
-- ARGV: group, P, now_ts, repeat_interval_s, bloom_bits_log2, n_bots, <bot entry ids>,
--       then groups: article id, minute, local day, n, n entry ids, n reader tokens (8 bytes;
--       anything else, '' included, is taken as no reader)
local stream = KEYS[1]
local group, P = ARGV[1], ARGV[2]
local now_ts = tonumber(ARGV[3])
local interval = tonumber(ARGV[4])
local words = 2 ^ (tonumber(ARGV[5]) - 5)
local xack, byte, band, bor, shl = 'XACK', string.byte, bit.band, bit.bor, bit.lshift

local counted, dups, bots, repeats, unknown = 0, 0, 0, 0, 0
local first_group = 7 + tonumber(ARGV[6])
for i = 7, first_group - 1 do
  if redis.call(xack, stream, group, ARGV[i]) == 1 then bots = bots + 1 else dups = dups + 1 end
end

-- Groups as parallel arrays; which articles are live: one HMGET for the whole batch.
local g_pos, g_n, ids = {}, {}, {}
local pos = first_group
while pos <= #ARGV do
  local n = tonumber(ARGV[pos + 3])
  g_pos[#g_pos + 1], g_n[#g_n + 1], ids[#ids + 1] = pos, n, ARGV[pos]
  pos = pos + 4 + 2 * n
end
local live = hmget_many(P .. 'live', ids)

-- Ack every entry; keep the reader tokens of acked views of live articles, and what the
-- repeat filter must judge: token, group, word offset ('#<n>' for BITFIELD), bit mask.
local now_slot = interval > 0 and math.floor(now_ts / interval) or 0
local g_tokens, g_all, g_rep = {}, {}, {}
local c_group, c_off, c_mask, c_late = {}, {}, {}, {}
for j = 1, #g_pos do
  local first, n = g_pos[j] + 4, g_n[j]
  local slot = interval > 0 and math.floor(tonumber(ARGV[g_pos[j] + 1]) * 60 / interval) or 0
  local filter = interval > 0 and slot >= now_slot - 1
  local tokens, all = {}, 0
  for e = first, first + n - 1 do
    if redis.call(xack, stream, group, ARGV[e]) ~= 1 then
      dups = dups + 1
    elseif not live[j] then
      unknown = unknown + 1
    else
      all = all + 1
      local tok = ARGV[e + n]
      if #tok == 8 then
        tokens[#tokens + 1] = tok
        if filter then
          local b1, b2, b3, b4, b5, b6, b7 = byte(tok, 1, 7)
          local k = #c_group + 1
          c_group[k], c_late[k] = j, slot < now_slot
          c_off[k] = '#' .. ((((b1 * 256 + b2) * 256 + b3) * 256 + b4) % words)
          c_mask[k] = bor(shl(1, b5 % 32), shl(1, b6 % 32), shl(1, b7 % 32))
        end
      end
    end
  end
  g_tokens[j], g_all[j], g_rep[j] = tokens, all, 0
end

-- Repeat filter: a blocked Bloom filter per slot of `interval` seconds (3 bits of one 32-bit
-- word per token), one bitmap key per slot that expires two slots later. A view is a repeat
-- if its token is in its own slot or (for the current slot) the previous one; every view
-- marks its own slot. One BITFIELD reads the batch's words of a key, one writes them back.
if #c_group > 0 then
  local keys = {P .. 'seen:' .. now_slot, P .. 'seen:' .. (now_slot - 1)}
  local value = {{}, {}}  -- per key: offset -> word
  for kx = 1, 2 do
    local ops, offs, seen = {}, {}, {}
    for k = 1, #c_group do
      local off = c_off[k]
      if (kx == 2 or not c_late[k]) and not seen[off] then
        seen[off] = true
        offs[#offs + 1] = off
        ops[#ops + 1] = 'GET'; ops[#ops + 1] = 'i32'; ops[#ops + 1] = off
      end
    end
    for k = 1, #ops, 6000 do
      local got = redis.call('BITFIELD', keys[kx], unpack(ops, k, math.min(k + 5999, #ops)))
      for i = 1, #got do value[kx][offs[(k - 1) / 3 + i]] = got[i] end
    end
  end
  local changed = {{}, {}}
  for k = 1, #c_group do
    local off, m = c_off[k], c_mask[k]
    local mine = c_late[k] and 2 or 1
    local word = value[mine][off]
    if band(word, m) == m or (mine == 1 and band(value[2][off], m) == m) then
      g_rep[c_group[k]] = g_rep[c_group[k]] + 1
    end
    local marked = bor(word, m)
    if marked ~= word then value[mine][off] = marked; changed[mine][off] = true end
  end
  for kx = 1, 2 do
    local sets = {}
    for off in pairs(changed[kx]) do
      sets[#sets + 1] = 'SET'; sets[#sets + 1] = 'i32'; sets[#sets + 1] = off
      sets[#sets + 1] = value[kx][off]
    end
    for k = 1, #sets, 6000 do
      redis.call('BITFIELD', keys[kx], unpack(sets, k, math.min(k + 5999, #sets)))
    end
    if #sets > 0 then  -- relative to the caller's clock, like every TTL here
      redis.call('EXPIRE', keys[kx], math.ceil((now_slot + 3 - kx) * interval + 60 - now_ts))
    end
  end
end

-- Unique readers, repeats (all-time views besides the lists), and the pending list counts.
local pend = {}
for j = 1, #g_pos do
  local id, tokens = ids[j], g_tokens[j]
  for k = 1, #tokens, 1000 do
    redis.call('PFADD', P .. 'hll:' .. id, unpack(tokens, k, math.min(k + 999, #tokens)))
  end
  if g_rep[j] > 0 then
    repeats = repeats + g_rep[j]
    redis.call('HINCRBY', P .. 'rep', id, g_rep[j])
  end
  local n = g_all[j] - g_rep[j]
  if n > 0 then
    counted = counted + n
    local key = P .. 'pend:' .. shard_of(id)
    local field = ARGV[g_pos[j] + 1] .. '|' .. ARGV[g_pos[j] + 2] .. '|' .. id
    local t = pend[key]
    if t == nil then t = {}; pend[key] = t end
    t[field] = (t[field] or 0) + n
  end
end
for key, fields in pairs(pend) do
  for field, n in pairs(fields) do redis.call('HINCRBY', key, field, n) end
end
return {counted, dups, bots, repeats, unknown}
