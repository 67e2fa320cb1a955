"""Writes accepted input to Redis: article versions through the idempotency ledger, views
in pipelined batches. `accepted` is only returned after XADD returned."""

from __future__ import annotations

from importlib import resources
from typing import Literal

import orjson
import redis.asyncio as aioredis

from shared.keys import Keys
from shared.models import RawArticle, ViewEvent

PublishStatus = Literal["accepted", "duplicate", "stale"]
_SCRIPT = resources.files(__package__).joinpath("publish.lua").read_text()


class ArticlePublisher:
    def __init__(self, redis: aioredis.Redis, keys: Keys, *, ledger_ttl_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.ledger_ttl_s = ledger_ttl_s
        self._script = redis.register_script(_SCRIPT)

    async def publish(self, raw: RawArticle) -> tuple[PublishStatus, str | None]:
        """Returns the outcome and, when accepted, the stream entry id."""
        is_kill = raw.article.pubstatus == "canceled"
        status, entry_id = await self._script(
            keys=[self.keys.article_version(raw.id), self.keys.raw],
            args=[
                raw.article.version,
                raw.content_hash,
                "1" if is_kill else "0",
                raw.model_dump_json(),
                self.ledger_ttl_s,
            ],
        )
        decoded: PublishStatus = status.decode()
        return decoded, entry_id.decode() or None


class ViewPublisher:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def publish(self, views: list[ViewEvent]) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            for view in views:
                data = orjson.dumps(view.model_dump(mode="json"))
                pipe.xadd(self.keys.views, {"__data__": data})
            await pipe.execute()
        return len(views)
