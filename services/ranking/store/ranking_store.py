"""Ranking's Redis store: article metadata, view counters, window lists, trending, stats."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import redis.asyncio as aioredis

from services.ranking.domain import windows as win
from services.ranking.domain.bots import BotFilter
from services.ranking.domain.decay import Decay
from services.ranking.domain.list_documents import (
    SITE,
    TRENDING_TYPES,
    article_document,
    article_scopes,
    explain_score,
    normalize_scope,
    section_scope,
    stored_article,
    topic_labels,
)
from services.ranking.domain.repeat_filter import RepeatFilter
from services.ranking.domain.results import CountResult, RankedItem
from services.ranking.domain.view_entries import View
from services.ranking.store.scripts import HeldViews, RankingScripts, text
from services.ranking.store.view_counter import ViewCounter
from shared.consumer.handler import FreshRead
from shared.keys import Keys
from shared.logging import get_logger
from shared.models import EnrichedArticle
from shared.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RankingParams:
    """The knobs of counting and lists; `from_settings` maps the service settings.

    Cached lists (scope lists and trending) are fresh for `cache_ttl_s`, then served stale
    for up to `cache_stale_s` after they were computed while one background refresh per
    entry recomputes them; past that, a read computes inline. 60 s (12 ttls): under
    traffic a stale entry is served only for the few ms its refresh takes, so the bound
    matters for lists asked for now and then: one read a minute is enough to keep them off
    the inline path (~3-10 ms of Lua), yet a list read after a longer lull is never older
    than a minute, the order of how far lists trail the views under load anyway (folds
    pause up to 30 s). Longer would keep more idle entries in memory for little gain.
    """

    timezone: str = "Asia/Tokyo"
    trending_half_life_s: float = 3600.0
    reader_repeat_interval_s: int = 1800
    repeat_filter_bits_log2: int = 26
    cache_ttl_s: int = 5
    cache_stale_s: int = 60
    trending_pool: int = 1000  # ~8 µs of Lua an article per refresh
    fold_interval_s: float = 1.0
    retain_days: int = 0  # 0: articles are kept forever
    held: HeldViews = field(default_factory=HeldViews)

    def __post_init__(self) -> None:
        if not 0 < self.cache_ttl_s <= self.cache_stale_s:
            raise ValueError("cache_stale_s must be at least cache_ttl_s, which must be > 0")

    @classmethod
    def from_settings(cls, settings: Settings) -> RankingParams:
        return cls(
            timezone=settings.timezone,
            trending_half_life_s=settings.trending_half_life_s,
            reader_repeat_interval_s=settings.reader_repeat_interval_s,
            fold_interval_s=settings.views_fold_interval_s,
            retain_days=settings.ranking_retain_days,
            held=HeldViews(settings.views_hold_s, settings.views_hold_max_articles),
        )


class RankingStore:
    """Every ranking key under `Keys.ranking(...)`; writes are Lua scripts, one per step."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
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
        article = enriched.article
        kill = article.pubstatus == "canceled"
        scopes = [] if kill else article_scopes(enriched)
        labels = [] if kill else [x for kv in topic_labels(enriched).items() for x in kv]
        published = article.published_at or article.firstcreated or enriched.received_at
        when = now or datetime.now(UTC)
        args: list[Any] = [article.version, int(published.timestamp())]
        args += [orjson.dumps(article_document(enriched)), self._retire_at(published, when, kill)]
        for part in (scopes, labels, self._kill_keys(when) if kill else []):
            args += [len(part), *part]
        return await self.scripts.article("kill" if kill else "upsert", enriched.id, args)

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
        raw = await self.scripts.query(clock, [*head, *tail])
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
        for j in range(2, len(raw), 7):
            article_id, views, headline, section, url, killed, stored = raw[j : j + 7]
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
                )
            )
        return items

    async def trending(
        self, *, type: str, window: str, limit: int, now: datetime
    ) -> list[RankedItem]:
        """People, organisations, places or topics by decayed views, with views in `window`.

        An entity's score is the sum of the decayed scores of the `trending_pool` most trending
        articles tagged with it, and its views are those articles' views in `window`:
        computed at query time (cached, and refreshed in the background once stale), so
        counting writes nothing per entity, a kill or re-tag is reflected at once (it drops
        the cache), and a refresh costs the pool, not the entity's size.
        """
        if type not in TRENDING_TYPES:
            raise ValueError(f"type must be one of {', '.join(TRENDING_TYPES)}")
        query = ("trend", window, SITE, now)
        tail = [type, 3 * limit + 10, self.params.trending_pool]
        _, raw = await self._cached_query(("trend", type, window), query, tail)
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
            for n, (name, stored, views, label) in enumerate(rows[:limit], start=1)
        ]

    # dashboard -----------------------------------------------------------------------
    async def view_series(
        self, article_ids: Sequence[str], window: str, now: datetime
    ) -> dict[str, list[int]]:
        """Folded views per bucket of `window` for each article, oldest first, read from the
        ledgers and day buckets folds write: minutes for 1h, hours for 24h and today, days
        for 7d (the dashboard's sparklines). One pipeline, one command per article and bucket."""
        clock = self.clock.now(now)
        if window == "today":
            start, _ = self.clock.day_bounds(clock.day)
            level, buckets = "h", range(int(start.timestamp()) // win.HOUR_S, clock.hour + 1)
        elif window in win.ROLLING:
            level, buckets = win.ROLLING[window].level.value, win.rolling_buckets(window, clock)
        else:
            raise win.UnknownWindowError(f"no series for window {window!r}")
        async with self.redis.pipeline(transaction=False) as pipe:
            for aid in article_ids:
                for b in buckets:
                    if level == "d":
                        pipe.zscore(f"{self.prefix}d:{b}", aid)
                    else:
                        pipe.hget(f"{self.prefix}{level}:{b}:{_ledger_shard(aid)}", aid)
            counts = iter(await pipe.execute())
        return {aid: [round(float(next(counts) or 0)) for _ in buckets] for aid in article_ids}

    async def stored_articles(self, article_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored display fields (see `stored_article`) of live articles, by id."""
        if not article_ids:
            return {}
        raws = await self.redis.mget([self.keys.ranking("art", aid) for aid in article_ids])
        docs = {aid: orjson.loads(raw) for aid, raw in zip(article_ids, raws, strict=True) if raw}
        return {aid: stored_article(doc) for aid, doc in docs.items() if not doc.get("killed")}

    # detail --------------------------------------------------------------------------
    async def article_stats(self, article_id: str, now: datetime) -> dict[str, Any] | None:
        """Stored fields, tags, all-time views, views per window, readers, rank, score story.

        The article's pending counts are folded first, so its numbers are exact at once.
        """
        k = self.keys.ranking
        raw = await self.redis.get(k("art", article_id))
        meta: dict[str, Any] = orjson.loads(raw) if raw else {}
        if not meta or meta.get("killed"):
            return None
        await self.counter.fold(now, articles=[article_id])
        section = str(meta.get("section") or "")
        scope = section_scope(section) if section.strip() else SITE
        clock = self.clock.now(now)
        rank_args = self._query_args("rank", "24h", scope, clock)
        rank, _ = await self.scripts.query(clock, [*rank_args, article_id])
        windows = await self._window_views(article_id, now)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(k("rep"), article_id)
            pipe.pfcount(k("hll", article_id))
            pipe.zscore(k("trend", "article"), article_id)
            pipe.get(k("trend", "t0"))
            repeats, readers, stored, t0 = await pipe.execute()
        ts = now.timestamp()
        out = stored_article(meta)
        out["views"] = windows[win.ALL_TIME] + int(repeats or 0)
        out["windows"] = windows
        out["unique_readers"] = int(readers)
        position = int(rank)
        out["rank_in_section"] = {
            "window": "24h",
            "scope": scope,
            "rank": position + 1 if position >= 0 else None,
        }
        out["score"] = explain_score(
            self.decay,
            stored=float(stored or 0),
            t0=float(t0 or ts),
            now=ts,
            views_24h=windows["24h"],
            repeat_interval_s=self.repeat.interval_s,
        )
        return out

    async def _window_views(self, article_id: str, now: datetime) -> dict[str, int]:
        """Views per window for one article: one ZSCORE each (the rank query just rolled)."""
        today = self.clock.now(now).day
        async with self.redis.pipeline(transaction=False) as pipe:
            for window in win.WINDOWS:
                pipe.zscore(self.prefix + self._source(window, today), article_id)
            scores = await pipe.execute()
        return {w: round(float(s or 0)) for w, s in zip(win.WINDOWS, scores, strict=True)}


def _ledger_shard(article_id: str) -> int:
    """The ledger shard of an article: prelude.lua's shard_of (last 6 bytes of the id,
    Fibonacci-hashed), which folds use to name `m:<minute>:<shard>` and `h:<hour>:<shard>`."""
    h = 0
    for byte in article_id.encode()[-6:]:
        h = (h * 131 + byte) % 1_048_576
    return h * 2_654_435_761 % 4_294_967_296 // 16_777_216
