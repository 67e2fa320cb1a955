-- Move the trending landmark t0 forward: scale every decayed score once, drop the negligible.
-- KEYS: P..'trend:t0', P..'trend:article'
-- ARGV: P, expected old t0, new t0, factor, purge below
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('ZUNIONSTORE', KEYS[2], 1, KEYS[2], 'WEIGHTS', ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[5])
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
