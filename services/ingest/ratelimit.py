"""Per-producer request rate limit: a one-second fixed window counted in Redis, so every
ingest replica shares the same budget."""

from __future__ import annotations

import time

from shared.broker import RedisClient
from shared.keys import Keys

WINDOW_TTL_S = 2  # a window's counter outlives its second, then goes
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

    @staticmethod
    def window() -> int:
        return int(time.time())

    async def retry_after(self, producer: str, limit_per_s: int | None) -> int | None:
        """None when the request may go on, else the seconds to wait before retrying."""
        if self._limit(limit_per_s) <= 0:
            return None
        key = self.keys.rate_limit(producer, self.window())
        count = await self._count(keys=[key], args=[WINDOW_TTL_S])
        return self.over(int(count), limit_per_s)

    def over(self, count: int, limit_per_s: int | None) -> int | None:
        """The verdict on a request counted elsewhere (the producer check counts it in the
        same round trip): None, or the seconds to wait."""
        limit = self._limit(limit_per_s)
        return 1 if 0 < limit < count else None

    def _limit(self, limit_per_s: int | None) -> int:
        return limit_per_s or self.default_per_s
