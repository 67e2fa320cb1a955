"""Ranking's Redis store: article metadata, view counters, window lists, trending, stats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from services.ranking import windows as win
from services.ranking.bots import BotFilter
from services.ranking.decay import Decay
from services.ranking.readers import RepeatFilter, reader_token
from services.ranking.results import CountResult, RankedItem
from services.ranking.scoring import (
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
from shared.keys import Keys
from shared.models import EnrichedArticle, ViewEvent
from shared.settings import Settings

_SPECS = ";".join(
    f"{w.name},{w.level.value},{w.span},{w.bucket_s},{w.grace_s}" for w in win.ROLLING.values()
)
_LIVE_LEVELS = (win.Level.MINUTE, win.Level.HOUR, win.Level.DAY)


def _script(redis: aioredis.Redis, name: str) -> AsyncScript:
    """Each script is the shared prelude plus its own body, loaded once (EVALSHA after)."""
    here = resources.files("services.ranking")
    body = here.joinpath("common.lua").read_text() + "\n" + here.joinpath(name).read_text()
    return redis.register_script(body)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True, slots=True)
class RankingParams:
    """The knobs of counting and lists; `from_settings` maps the service settings."""

    timezone: str = "Asia/Tokyo"
    trending_half_life_s: float = 3600.0
    reader_repeat_interval_s: int = 1800
    repeat_filter_bits_log2: int = 26
    cache_ttl_s: int = 5
    trending_pool: int = 2000

    @classmethod
    def from_settings(cls, settings: Settings) -> RankingParams:
        return cls(
            timezone=settings.timezone,
            trending_half_life_s=settings.trending_half_life_s,
            reader_repeat_interval_s=settings.reader_repeat_interval_s,
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
        self._count = _script(redis, "counting.lua")
        self._articles = _script(redis, "articles.lua")
        self._queries = _script(redis, "queries.lua")
        self._rebase = _script(redis, "rebase.lua")
        self._t0: float | None = None

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
        args: list[Any] = ["kill" if kill else "upsert", self.prefix, enriched.id]
        args += [article.version, int(published.timestamp()), ",".join(win.WINDOWS)]
        args.append(orjson.dumps(article_document(enriched)))
        when = now or datetime.now(UTC)
        for part in (scopes, labels, self._kill_keys(when) if kill else []):
            args += [len(part), *part]
        return _text(await self._articles(keys=[], args=args))

    def _kill_keys(self, when: datetime) -> list[str]:
        """Every bucket that may hold the article, plus this week's cached union."""
        now = self.clock.now(when)
        out = [
            self.keys.ranking(level.value, str(b))
            for level in _LIVE_LEVELS
            for b in win.live_buckets(level, now)
        ]
        week = win.calendar_days("week", now.day, self.clock)
        out.append(self.keys.ranking("cache", SITE, "week", str(week[0])))
        return out

    # counting ------------------------------------------------------------------------
    async def count_views(
        self, stream: str, group: str, entries: list[tuple[str, ViewEvent]], now: datetime
    ) -> CountResult:
        """Counts a batch and XACKs it in one script: each entry counts once or not at all."""
        if not entries:
            return CountResult()
        clock = self.clock.now(now)
        bots, groups = self._group(entries, clock.ts)
        args: list[Any] = [group, self.prefix, clock.ts, clock.minute, clock.hour, clock.day]
        args += [self.decay.rate, self.repeat.interval_s, self.repeat.bits_log2, _SPECS]
        args += [len(bots), *bots]
        day_of = self.clock.day_of_minute
        for (article_id, minute), pairs in groups.items():
            args += [article_id, minute, day_of(minute), len(pairs) // 2, *pairs]
        raw = await self._count(keys=[stream], args=args)
        self._t0 = float(_text(raw[5]))
        if self.decay.needs_rebase(self._t0, clock.ts):
            await self.rebase(now)
        return CountResult(*(int(x) for x in raw[:5]))

    def _group(
        self, entries: list[tuple[str, ViewEvent]], now_ts: float
    ) -> tuple[list[str], dict[tuple[str, int], list[str]]]:
        """Bots apart; the rest grouped per (article, minute) so Lua adds each key once."""
        is_bot = self.bots.is_bot
        bots: list[str] = []
        groups: dict[tuple[str, int], list[str]] = {}
        for entry_id, view in entries:
            if view.user_agent and is_bot(view.user_agent):
                bots.append(entry_id)
                continue
            ts = view.ts.timestamp()
            minute = int((now_ts if ts > now_ts else ts) // 60)
            token = reader_token(view.reader_id, view.article_id) if view.reader_id else ""
            pairs = groups.get((view.article_id, minute))
            if pairs is None:
                groups[(view.article_id, minute)] = [entry_id, token]
            else:
                pairs += (entry_id, token)
        return bots, groups

    async def rebase(self, now: datetime) -> bool:
        """Moves the trending landmark to `now`; a no-op if another process just did."""
        old = await self.redis.get(self.keys.ranking("trend", "t0"))
        if old is None:
            return False
        new_t0 = int(now.timestamp())
        factor = self.decay.rebase_factor(float(old), new_t0)
        kinds = ["article"]
        args: list[Any] = [self.prefix, _text(old), new_t0, repr(factor)]
        args.append(self.decay.purge_threshold())
        done = await self._rebase(keys=[], args=[*args, *kinds])
        self._t0 = float(new_t0) if done else None
        return bool(done)

    # lists ---------------------------------------------------------------------------
    def _query_args(self, mode: str, window: str, scope: str, now: datetime) -> list[Any]:
        clock = self.clock.now(now)
        window = win.validate_window(window)
        if window in win.ROLLING:
            source = f"win:{window}"
        elif window == win.ALL_TIME:
            source = "all"
        else:
            days = win.calendar_days(window, clock.day, self.clock)
            source = f"d:{days[0]}" if len(days) == 1 else "days:" + ",".join(map(str, days))
        args: list[Any] = [mode, self.prefix, clock.ts, clock.minute, clock.hour, clock.day]
        return [*args, _SPECS, window, source, scope, self.params.cache_ttl_s]

    async def top(self, *, scope: str, window: str, limit: int, now: datetime) -> list[RankedItem]:
        """Most viewed articles of a scope ('site', 'section:World', 'person:X'...) in a window."""
        scope = normalize_scope(scope)
        args = self._query_args("top", window, scope, now)
        raw = [_text(x) for x in await self._queries(keys=[], args=[*args, limit + 20])]
        t0, ts = float(raw[0] or now.timestamp()), now.timestamp()
        items: list[RankedItem] = []
        for j in range(1, len(raw), 7):
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
        articles tagged with it: computed at query time (cached), so counting writes nothing
        per entity and a kill or re-tag is reflected at once.
        """
        if type not in TRENDING_TYPES:
            raise ValueError(f"type must be one of {', '.join(TRENDING_TYPES)}")
        args = self._query_args("trend", window, SITE, now)
        pool = self.params.trending_pool
        doc = orjson.loads(await self._queries(keys=[], args=[*args, type, 3 * limit + 10, pool]))
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

    # detail --------------------------------------------------------------------------
    async def article_stats(self, article_id: str, now: datetime) -> dict[str, Any] | None:
        """Stored fields, tags, all-time views, views per window, readers, rank, score story."""
        k = self.keys.ranking
        raw = await self.redis.get(k("art", article_id))
        meta: dict[str, Any] = orjson.loads(raw) if raw else {}
        if not meta or meta.get("killed"):
            return None
        section = str(meta.get("section") or "")
        scope = section_scope(section) if section.strip() else SITE
        rank_args = self._query_args("rank", "24h", scope, now)
        rank, _ = await self._queries(keys=[], args=[*rank_args, article_id])
        windows = await self._window_views(article_id, now)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(k("views"), article_id)
            pipe.pfcount(k("hll", article_id))
            pipe.zscore(k("trend", "article"), article_id)
            pipe.get(k("trend", "t0"))
            views, readers, stored, t0 = await pipe.execute()
        ts = now.timestamp()
        out = stored_article(meta)
        out["views"] = int(views or 0)
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
        """Views per window for one article: ZSCOREs, no union needed (windows just rolled)."""
        clock = self.clock.now(now)
        sources: dict[str, list[str]] = {w: [f"win:{w}"] for w in win.ROLLING}
        for name in win.CALENDAR:
            days = win.calendar_days(name, clock.day, self.clock)
            sources[name] = [f"d:{d}" for d in days]
        sources[win.ALL_TIME] = ["all"]
        async with self.redis.pipeline(transaction=False) as pipe:
            for keys in sources.values():
                for key in keys:
                    pipe.zscore(self.prefix + key, article_id)
            scores = iter(await pipe.execute())
        return {w: round(sum(float(next(scores) or 0) for _ in ks)) for w, ks in sources.items()}
