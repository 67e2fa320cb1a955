"""Ranking as a service on a real Redis: streams in, lists out."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import redis.asyncio as aioredis

from services.ranking.app import build_app
from shared.models import Article, EnrichedArticle, Tags, ViewEvent
from shared.settings import Settings
from tests.conftest import running
from tests.waiting import eventually


def enriched(n: int, section: str = "World", pubstatus: str = "usable") -> EnrichedArticle:
    art = Article(
        guid=f"urn:r:{n}",
        headline=f"Story {n}",
        section=section,
        pubstatus=pubstatus,
        url=f"https://news.example/{n}",
    )
    return EnrichedArticle(
        event_id=f"ev{n}",
        id=f"art{n}",
        producer="p",
        received_at="2024-01-01T00:00:00Z",
        enricher_version="t",
        content_hash=art.content_hash(),
        article=art,
        tags=Tags(language="en"),
    )


async def add_articles(redis: aioredis.Redis, settings: Settings, *items: EnrichedArticle) -> None:
    for item in items:
        await redis.xadd(settings.keys.enriched, {"__data__": item.model_dump_json()})


async def add_views(redis: aioredis.Redis, settings: Settings, counts: dict[str, int]) -> None:
    for article, count in counts.items():
        for n in range(count):
            view = ViewEvent(article_id=article, reader_id=f"{article}-reader-{n}")
            await redis.xadd(
                settings.keys.views, {"__data__": orjson.dumps(view.model_dump(mode="json"))}
            )


async def items(http: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    resp = await http.get(path)
    assert resp.status_code == 200, resp.text
    result: list[dict[str, Any]] = resp.json()["items"]
    return result


async def test_popular_per_section_and_site_ranking(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    async with running(build_app(settings)) as http:
        await add_articles(redis_client, settings, enriched(1), enriched(2), enriched(3, "Sports"))
        await eventually(lambda: _known(http, "art3"))
        await add_views(redis_client, settings, {"art1": 3, "art2": 5, "art3": 9, "ghost": 4})

        async def world() -> list[dict[str, Any]] | None:
            rows = await items(http, "/v1/popular?section=WORLD&limit=5")
            return rows if [r["views"] for r in rows] == [5, 3] else None

        top_world = await eventually(world)
        site = await items(http, "/v1/ranking?limit=5")
        detail = (await http.get("/v1/articles/art2")).json()
        unknown = await http.get("/v1/articles/ghost")
        bad_window = await http.get("/v1/ranking?window=2h")
    assert [r["id"] for r in top_world] == ["art2", "art1"]
    assert [r["rank"] for r in top_world] == [1, 2]
    assert top_world[0]["headline"] == "Story 2"
    assert top_world[0]["url"] == "https://news.example/2"
    assert [r["id"] for r in site] == ["art3", "art2", "art1"]
    assert detail["views"] == 5
    assert unknown.status_code == 404
    assert bad_window.status_code == 422


async def test_kill_removes_the_article_from_every_list(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    async with running(build_app(settings)) as http:
        await add_articles(redis_client, settings, enriched(1), enriched(2))
        await eventually(lambda: _known(http, "art2"))
        await add_views(redis_client, settings, {"art1": 2, "art2": 4})
        await eventually(lambda: _site_len(http, 2))
        killed = enriched(2, pubstatus="canceled")
        killed.article.version = 2
        await add_articles(redis_client, settings, killed)

        async def gone() -> bool:
            site = await items(http, "/v1/ranking")
            return [r["id"] for r in site] == ["art1"]

        await eventually(gone)
        world = await items(http, "/v1/popular?section=world")
        detail = await http.get("/v1/articles/art2")
    assert [r["id"] for r in world] == ["art1"]
    assert detail.status_code == 404


async def _known(http: httpx.AsyncClient, article: str) -> bool:
    return (await http.get(f"/v1/articles/{article}")).status_code == 200


async def _site_len(http: httpx.AsyncClient, n: int) -> bool:
    return len(await items(http, "/v1/ranking")) == n


async def test_dashboard_shows_the_lists_escaped(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    art = enriched(1)
    art.article.headline = "Kishida & Yoon <meet>"
    async with running(build_app(settings)) as http:
        await add_articles(redis_client, settings, art)
        await eventually(lambda: _known(http, "art1"))
        await add_views(redis_client, settings, {"art1": 2})
        await eventually(lambda: _site_len(http, 1))
        page = await http.get("/")
        doc = (await http.get("/v1/dashboard")).json()
    assert page.status_code == 200
    assert "Access ranking" in page.text
    # The headline reaches the page only as JSON escapes, which the script sets as text.
    assert "<meet>" not in page.text
    assert "Kishida \\u0026 Yoon \\u003cmeet\\u003e" in page.text
    assert doc["ranking"][0]["headline"] == "Kishida & Yoon <meet>"
    assert doc["popular"][0]["section"] == "World"


async def test_readiness_fails_while_the_views_loop_is_not_consuming(settings: Settings) -> None:
    app = build_app(settings)
    async with running(app) as http:
        ready = await http.get("/health/ready")
        views = app.state.runtime.runners[1]
        await views.stop()
        stopped = await http.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert stopped.status_code == 503
    expected = f"consumer of {settings.keys.views} not running (stopped)"
    assert expected in stopped.json()["reasons"]
