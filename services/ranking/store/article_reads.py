"""What ranking reads about single articles: the detail page's stats, the dashboard's
stored fields and per-bucket series. Functions of one shard's store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from services.ranking.domain import windows as win
from services.ranking.domain.list_documents import (
    SITE,
    explain_score,
    section_scope,
    stored_article,
)

if TYPE_CHECKING:
    from services.ranking.store.ranking_store import RankingStore


async def view_series(
    store: RankingStore, article_ids: Sequence[str], window: str, now: datetime
) -> dict[str, list[int]]:
    """Folded views per bucket of `window` for each article, oldest first, read from the
    ledgers and day buckets folds write: minutes for 1h, hours for 24h and today, days
    for 7d (the dashboard's sparklines). One pipeline, one command per article and bucket."""
    clock = store.clock.now(now)
    if window == "today":
        start, _ = store.clock.day_bounds(clock.day)
        level, buckets = "h", range(int(start.timestamp()) // win.HOUR_S, clock.hour + 1)
    elif window in win.ROLLING:
        level, buckets = win.ROLLING[window].level.value, win.rolling_buckets(window, clock)
    else:
        raise win.UnknownWindowError(f"no series for window {window!r}")
    async with store.redis.pipeline(transaction=False) as pipe:
        for aid in article_ids:
            for b in buckets:
                if level == "d":
                    pipe.zscore(f"{store.prefix}d:{b}", aid)
                else:
                    pipe.hget(f"{store.prefix}{level}:{b}:{ledger_shard(aid)}", aid)
        counts = iter(await pipe.execute())
    return {aid: [round(float(next(counts) or 0)) for _ in buckets] for aid in article_ids}


async def stored_articles(
    store: RankingStore, article_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The stored display fields (see `stored_article`) of live articles, by id."""
    if not article_ids:
        return {}
    raws = await store.redis.mget([store.keys.ranking("art", aid) for aid in article_ids])
    docs = {aid: orjson.loads(raw) for aid, raw in zip(article_ids, raws, strict=True) if raw}
    return {aid: stored_article(doc) for aid, doc in docs.items() if not doc.get("killed")}


async def article_stats(
    store: RankingStore, article_id: str, now: datetime
) -> dict[str, Any] | None:
    """Stored fields, tags, all-time views, views per window, readers, rank, score story.

    The article's pending counts are folded first, so its numbers are exact at once.
    """
    k = store.keys.ranking
    raw = await store.redis.get(k("art", article_id))
    meta: dict[str, Any] = orjson.loads(raw) if raw else {}
    if not meta or meta.get("killed"):
        return None
    await store.counter.fold(now, articles=[article_id])
    section = str(meta.get("section") or "")
    scope = section_scope(section) if section.strip() else SITE
    clock = store.clock.now(now)
    rank_args = store._query_args("rank", "24h", scope, clock)
    rank, _ = await store.scripts.query(clock, [*rank_args, article_id])
    windows = await window_views(store, article_id, now)
    async with store.redis.pipeline(transaction=False) as pipe:
        pipe.hget(k("rep"), article_id)
        pipe.execute_command("PFCOUNT", k("hll", article_id))  # a cluster pipe refuses pfcount()
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
        store.decay,
        stored=float(stored or 0),
        t0=float(t0 or ts),
        now=ts,
        views_24h=windows["24h"],
        repeat_interval_s=store.repeat.interval_s,
    )
    return out


async def window_views(store: RankingStore, article_id: str, now: datetime) -> dict[str, int]:
    """Views per window for one article: one ZSCORE each (the rank query just rolled)."""
    today = store.clock.now(now).day
    async with store.redis.pipeline(transaction=False) as pipe:
        for window in win.WINDOWS:
            pipe.zscore(store.prefix + store._source(window, today), article_id)
        scores = await pipe.execute()
    return {w: round(float(s or 0)) for w, s in zip(win.WINDOWS, scores, strict=True)}


def ledger_shard(article_id: str) -> int:
    """The ledger shard of an article: prelude.lua's shard_of (last 6 bytes of the id,
    Fibonacci-hashed), which folds use to name `m:<minute>:<shard>` and `h:<hour>:<shard>`."""
    h = 0
    for byte in article_id.encode()[-6:]:
        h = (h * 131 + byte) % 1_048_576
    return h * 2_654_435_761 % 4_294_967_296 // 16_777_216
