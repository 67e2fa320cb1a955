"""Ranking over every shard: each article lives in one shard's store, and lists are merged
from per-shard top lists at read time, exact for the length asked.

- Article lists: every shard's top m, merged in ZREVRANGE order (more views, then greater
  id), hold the true top m, since any article of the true top m is in its shard's top m.
  Collapsing stories keeps each story's first row (its most-read version) and lists the
  others under it; when fewer than `limit` stories come out of m rows, m doubles.
- Trending names span shards, so a name's score is a sum: the merged list takes each
  shard's top m names by score (with or without views), asks every shard for the scores of
  the candidates it did not return, and stops once the limit-th sum is at least what any
  name not yet seen could reach (the sum of each unexhausted shard's m-th score).
- An article's rank in its section adds, to its place in its own shard, what ranks above
  it in every other shard.

With one shard every call goes straight to its store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from services.ranking.domain.results import RankedItem
from services.ranking.store.params import RankingParams
from services.ranking.store.ranking_store import RankingStore
from shared.broker import RedisClient
from shared.keys import Keys, shard_of

MAX_ROWS = 2000  # a merged list never asks a shard for more rows than this


def merge_rows(lists: Iterable[Sequence[RankedItem]]) -> list[RankedItem]:
    """Rows of every shard in the order one shard's ZREVRANGE would give them."""
    rows = [row for rows in lists for row in rows]
    rows.sort(key=lambda r: (r.views, r.id), reverse=True)
    return rows


def collapse_stories(rows: Sequence[RankedItem]) -> list[RankedItem]:
    """One row per story, its first (most-read) version leading, the others named under it."""
    leads: dict[str, RankedItem] = {}
    out: list[RankedItem] = []
    for row in rows:
        lead = leads.get(row.story_id) if row.story_id else None
        if lead is None:
            row = row.model_copy(update={"versions": 1, "other_versions": []})
            out.append(row)
            if row.story_id:
                leads[row.story_id] = row
        else:
            lead.versions += 1
            lead.other_versions.append(row.id)
    return out


def ranked(rows: Sequence[RankedItem], limit: int) -> list[RankedItem]:
    return [row.model_copy(update={"rank": n}) for n, row in enumerate(rows[:limit], start=1)]


