"""What the dashboard shows: the lists a news site prints, each row with what it is drawn with,
and the state of the pipeline behind them; one document for the page and its refreshes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel
from redis.exceptions import RedisError

from services.ranking.domain.list_documents import TRENDING_TYPES
from services.ranking.domain.results import RankedItem
from services.ranking.web.hot_lists import HotLists
from services.ranking.web.sparkline import sparkline_svg
from shared.logging import get_logger
from shared.operations import stream_status

log = get_logger(__name__)

DashboardWindow = Literal["1h", "24h", "7d", "today"]
WINDOWS: tuple[DashboardWindow, ...] = ("1h", "24h", "7d", "today")
SITE_ROWS = 10
SECTION_ROWS = 5
TRENDING_ROWS = 5
MAX_SECTIONS = 6
# Sections are picked from the site list's head: deep enough that a section with a few
# well-read stories shows even when another section holds the top ten.
SECTION_POOL = 50


class DashboardRow(RankedItem):
    """A list row with what the page draws besides it. A subclass, so fields the lists gain
    (story collapse's `story_id`, `versions`) reach the page without a change here."""

    published_at: str | None = None
    dateline: str | None = None
    language: str | None = None
    sparkline: str = ""  # an SVG made of numbers only, drawn here, shown as an image


class SectionList(BaseModel):
    section: str
    items: list[DashboardRow]


class StreamRow(BaseModel):
    stream: str
    group: str
    length: int
    lag: int | None
    pending: int
    oldest_pending_s: float | None
    dead_letters: int


class DashboardDoc(BaseModel):
    window: DashboardWindow
    windows: list[str]
    timezone: str
    generated_at: datetime
    ranking: list[DashboardRow]
    popular: list[SectionList]
    trending: dict[str, list[RankedItem]]
    streams: list[StreamRow] | None  # None: Redis did not answer the status read


def pick_sections(items: Sequence[RankedItem], limit: int = MAX_SECTIONS) -> list[str]:
    """Sections by their views among `items` (most read first), one spelling per section."""
    views: Counter[str] = Counter()
    names: dict[str, str] = {}
    for item in items:
        if item.section and item.section.strip():
            key = item.section.strip().casefold()
            names.setdefault(key, item.section.strip())
            views[key] += item.views
    ordered = sorted(views, key=lambda key: (-views[key], key))
    return [names[key] for key in ordered[:limit]]


class Dashboard:
    """Reads the held lists (never waiting on Redis once they are held) plus one pipeline
    for the rows' display fields and sparklines, and the streams' status."""

    def __init__(self, lists: HotLists) -> None:
        self.lists = lists
        self.store = lists.store

    async def document(self, window: DashboardWindow, now: datetime | None = None) -> DashboardDoc:
        when = now or datetime.now(UTC)
        pool = await self.lists.top(scope="site", window=window, limit=SECTION_POOL)
        popular = {
            section: await self.lists.top(
                scope=f"section:{section}", window=window, limit=SECTION_ROWS
            )
            for section in pick_sections(pool)
        }
        trending = {
            kind: await self.lists.trending(type=kind, window=window, limit=TRENDING_ROWS)
            for kind in TRENDING_TYPES
        }
        ranking = pool[:SITE_ROWS]
        shown = [*ranking, *(item for items in popular.values() for item in items)]
        draw = await self._drawing(shown, window, when)
        return DashboardDoc(
            window=window,
            windows=list(WINDOWS),
            timezone=self.store.params.timezone,
            generated_at=when,
            ranking=[draw(item) for item in ranking],
            popular=[
                SectionList(section=section, items=[draw(item) for item in items])
                for section, items in popular.items()
            ],
            trending=trending,
            streams=await self._streams(),
        )

    async def _drawing(
        self, items: Sequence[RankedItem], window: str, now: datetime
    ) -> Callable[[RankedItem], DashboardRow]:
        """Reads what rows are drawn with once for every article shown (an article is in
        the site list and its section's at different ranks); returns the row maker."""
        ids = list(dict.fromkeys(item.id for item in items))
        docs = await self.store.stored_articles(ids)
        series = await self.store.view_series(ids, window, now)
        sparks = {aid: sparkline_svg(values) for aid, values in series.items()}

        def row(item: RankedItem) -> DashboardRow:
            doc = docs.get(item.id, {})
            return DashboardRow(
                **item.model_dump(),
                published_at=doc.get("published_at"),
                dateline=doc.get("dateline"),
                language=doc.get("language"),
                sparkline=sparks.get(item.id, ""),
            )

        return row

    async def _streams(self) -> list[StreamRow] | None:
        try:
            groups = await stream_status(self.store.redis, self.store.keys.streams())
        except RedisError as exc:
            log.warning("dashboard.streams_unavailable", error=f"{type(exc).__name__}: {exc}")
            return None
        return [
            StreamRow(
                stream=stream_label(g.stream),
                group=g.group,
                length=g.length,
                lag=g.lag,
                pending=g.pending,
                oldest_pending_s=g.oldest_pending_age_s,
                dead_letters=g.dlq,
            )
            for g in groups
        ]


def stream_label(stream: str) -> str:
    """'views' for `{prefix}:views`, 'views #2' for shard 2's `{prefix:2}:views`."""
    tag, _, name = stream.partition("}:")
    shard = tag.rpartition(":")[2] if ":" in tag else ""
    return f"{name} #{shard}" if shard.isdigit() else name
