"""Ranking's read API: the lists a site shows and one article's numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from services.ranking.domain.results import RankedItem
from services.ranking.store.shards import RankingShards
from services.ranking.web.dashboard import Dashboard, DashboardDoc, DashboardWindow
from services.ranking.web.hot_lists import HotLists
from services.ranking.web.page import render_page

Window = Literal["1h", "24h", "7d", "today", "yesterday", "week", "all"]
Limit = Annotated[int, Query(ge=1, le=100)]
# "story": one row per story (its most-read version, the others named under it); "all":
# every version as its own row.
Versions = Annotated[
    Literal["story", "all"],
    Query(description="story: one row per story (most-read version leads); all: every version"),
]


class ItemList(BaseModel):
    items: list[RankedItem]


def build_router(store: RankingShards, lists: HotLists) -> APIRouter:
    """Lists come from `lists` (held in memory, refreshed every second); one article's
    numbers are read from the store on every request."""
    router = APIRouter(prefix="/v1", tags=["ranking"])

    @router.get("/popular", response_model=ItemList)
    async def popular(
        section: Annotated[str, Query(min_length=1, max_length=200, description="any case")],
        window: Window = "24h",
        limit: Limit = 5,
        versions: Versions = "story",
    ) -> ItemList:
        """Most viewed articles of one section ("Popular in World"), one row per story."""
        items = await lists.top(
            scope=f"section:{section}", window=window, limit=limit, collapse=versions == "story"
        )
        return ItemList(items=items)

    @router.get("/ranking", response_model=ItemList)
    async def ranking(
        window: Window = "24h", limit: Limit = 5, versions: Versions = "story"
    ) -> ItemList:
        """The site-wide access ranking, one row per story."""
        items = await lists.top(
            scope="site", window=window, limit=limit, collapse=versions == "story"
        )
        return ItemList(items=items)

    @router.get("/trending", response_model=ItemList)
    async def trending(
        type: Literal["person", "org", "place", "topic"],
        window: Window = "1h",
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> ItemList:
        """People, organisations, places or topics gaining readers now (decayed score)."""
        items = await lists.trending(type=type, window=window, limit=limit)
        return ItemList(items=items)

    @router.get("/articles/{article_id}", responses={404: {"description": "unknown or killed"}})
    async def article(article_id: str) -> dict[str, Any]:
        """Stored fields and tags, views all time and per window, readers, rank, score."""
        stats = await store.article_stats(article_id, datetime.now(UTC))
        if stats is None:
            raise HTTPException(404, detail=f"no live article {article_id!r}")
        return stats

    return router


def build_dashboard_router(lists: HotLists) -> APIRouter:
    router = APIRouter(tags=["dashboard"])
    dashboard = Dashboard(lists)

    @router.get("/", response_class=HTMLResponse)
    async def page(window: DashboardWindow = "24h") -> HTMLResponse:
        """The dashboard: access ranking, popular per section, trending, pipeline state."""
        return HTMLResponse(render_page(await dashboard.document(window)))

    @router.get("/v1/dashboard", response_model=DashboardDoc)
    async def document(window: DashboardWindow = "24h") -> DashboardDoc:
        """Everything the dashboard shows, in one answer (the page refreshes from it): the
        access ranking, popular per section, trending people, organisations, places and
        topics in the window, each article row with its published time, dateline and a
        sparkline (SVG) of its views per bucket, and lag, pending and dead letters per stream."""
        return await dashboard.document(window)

    return router