class RankingShards:
    """The stores of every shard, read as one."""

    def __init__(self, stores: Sequence[RankingStore], keys: Keys) -> None:
        if len(stores) != keys.shards:
            raise ValueError(f"{len(stores)} stores for {keys.shards} shards")
        self.stores = list(stores)
        self.keys = keys
        self.redis = self.stores[0].redis
        self.params: RankingParams = self.stores[0].params

    @classmethod
    def of(
        cls, redis: RedisClient, keys: Keys, params: RankingParams | None = None
    ) -> RankingShards:
        """A store per shard of `keys`, on one client (a cluster client routes each)."""
        return cls([RankingStore(redis, shard, params) for shard in keys.all_shards()], keys)

    def store_for(self, article_id: str) -> RankingStore:
        return self.stores[shard_of(article_id, len(self.stores))]

    # lists ---------------------------------------------------------------------------
    async def top(
        self, *, scope: str, window: str, limit: int, now: datetime, collapse: bool = True
    ) -> list[RankedItem]:
        """Most viewed articles of a scope in a window; one row per story unless `collapse`
        is off (`?versions=all`)."""
        want = 2 * limit + 10 if collapse else limit
        while True:
            per_shard = await asyncio.gather(
                *(s.top(scope=scope, window=window, limit=want, now=now) for s in self.stores)
            )
            rows = merge_rows(per_shard)[:want]
            out = collapse_stories(rows) if collapse else rows
            exhausted = all(len(r) < want for r in per_shard)
            if len(out) >= limit or exhausted or want >= MAX_ROWS:
                return ranked(out, limit)
            want = min(2 * want, MAX_ROWS)

    async def trending(
        self, *, type: str, window: str, limit: int, now: datetime
    ) -> list[RankedItem]:
        """People, organisations, places or topics by summed decayed views, with views."""
        if len(self.stores) == 1:
            return await self.stores[0].trending(type=type, window=window, limit=limit, now=now)
        want = 3 * limit + 10
        while True:
            per_shard = await asyncio.gather(
                *(
                    s.trending(type=type, window=window, limit=want, now=now, any_views=True)
                    for s in self.stores
                )
            )
            totals = await self._complete(per_shard, type=type, window=window, now=now)
            seen = [t for t in totals.values() if t.views > 0]
            seen.sort(key=lambda t: (-t.score, t.id))
            unseen_bound = sum(rows[-1].score for rows in per_shard if len(rows) >= want)
            settled = len(seen) >= limit and seen[limit - 1].score >= unseen_bound
            if settled or unseen_bound == 0 or want >= MAX_ROWS:
                return ranked(seen, limit)
            want = min(2 * want, MAX_ROWS)

    async def _complete(
        self, per_shard: Sequence[Sequence[RankedItem]], *, type: str, window: str, now: datetime
    ) -> dict[str, RankedItem]:
        """Every candidate's score and views summed over every shard, asking each shard for
        the candidates it did not list."""
        candidates = {row.id for rows in per_shard for row in rows}
        extra = await asyncio.gather(
            *(
                self._scores_of(store, sorted(candidates - {r.id for r in rows}), type, window, now)
                for store, rows in zip(self.stores, per_shard, strict=True)
            )
        )
        totals: dict[str, RankedItem] = {}
        for rows in [*per_shard, *extra]:
            for row in rows:
                known = totals.get(row.id)
                if known is None:
                    totals[row.id] = row.model_copy()
                else:
                    known.score = round(known.score + row.score, 3)
                    known.views += row.views
        return totals

    @staticmethod
    async def _scores_of(
        store: RankingStore, ids: list[str], type: str, window: str, now: datetime
    ) -> list[RankedItem]:
        if not ids:
            return []
        names = [i.split(":", 1)[1] for i in ids]
        return await store.trending(
            type=type, window=window, limit=len(names), now=now, any_views=True, names=names
        )

    # articles --------------------------------------------------------------------------
    async def article_stats(self, article_id: str, now: datetime) -> dict[str, Any] | None:
        """One article's detail; its rank counts what ranks above it in every shard."""
        home = self.store_for(article_id)
        stats = await home.article_stats(article_id, now)
        if stats is None or len(self.stores) == 1:
            return stats
        place = stats["rank_in_section"]
        if place["rank"] is None:
            return stats
        above = await asyncio.gather(
            *(
                s.count_above(
                    scope=place["scope"],
                    window=place["window"],
                    views=stats["windows"]["24h"],
                    article_id=article_id,
                    now=now,
                )
                for s in self.stores
                if s is not home
            )
        )
        place["rank"] += sum(above)
        return stats

    async def stored_articles(self, article_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = await asyncio.gather(
            *(s.stored_articles(ids) for s, ids in self._by_shard(article_ids))
        )
        return {k: v for part in found for k, v in part.items()}

    async def view_series(
        self, article_ids: Sequence[str], window: str, now: datetime
    ) -> dict[str, list[int]]:
        found = await asyncio.gather(
            *(s.view_series(ids, window, now) for s, ids in self._by_shard(article_ids))
        )
        return {k: v for part in found for k, v in part.items()}

    def _by_shard(self, article_ids: Sequence[str]) -> list[tuple[RankingStore, list[str]]]:
        groups: dict[int, list[str]] = {}
        for aid in article_ids:
            groups.setdefault(shard_of(aid, len(self.stores)), []).append(aid)
        return [(self.stores[n], ids) for n, ids in groups.items()]

    async def held_articles(self) -> int:
        return sum(await asyncio.gather(*(s.held_articles() for s in self.stores)))

    async def stop_refreshes(self) -> None:
        await asyncio.gather(*(s.stop_refreshes() for s in self.stores))
