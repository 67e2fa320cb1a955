"""Ingest over HTTP against a real Redis: accepted means in the stream, and nothing twice."""

from __future__ import annotations

from typing import Any

import orjson
import redis.asyncio as aioredis

from services.ingest.app import build_app
from shared.models import RawArticle, article_id
from shared.settings import Settings
from tests.conftest import running
from tests.streams import read_stream


def article(guid: str = "urn:test:1", version: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "guid": guid,
        "version": version,
        "headline": "Kishida, Yoon confirm cooperation",
        "section": "World",
        "body_text": "SAN FRANCISCO — Prime Minister Fumio Kishida met President Yoon.",
        "published_at": "2023-11-17T07:05:00Z",
        **extra,
    }


async def raw_entries(redis: aioredis.Redis, settings: Settings) -> list[RawArticle]:
    return await read_stream(redis, settings.keys.raw, RawArticle)


async def test_post_article_is_in_the_stream_when_202(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    async with running(build_app(settings)) as http:
        resp = await http.post("/v1/articles", json=article())
    assert resp.status_code == 202
    (result,) = resp.json()["results"]
    assert result["status"] == "accepted"
    assert result["id"] == article_id("default", "urn:test:1")
    (raw,) = await raw_entries(redis_client, settings)
    assert raw.id == result["id"]
    assert raw.article.headline == "Kishida, Yoon confirm cooperation"
    assert raw.producer == "default"
    assert raw.content_hash == raw.article.content_hash()


async def test_versions_are_idempotent_and_ordered(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    async with running(build_app(settings)) as http:
        statuses = []
        for doc in [
            article(version=2),
            article(version=2),
            article(version=1),
            article(version=3, headline="Updated"),
            article(version=1, pubstatus="canceled"),
            article(version=4),
            article(version=1, pubstatus="canceled"),
        ]:
            resp = await http.post("/v1/articles", json=doc)
            statuses.append(resp.json()["results"][0]["status"])
    assert statuses == [
        "accepted",
        "duplicate",
        "stale",
        "accepted",
        "accepted",
        "stale",
        "duplicate",
    ]
    published = await raw_entries(redis_client, settings)
    assert [(r.article.version, r.article.pubstatus) for r in published] == [
        (2, "usable"),
        (3, "usable"),
        (1, "canceled"),
    ]
    assert len({r.id for r in published}) == 1


async def test_batch_reports_each_item_and_publishes_the_good_ones(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    batch = [article("urn:a"), {"headline": "no guid"}, article("urn:b", urgency=42)]
    async with running(build_app(settings)) as http:
        resp = await http.post("/v1/articles", json=batch)
    assert resp.status_code == 202
    results = resp.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "invalid", "invalid"]
    assert results[1]["errors"][0]["field"] == "guid"
    assert results[2]["errors"][0]["field"] == "urgency"
    assert [r.article.guid for r in await raw_entries(redis_client, settings)] == ["urn:a"]


async def test_invalid_single_article_is_422_naming_field_and_reason(settings: Settings) -> None:
    async with running(build_app(settings)) as http:
        resp = await http.post("/v1/articles", json=article(published_at="yesterday"))
        bad_json = await http.post(
            "/v1/articles", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert resp.status_code == 422
    (err,) = resp.json()["detail"]
    assert err["field"] == "published_at"
    assert "datetime" in err["reason"]
    assert bad_json.status_code == 422
    assert bad_json.json()["detail"][0]["field"] == "body"


async def test_a_body_unlike_its_content_type_is_422_naming_the_header(
    settings: Settings,
) -> None:
    """Plain text sent as application/xml (a truncated export, an error page) is refused,
    not published as a text article."""
    async with running(build_app(settings)) as http:
        resp = await http.post(
            "/v1/articles",
            content=b"502 Bad Gateway: upstream wire service unavailable",
            headers={"content-type": "application/xml"},
        )
    assert resp.status_code == 422
    (err,) = resp.json()["detail"]
    assert err["field"] == "content-type"
    assert "not XML" in err["reason"]


async def test_oversized_body_is_413_and_nothing_published(
    redis_url: str, prefix: str, redis_client: aioredis.Redis
) -> None:
    settings = Settings(
        redis_url=redis_url, key_prefix=prefix, max_body_bytes=2048, require_auth=False
    )
    async with running(build_app(settings)) as http:
        resp = await http.post("/v1/articles", json=article(body_text="x" * 5000))
    assert resp.status_code == 413
    assert await redis_client.xlen(settings.keys.raw) == 0


async def test_views_are_accepted_with_server_defaults(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    views = [{"article_id": "a1"}, {"article_id": "a2", "reader_id": "r", "event_id": "e2"}]
    async with running(build_app(settings)) as http:
        resp = await http.post("/v1/views", json=views)
        bad = await http.post("/v1/views", json=[{"article_id": "a"}, {"reader_id": "x"}])
    assert resp.status_code == 202
    assert resp.json() == {"accepted": 2, "duplicates": 0}
    rows = await redis_client.xrange(settings.keys.views)
    docs = [orjson.loads(f[b"__data__"]) for _, f in rows]
    assert [d["article_id"] for d in docs] == ["a1", "a2"]
    assert docs[1]["event_id"] == "e2"
    assert docs[0]["event_id"]
    assert docs[0]["ts"].endswith("Z")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "1.article_id"


async def test_health_metrics_and_docs(settings: Settings) -> None:
    async with running(build_app(settings)) as http:
        live = await http.get("/health/live")
        ready = await http.get("/health/ready")
        await http.post("/v1/articles", json=article())
        metrics = await http.get("/metrics")
        openapi = await http.get("/openapi.json")
        asyncapi = await http.get("/asyncapi.json")
    assert live.status_code == 200
    assert ready.status_code == 200, ready.text
    assert "newsdesk_entries_handled_total" in metrics.text or "newsdesk_" in metrics.text
    assert "/v1/articles" in openapi.json()["paths"]
    assert "Article" in openapi.json()["components"]["schemas"]
    channels = orjson.dumps(asyncapi.json()).decode()
    assert "articles.raw" in channels
    assert "views" in channels


async def test_retried_views_with_producer_event_ids_are_not_duplicated(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    views = [{"article_id": "a", "event_id": f"ev-{n}"} for n in range(3)]
    async with running(build_app(settings)) as http:
        first = await http.post("/v1/views", json=views)
        retry = await http.post("/v1/views", json=[*views, {"article_id": "a", "event_id": "ev-9"}])
        anonymous = await http.post("/v1/views", json=[{"article_id": "a"}, {"article_id": "a"}])
    assert first.json() == {"accepted": 3, "duplicates": 0}
    assert retry.json() == {"accepted": 1, "duplicates": 3}
    assert anonymous.json() == {"accepted": 2, "duplicates": 0}
    assert await redis_client.xlen(settings.keys.views) == 6
