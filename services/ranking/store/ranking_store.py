"""Ranking's Redis store: article metadata, view counters, window lists, trending, stats."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from services.ranking.domain import windows as win
from services.ranking.domain.bots import BotFilter
from services.ranking.domain.decay import Decay
from services.ranking.domain.list_documents import (
    SITE,
    TRENDING_TYPES,
    article_document,
    article_scopes,
    normalize_scope,
    topic_labels,
)
from services.ranking.domain.repeat_filter import RepeatFilter
from services.ranking.domain.results import CountResult, RankedItem
from services.ranking.domain.view_entries import View
from services.ranking.store import article_reads
from services.ranking.store.params import RankingParams
from services.ranking.store.scripts import Ack, ArticleWrite, RankingScripts, text
from services.ranking.store.view_counter import ViewCounter
from shared.broker import RedisClient
from shared.consumer.handler import FreshRead
from shared.keys import Keys, ShardKeys
from shared.logging import get_logger
from shared.models import EnrichedArticle

log = get_logger(__name__)


class RankingStore:
    """Every ranking key under `Keys.ranking(...)`; writes are Lua scripts, one per step."""

    def __init__(
        self,
        redis: RedisClient,
        keys: Keys | ShardKeys,
        params: RankingParams | None = None,
        *,
        bots: BotFilter | None = None,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.params = params or RankingParams()
        self.prefix = keys.ranking() + ":"
        self.clock = win.DayClock(self.params.timezone)
        self.decay = Decay(self.params.trending_half_life_s)
        self.repeat = RepeatFilter(
            self.params.reader_repeat_interval_s, self.params.repeat_filter_bits_log2
        )
        self.bots = bots or BotFilter()
        self.scripts = RankingScripts(redis, self.prefix)
        self.counter = ViewCounter(
            self.scripts, clock=self.clock, decay=self.decay, repeat=self.repeat,
            bots=self.bots, held=self.params.held,
        )  # fmt: skip
        # Background refreshes of stale cache entries, one per entry at most (single flight
        # per process); held here too, as the event loop keeps only weak references to tasks.
        self._refreshing: dict[tuple[str, ...], asyncio.Task[None]] = {}

    # articles ------------------------------------------------------------------------
    async def upsert_article(self, enriched: EnrichedArticle, now: datetime | None = None) -> str:
        """Stores what lists show; returns 'ok', 'stale' (older version) or 'killed'.

        A kill (pubstatus canceled) supersedes every version and is final: the article leaves
        every list, window and cache in the same script, and later views are not counted.
        """
        (outcome,) = await self.upsert_articles([(enriched, None)], now=now)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def upsert_articles(
        self,
        batch: Sequence[tuple[EnrichedArticle, bytes | None]],
        *,
        ack: Ack | None = None,
        now: datetime | None = None,
    ) -> list[str | BaseException]:
        """`upsert_article` for (article, stream entry id) pairs in one round trip; with
        `ack`, each entry is acked in its article's script. An article's error comes back
        in its place, its entry unacked."""
        when = now or datetime.now(UTC)
        writes = [self._write(enriched, entry_id, when) for enriched, entry_id in batch]
        return await self.scripts.articles(writes, ack)

    def _write(
        self, enriched: EnrichedArticle, entry_id: bytes | None, when: datetime
    ) -> ArticleWrite:
        article = enriched.article
        kill = article.pubstatus == "canceled"
        scopes = [] if kill else article_scopes(enriched)
        labels = [] if kill else [x for kv in topic_labels(enriched).items() for x in kv]
        published = article.published_at or article.firstcreated or enriched.received_at
        args: list[Any] = [article.version, int(published.timestamp())]
        args += [orjson.dumps(article_document(enriched)), self._retire_at(published, when, kill)]
        for part in (scopes, labels, self._kill_keys(when) if kill else []):
            args += [len(part), *part]
        return ArticleWrite("kill" if kill else "upsert", enriched.id, args, entry_id)

    def _retire_at(self, published: datetime, when: datetime, kill: bool) -> int:
        """When `retire` may drop the article (0: never): retain_days after it was published,
        or for a kill's tombstone after the kill, so no resent version outlives it."""
        if not self.params.retain_days:
            return 0
        start = max(published, when) if kill else published
        return int(start.timestamp()) + self.params.retain_days * 86_400

    async def retire(self, now: datetime, *, limit: int = 500) -> tuple[int, int]:
        """Drops every article past its retention that nobody read in the last 7 days, in
        scripts of `limit` articles; returns (retired, kept because still read)."""
        retired = kept = 0
        clock = self.clock.now(now)
        while True:
            gone, stay = await self.scripts.retire(clock, limit)
            retired, kept = retired + gone, kept + stay
            if gone + stay < limit:
                return retired, kept

    def _kill_keys(self, when: datetime) -> list[str]:
        """Every day and week bucket that may hold the article (ledgers need no scrub)."""
        now = self.clock.now(when)
        days = win.live_buckets(win.Level.DAY, now)
        weeks = sorted({win.week_of(d) for d in days})
        return [self.prefix + f"d:{d}" for d in days] + [self.prefix + f"w:{w}" for w in weeks]

    # counting ------------------------------------------------------------------------
    async def count_views(
        self,
        stream: str,
        group: str,
        views: Sequence[View],
        now: datetime,
        fresh: FreshRead | None = None,
    ) -> CountResult:
        """Counts and acks a batch at once (see ViewCounter.count); lists see it after a fold."""
        return await self.counter.count(stream, group, views, now, fresh)

    async def fold(self, now: datetime) -> int:
        """Adds every pending count to the lists; the views consumer calls it periodically."""
        return await self.counter.fold(now)

    async def rebase(self, now: datetime) -> bool:
        return await self.counter.rebase(now)

    async def held_articles(self) -> int:
        """Articles whose views wait for them (their holds may have ended since)."""
        return int(await self.redis.zcard(self.keys.ranking("held")))

    # lists ---------------------------------------------------------------------------
    def _query_args(
        self, mode: str, window: str, scope: str, clock: win.Now, *, refresh: bool = False
    ) -> list[Any]:
        """queries.lua's common ARGV; `refresh` recomputes and rewrites a cached entry."""
        source = self._source(window, clock.day)
        p = self.params
        cache = "refresh" if refresh else "read"
        return [mode, window, source, scope, p.cache_ttl_s, p.cache_stale_s, cache]

    @staticmethod
    def _source(window: str, today: int) -> str:
        """The one sorted set (under the prefix) that holds a window's counts."""
        window = win.validate_window(window)
        if window in win.ROLLING:
            return f"win:{window}"
        if window == win.ALL_TIME:
            return "all"
        level, bucket = win.calendar_bucket(window, today)
        return f"{level}:{bucket}"

    async def _cached_query(
        self, entry: tuple[str, ...], query: tuple[str, str, str, datetime], tail: list[Any]
    ) -> list[Any]:
        """Runs a list query; when it answered from a stale entry, refreshes that entry behind.

        `query` is (mode, window, scope, now) and `tail` the mode's own ARGV; the answer starts
        with the cache state queries.lua reports ('fresh', 'stale', 'computed', 'live').
        """
        mode, window, scope, now = query
        clock = self.clock.now(now)
        head = self._query_args(mode, window, scope, clock)
        raw: list[Any] = await self.scripts.query(clock, [*head, *tail])
        if text(raw[0]) == "stale":
            again = self._query_args(mode, window, scope, clock, refresh=True)
            self._refresh_later(entry, clock, [*again, *tail])
        return raw

    def _refresh_later(self, entry: tuple[str, ...], clock: win.Now, args: list[Any]) -> None:
        """Starts one background refresh of a cache entry unless one is under way already:
        readers of a stale entry keep getting it at once, and Redis runs one recompute."""
        if entry in self._refreshing:
            return
        task = asyncio.create_task(self._refresh(entry, clock, args))
        self._refreshing[entry] = task
        task.add_done_callback(lambda _: self._refreshing.pop(entry, None))

    async def _refresh(self, entry: tuple[str, ...], clock: win.Now, args: list[Any]) -> None:
        """A failed refresh leaves the stale entry in place (a later read tries again, or,
        past `cache_stale_s`, computes inline): logged, never raised into a request."""
        try:
            await self.scripts.query(clock, args)
        except Exception:
            log.exception("ranking.cache_refresh_failed", entry=":".join(entry))

    async def wait_for_refreshes(self) -> None:
        """Until the background refreshes started so far are done (tests, orderly stops)."""
        while self._refreshing:
            await asyncio.gather(*self._refreshing.values(), return_exceptions=True)

    async def stop_refreshes(self) -> None:
        """Cancels the background refreshes; for shutdown, before the Redis client closes."""
        tasks = list(self._refreshing.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def top(self, *, scope: str, window: str, limit: int, now: datetime) -> list[RankedItem]:
        """Most viewed articles of a scope ('site', 'section:World', 'person:X'...) in a window.

        Rows may come from a cached (even stale) list, but headline, section, url and kills
        are read live on every call.
        """
        scope = normalize_scope(scope)
        n = limit + 20  # rows to spare for kills since the list was cached
        entry = ("top", scope, window, str(n))
        query = ("top", window, scope, now)
        raw = [text(x) for x in await self._cached_query(entry, query, [n])]
        t0, ts = float(raw[1] or now.timestamp()), now.timestamp()
        items: list[RankedItem] = []
        for j in range(2, len(raw), 8):
            article_id, views, headline, section, url, killed, stored, story = raw[j : j + 8]
            if killed == "1" or len(items) >= limit:
                continue
            score = round(self.decay.normalize(float(stored), t0, ts), 3)
            items.append(
                RankedItem(
                    rank=len(items) + 1,
                    id=article_id,
                    headline=headline,
                    section=section or None,
                    url=url or None,
                    views=round(float(views)),
                    score=score,
                    story_id=story or None,
                )
            )
        return items

    async def count_above(
        self, *, scope: str, window: str, views: int, article_id: str, now: datetime
    ) -> int:
        """Articles of the scope in this shard that rank above (views, article_id) in the
        window: this shard's part of the rank of an article of another shard."""
        clock = self.clock.now(now)
        head = self._query_args("above", window, normalize_scope(scope), clock)
        return int(await self.scripts.query(clock, [*head, views, article_id]))

    async def trending(
        self,
        *,
        type: str,
        window: str,
        limit: int,
        now: datetime,
        any_views: bool = False,
        names: Sequence[str] = (),
    ) -> list[RankedItem]:
        """People, organisations, places or topics by decayed views, with views in `window`.

        An entity's score is the sum of the decayed scores of the `trending_pool` most trending
        articles tagged with it, and its views are those articles' views in `window`:
        computed at query time (cached, and refreshed in the background once stale), so
        counting writes nothing per entity, a kill or re-tag is reflected at once (it drops
        the cache), and a refresh costs the pool, not the entity's size. A shard's part of
        a merged list ranks names with no views too (`any_views`), and answers for `names`.
        """
        if type not in TRENDING_TYPES:
            raise ValueError(f"type must be one of {', '.join(TRENDING_TYPES)}")
        query = ("trend", window, SITE, now)
        tail = [type, len(names) or 3 * limit + 10, self.params.trending_pool]
        tail += ["any" if any_views else "seen", *names]
        entry = ("trend", type, window, *(["any"] if any_views else []))
        _, raw = await self._cached_query(entry, query, tail)
        doc = orjson.loads(raw)
        t0, ts = float(doc.get("t0") or now.timestamp()), now.timestamp()
        rows = doc.get("items") or []
        return [
            RankedItem(
                rank=n,
                id=f"{type}:{name}",
                headline=label,
                views=round(float(views)),
                score=round(self.decay.normalize(float(stored), t0, ts), 3),
            )
            for n, (name, stored, views, label) in enumerate(rows[: len(names) or limit], start=1)
        ]

    # reads of single articles (article_reads) ------------------------------------------
    async def article_stats(self, article_id: str, now: datetime) -> dict[str, Any] | None:
        """Stored fields, tags, all-time views, views per window, readers, rank, score story;
        the article's pending counts are folded first, so its numbers are exact at once."""
        return await article_reads.article_stats(self, article_id, now)

    async def stored_articles(self, article_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await article_reads.stored_articles(self, article_ids)

    async def view_series(
        self, article_ids: Sequence[str], window: str, now: datetime
    ) -> dict[str, list[int]]:
        return await article_reads.view_series(self, article_ids, window, now)
