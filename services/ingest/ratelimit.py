"""Per-producer request rate limit: a one-second fixed window counted in Redis, so every
ingest replica shares the same budget."""

from __future__ import annotations

import time

from shared.broker import RedisClient
from shared.keys import Keys

_COUNT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


class RateLimiter:
    def __init__(self, redis: RedisClient, keys: Keys, *, default_per_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.default_per_s = default_per_s
        # One script call (one round trip) instead of a MULTI/INCR/EXPIRE/EXEC pipeline.
        self._count = redis.register_script(_COUNT)

    async def retry_after(self, producer: str, limit_per_s: int | None) -> int | None:
        """None when the request may go on, else the seconds to wait before retrying."""
        limit = limit_per_s or self.default_per_s
        if limit <= 0:
            return None
        window = int(time.time())
        key = self.keys.rate_limit(producer, window)
        count = await self._count(keys=[key], args=[2])
        return 1 if int(count) > limit else None
