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
_VIEWS_SCRIPT = resources.files(__package__).joinpath("views.lua").read_text()


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
    """Views whose producer chose the event id are deduplicated for `dedupe_window_s`, so
    retrying an unanswered POST never counts a view twice; server-made ids need no check."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, *, dedupe_window_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.dedupe_window_s = dedupe_window_s
        self._script = redis.register_script(_VIEWS_SCRIPT)

    async def publish(self, views: list[tuple[ViewEvent, bool]]) -> int:
        """`views` pairs each event with whether its id came from the producer."""
        args: list[str | bytes | int] = [self.keys.view_dedupe_prefix(), self.dedupe_window_s]
        for view, client_id in views:
            args.append(view.event_id if client_id else "")
            args.append(orjson.dumps(view.model_dump(mode="json")))
        added: int = await self._script(keys=[self.keys.views], args=args)
        return added
