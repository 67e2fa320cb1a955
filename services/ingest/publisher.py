"""Writes accepted input to Redis: article versions through the idempotency ledger, views
in pipelined batches. `accepted` is only returned after XADD returned."""

from __future__ import annotations

import time
from importlib import resources
from typing import Any, Literal

import orjson
import redis.asyncio as aioredis
import structlog

from services.ingest.documents import Candidate
from shared.keys import Keys
from shared.logging import get_logger
from shared.models import Article, RawArticle, ViewEvent, article_id

log = get_logger(__name__)
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
        keys, args = self._call(raw)
        status, entry_id = await self._script(keys=keys, args=args)
        decoded: PublishStatus = status.decode()
        return decoded, entry_id.decode() or None

    async def publish_many(self, raws: list[RawArticle]) -> list[tuple[PublishStatus, str | None]]:
        """A batch in one round trip: every article still runs the script on its own, in
        order and atomically, so the outcomes are those of publishing them one by one."""
        if len(raws) <= 1:
            return [await self.publish(raw) for raw in raws]
        async with self.redis.pipeline(transaction=False) as pipe:
            for raw in raws:
                keys, args = self._call(raw)
                await self._script(keys=keys, args=args, client=pipe)
            replies = await pipe.execute()
        return [(status.decode(), entry_id.decode() or None) for status, entry_id in replies]

    def _call(self, raw: RawArticle) -> tuple[list[str], list[str | int]]:
        is_kill = raw.article.pubstatus == "canceled"
        keys = [self.keys.article_version(raw.id), self.keys.raw]
        args: list[str | int] = [
            raw.article.version,
            raw.content_hash,
            "1" if is_kill else "0",
            raw.model_dump_json(),
            self.ledger_ttl_s,
        ]
        return keys, args


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
        args: list[str | bytes | int] = [self.keys.view_dedupe_prefix(""), self.dedupe_window_s]
        for view, client_id in views:
            args.append(view.event_id if client_id else "")
            args.append(orjson.dumps(view.model_dump(mode="json")))
        added: int = await self._script(keys=[self.keys.views], args=args)
        return added


async def publish_candidates(
    publisher: ArticlePublisher, found: list[Candidate], producer: str, *, transport: str = "http"
) -> list[dict[str, Any]]:
    """One result per item, in order; every transport (HTTP, feeds, drop folder) comes here so
    they share ids, versioning and the canonical log line (one per article)."""
    raws = {
        n: _raw(c.item.article, c.item.format, producer)
        for n, c in enumerate(found)
        if c.item.article is not None
    }
    started = time.perf_counter()
    outcomes = dict(zip(raws, await publisher.publish_many(list(raws.values())), strict=True))
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    results: list[dict[str, Any]] = []
    for n, candidate in enumerate(found):
        raw = raws.get(n)
        if raw is None:
            results.append(_invalid(candidate, producer))
            continue
        status, entry_id = outcomes[n]
        with structlog.contextvars.bound_contextvars(article_id=raw.id, event_id=raw.event_id):
            log.info(
                "article.received",
                status=status,
                guid=raw.article.guid,
                version=raw.article.version,
                producer=producer,
                transport=transport,
                entry_id=entry_id,
                duration_ms=duration_ms,
            )
        results.append(
            {
                "id": raw.id,
                "guid": raw.article.guid,
                "version": raw.article.version,
                "status": status,
                "errors": [],
            }
        )
    return results


def _raw(article: Article, fmt: str, producer: str) -> RawArticle:
    return RawArticle(
        id=article_id(producer, article.guid),
        producer=producer,
        format=fmt,
        content_hash=article.content_hash(),
        article=article,
    )


def _invalid(candidate: Candidate, producer: str) -> dict[str, Any]:
    return {
        "id": article_id(producer, candidate.guid) if candidate.guid else None,
        "guid": candidate.guid,
        "version": candidate.version,
        "status": "invalid",
        "errors": [e.as_dict() for e in candidate.errors],
    }
