"""Writes accepted input to Redis: article versions through the idempotency ledger, views
in chunks. `accepted` is only returned after XADD returned.

Every write goes out in chunks whose script runs a few milliseconds at most, so one large
request neither stalls Redis for the other services nor outlasts the socket timeout. A chunk
that was sent but never answered may still have run: that is an `OutcomeUnknownError`, and
what makes retrying it safe is the request's key (chunk markers, the ledger's request token)
or the producer's own event ids. The client must not resend on its own (redis-py's clients
made by `from_url`, as `make_redis` makes them, make no retries): a resent chunk of views
without ids, whose first copy had run, would be stored twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, TypeVar

import structlog
from pydantic import BaseModel
from redis.exceptions import RedisError

from services.ingest.documents import Candidate, FieldError
from shared.broker import RedisClient
from shared.durable import NO_WAIT, Durability, DurableScript
from shared.keys import Keys, ShardKeys, shard_of
from shared.logging import get_logger
from shared.models import Article, RawArticle, ViewEvent, article_id

log = get_logger(__name__)
T = TypeVar("T")
PublishStatus = Literal["accepted", "duplicate", "stale"]
_SCRIPT = resources.files(__package__).joinpath("publish.lua").read_text()
_VIEWS_SCRIPT = resources.files(__package__).joinpath("views.lua").read_text()
# A script call costs Redis ~3 µs per view and ~2 ms per MiB it copies: at most 250 views and
# 256 KiB keep it near 1 ms. The size is counted from what the producer sent (`_weight`), so
# a retry of the same body is cut into the same chunks, which its chunk markers name.
VIEWS_PER_CALL = 250
VIEW_BYTES_PER_CALL = 256 * 1024
VIEW_OVERHEAD_BYTES = 160  # field names, ts, schema version, producer: what every view carries
ARTICLES_PER_CALL = 100
ARTICLE_BYTES_PER_CALL = 1024 * 1024
DEFAULT_MAX_ARTICLE_BYTES = 1024 * 1024


class OutcomeUnknownError(RedisError):
    """A write was sent and no answer came: it may have been applied, in part or whole.
    `written` items (from the start of the request) are known to be written."""

    def __init__(self, cause: RedisError, written: int) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.written = written


@dataclass(frozen=True)
class Prepared:
    """An article as published: its stream message, serialised once, and the token of the
    request item that carries it."""

    raw: RawArticle
    payload: bytes
    token: str = ""


class ArticlePublisher:
    def __init__(
        self,
        redis: RedisClient,
        keys: Keys,
        *,
        ledger_ttl_s: int,
        max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
        durability: Durability = NO_WAIT,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.ledger_ttl_s = ledger_ttl_s
        self.max_article_bytes = max_article_bytes
        self._script = DurableScript(redis, _SCRIPT, durability)

    async def publish(self, raw: RawArticle) -> tuple[PublishStatus, str | None]:
        """Returns the outcome and, when accepted, the stream entry id."""
        (outcome,) = await self.publish_many([Prepared(raw, message(raw))])
        return outcome

    async def publish_many(
        self, items: Sequence[Prepared]
    ) -> list[tuple[PublishStatus, str | None]]:
        """Each article runs the script on its own, in order and atomically, so the outcomes
        are those of publishing them one by one; chunks of them share a round trip."""
        outcomes: list[tuple[PublishStatus, str | None]] = []
        for chunk in article_chunks(items):
            try:
                replies = await self._script.run_many([self._call(item) for item in chunk])
            except RedisError as exc:
                raise OutcomeUnknownError(exc, written=len(outcomes)) from exc
            outcomes += [
                (status.decode(), entry_id.decode() or None) for status, entry_id in replies
            ]
        return outcomes

    def _call(self, item: Prepared) -> tuple[list[str], list[str | bytes | int]]:
        raw = item.raw
        is_kill = raw.article.pubstatus == "canceled"
        shard = self.keys.for_article(raw.id)
        keys = [shard.article_version(raw.id), shard.raw]
        args: list[str | bytes | int] = [
            raw.article.version,
            raw.content_hash,
            "1" if is_kill else "0",
            item.payload,
            self.ledger_ttl_s,
            item.token,
        ]
        return keys, args


class ViewPublisher:
    """Views whose producer chose the event id are deduplicated (per producer) for
    `dedupe_window_s`; a request with an Idempotency-Key marks each chunk it wrote for as
    long, so retrying it writes nothing twice whether or not its views carry ids."""

    def __init__(
        self,
        redis: RedisClient,
        keys: Keys,
        *,
        dedupe_window_s: int,
        durability: Durability = NO_WAIT,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.dedupe_window_s = dedupe_window_s
        self._script = DurableScript(redis, _VIEWS_SCRIPT, durability)

    async def publish(
        self, views: Sequence[tuple[ViewEvent, bool]], *, producer: str, request: str | None = None
    ) -> tuple[int, int]:
        """`views` pairs each event with whether its id came from the producer; returns how
        many were accepted and how many were duplicates. A chunk already written by this
        request answers what it answered then."""
        accepted = duplicates = 0
        for shard, mine in self._by_shard(views):
            prefix = shard.view_dedupe_prefix(producer)
            for n, chunk in enumerate(view_chunks(mine)):
                keys = [shard.views]
                if request is not None:
                    keys.append(shard.request_chunk(producer, request, n))
                args: list[str | bytes | int] = [prefix, self.dedupe_window_s]
                for view, client_id in chunk:
                    args.append(view.event_id if client_id else "")
                    args.append(message(view))
                try:
                    added, skipped = await self._script(keys, args)
                except RedisError as exc:
                    raise OutcomeUnknownError(exc, written=accepted + duplicates) from exc
                accepted, duplicates = accepted + int(added), duplicates + int(skipped)
        return accepted, duplicates

    def _by_shard(
        self, views: Sequence[tuple[ViewEvent, bool]]
    ) -> list[tuple[ShardKeys, Sequence[tuple[ViewEvent, bool]]]]:
        """A view goes to its article's shard; the grouping (and so every chunk a retry
        names) depends on the request alone."""
        if self.keys.shards == 1:
            return [(self.keys.only, views)]
        groups: dict[int, list[tuple[ViewEvent, bool]]] = {}
        for item in views:
            groups.setdefault(shard_of(item[0].article_id, self.keys.shards), []).append(item)
        return [(self.keys.shard(n), groups[n]) for n in sorted(groups)]


def chunks(
    items: Sequence[T], weight: Callable[[T], int], *, count: int, size: int
) -> Iterator[Sequence[T]]:
    """Consecutive runs of at most `count` items weighing at most `size` (or one item)."""
    start, total = 0, 0
    for n, item in enumerate(items):
        load = weight(item)
        if n > start and (n - start >= count or total + load > size):
            yield items[start:n]
            start, total = n, 0
        total += load
    if start < len(items):
        yield items[start:]


def article_chunks(items: Sequence[Prepared]) -> Iterator[Sequence[Prepared]]:
    return chunks(
        items, lambda i: len(i.payload), count=ARTICLES_PER_CALL, size=ARTICLE_BYTES_PER_CALL
    )


def view_chunks(
    views: Sequence[tuple[ViewEvent, bool]],
) -> Iterator[Sequence[tuple[ViewEvent, bool]]]:
    return chunks(views, lambda v: _weight(v[0]), count=VIEWS_PER_CALL, size=VIEW_BYTES_PER_CALL)


def _weight(view: ViewEvent) -> int:
    """A view's size in a script call, from the fields the producer chose (a server-made
    event id is always 32 characters; a default `ts` varies, and is left out)."""
    strings = (view.event_id, view.article_id, view.reader_id, view.user_agent, view.referrer)
    return VIEW_OVERHEAD_BYTES + sum(len(s) for s in strings if s)


async def publish_candidates(
    publisher: ArticlePublisher,
    found: list[Candidate],
    producer: str,
    *,
    transport: str = "http",
    request: str | None = None,
) -> list[dict[str, Any]]:
    """One result per item, in order; every transport (HTTP, feeds, drop folder) comes here so
    they share ids, versioning and the canonical log line (one per article)."""
    prepared: dict[int, Prepared] = {}
    refused: dict[int, list[FieldError]] = {}
    for n, candidate in enumerate(found):
        if candidate.item.article is None:
            refused[n] = candidate.errors
            continue
        raw = _raw(candidate.item.article, candidate.item.format, producer)
        payload = message(raw)
        if len(payload) > publisher.max_article_bytes:
            refused[n] = [_too_large(len(payload), publisher.max_article_bytes)]
            continue
        prepared[n] = Prepared(raw, payload, f"{request}.{n}" if request else "")
    started = time.perf_counter()
    published = await publisher.publish_many(list(prepared.values()))
    outcomes = dict(zip(prepared, published, strict=True))
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    results: list[dict[str, Any]] = []
    for n, candidate in enumerate(found):
        if n in refused:
            results.append(_invalid(candidate, producer, refused[n]))
            continue
        raw = prepared[n].raw
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


def message(model: BaseModel) -> bytes:
    """The stream message as UTF-8 JSON, by pydantic's own serialiser: right-sized, where an
    `orjson.dumps` result keeps a buffer of at least 4 KiB (orjson 3.12+), which made 270k
    views 1.1 GB in one request. An article's size here is what its limit counts."""
    return model.__pydantic_serializer__.to_json(model)


def _raw(article: Article, fmt: str, producer: str) -> RawArticle:
    return RawArticle(
        id=article_id(producer, article.guid),
        producer=producer,
        format=fmt,
        content_hash=article.content_hash(),
        article=article,
    )


def _too_large(size: int, limit: int) -> FieldError:
    return FieldError(
        "body", f"the article is {size} bytes as published; at most {limit} are accepted"
    )


def _invalid(candidate: Candidate, producer: str, errors: list[FieldError]) -> dict[str, Any]:
    return {
        "id": article_id(producer, candidate.guid) if candidate.guid else None,
        "guid": candidate.guid,
        "version": candidate.version,
        "status": "invalid",
        "errors": [e.as_dict() for e in errors],
    }
