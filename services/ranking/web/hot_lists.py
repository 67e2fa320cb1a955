"""The lists readers ask for, held in this process and refreshed in the background.

A list query is a Lua script on the Redis that also runs counting, so under full counting
load it waits behind counting's scripts (~7 ms each): its p99 was ~30 ms while idle it is
~1 ms. Pages ask for the same few lists over and over, so a list asked for within
`keep_s` is held here and recomputed every `refresh_s` by one background task; requests
read what is held and never wait for Redis, except the first request of a list.

A kill this process handles drops the article from every held list at once (the Redis
lists drop it in the same step). A kill handled by another replica of the service reaches
this one's lists at their next refresh, within `refresh_s`; so does a headline change.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from services.ranking.domain.results import RankedItem
from services.ranking.store.shards import RankingShards
from shared.logging import get_logger
from shared.periodic import Periodic

log = get_logger(__name__)

# ("top", scope, window, limit), ("all", ...) for every version of a story, or
# ("trend", type, window, limit)
ListKey = tuple[str, str, str, int]
MAX_HELD = 2000  # sections are free text: bound what requests can make this process hold


@dataclass
class _Held:
    items: list[RankedItem]
    asked: float  # monotonic time of the last request


class HotLists:
    def __init__(
        self,
        store: RankingShards,
        *,
        refresh_s: float = 1.0,
        keep_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.refresh_s = refresh_s
        self.keep_s = keep_s
        self.clock = clock
        self._held: dict[ListKey, _Held] = {}
        self._every = Periodic("lists.refresh", self.refresh, refresh_s, at_once=False)

    async def top(
        self, *, scope: str, window: str, limit: int, collapse: bool = True
    ) -> list[RankedItem]:
        return await self._get(("top" if collapse else "all", scope, window, limit))

    async def trending(self, *, type: str, window: str, limit: int) -> list[RankedItem]:
        return await self._get(("trend", type, window, limit))

    async def _get(self, key: ListKey) -> list[RankedItem]:
        held = self._held.get(key)
        if held is None:
            items = await self._compute(key)
            held = self._held.get(key)  # another request may have computed it meanwhile
            if held is None:
                self._make_room()
                held = self._held[key] = _Held(items, self.clock())
        held.asked = self.clock()
        return held.items

    def _compute(self, key: ListKey) -> Awaitable[list[RankedItem]]:
        kind, name, window, limit = key
        now = datetime.now(UTC)
        if kind == "trend":
            return self.store.trending(type=name, window=window, limit=limit, now=now)
        collapse = kind == "top"
        return self.store.top(scope=name, window=window, limit=limit, now=now, collapse=collapse)

    def _make_room(self) -> None:
        if len(self._held) >= MAX_HELD:
            oldest = min(self._held, key=lambda k: self._held[k].asked)
            del self._held[oldest]

    def drop_article(self, article_id: str) -> None:
        """A killed article leaves every held list now (the rest move up a rank; where it led
        a story, the story's next version leads it from the next refresh)."""
        for held in self._held.values():
            if any(item.id == article_id for item in held.items):
                kept = [item for item in held.items if item.id != article_id]
                held.items = [it.model_copy(update={"rank": n}) for n, it in enumerate(kept, 1)]
            for item in held.items:
                if article_id in item.other_versions:
                    item.other_versions = [v for v in item.other_versions if v != article_id]
                    item.versions -= 1

    async def refresh(self) -> int:
        """Recomputes every list asked for within keep_s and forgets the rest; returns how
        many were recomputed. A failure keeps the list held (logged, tried next time)."""
        now, done = self.clock(), 0
        for key, held in list(self._held.items()):
            if now - held.asked > self.keep_s:
                del self._held[key]
                continue
            try:
                held.items = await self._compute(key)
                done += 1
            except Exception as exc:
                log.warning("lists.refresh_failed", list=key, error=f"{type(exc).__name__}: {exc}")
        return done

    async def start(self) -> None:
        await self._every.start()

    async def stop(self) -> None:
        await self._every.stop()
