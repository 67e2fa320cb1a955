-- Retire articles past the retention (NEWSDESK_RANKING_RETAIN_DAYS): everything ranking
-- keeps of one goes at once (display data, scopes and their caches, counts, readers). One
-- still read within the last 7 days (in win:7d) stays, and is looked at again a day later; a
-- kill's tombstone goes too, by then no wire resends that article.
-- KEYS: P..'retire' (id -> when it may go), P..'roll', P..'win:7d', P..'live'
-- ARGV: P, now_ts, now_minute, now_hour, now_day, limit (articles looked at in this call)
-- Returns {retired, kept}.
local P, now_ts = ARGV[1], tonumber(ARGV[2])
local limit = tonumber(ARGV[6])
-- The 7d window as of now: after a quiet spell no fold may have rolled it yet.
roll_all(P, now_ts, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
local index = KEYS[1]
local due = redis.call('ZRANGEBYSCORE', index, '-inf', now_ts, 'LIMIT', 0, limit)
local retired, kept = 0, 0
for _, id in ipairs(due) do
  if redis.call('ZSCORE', KEYS[3], id) then
    redis.call('ZADD', index, now_ts + 86400, id)
    kept = kept + 1
  else
    local scopes = split(redis.call('HGET', KEYS[4], id) or '', '\n')
    leave_scopes(P, id, scopes)
    redis.call('HDEL', KEYS[4], id)
    redis.call('DEL', P .. 'art:' .. id)
    drop_counts(P, id)
    redis.call('ZREM', index, id)
    retired = retired + 1
  end
end
return {retired, kept}
