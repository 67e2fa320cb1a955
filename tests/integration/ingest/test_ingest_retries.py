"""Retrying a request stores nothing twice; what a request may hold is bounded; producers
do not share view ids; versions and times at the edges are refused by name (real Redis)."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from services.ingest.app import build_app
from services.ingest.auth import ProducerRegistry
from services.ingest.publisher import VIEWS_PER_CALL
from shared.models import MAX_VERSION
from shared.settings import Settings
from tests.conftest import running
from tests.integration.ingest.test_ingest_api import article, raw_entries

JSON = {"Content-Type": "application/json"}


def views_body(count: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"article_id": f"a{n % 7}", **extra} for n in range(count)]


async def test_a_retried_views_request_with_its_key_is_written_once_and_answered_alike(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    """Views without ids (the server makes them): only the request's key can tell a retry,
    over several chunks of the views script."""
    views = views_body(2 * VIEWS_PER_CALL + 17)
    key = {"Idempotency-Key": "req-0001"}
    async with running(build_app(settings)) as http:
        first = await http.post("/v1/views", json=views, headers=key)
        retry = await http.post("/v1/views", json=views, headers=key)
        other_body = await http.post("/v1/views", json=views[:5], headers=key)
        no_key = await http.post("/v1/views", json=views[:5])
    assert first.status_code == retry.status_code == 202
    assert retry.json() == first.json() == {"accepted": len(views), "duplicates": 0}
    # the same key with another body is another request; without a key nothing is recognised
    assert other_body.json()["accepted"] == no_key.json()["accepted"] == 5
    assert await redis_client.xlen(settings.keys.views) == len(views) + 10


async def test_a_retried_article_request_answers_accepted_again_and_publishes_once(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    batch = [article("urn:r:1"), article("urn:r:2"), article("urn:r:1")]
    key = {"Idempotency-Key": "articles-7"}
    async with running(build_app(settings)) as http:
        first = await http.post("/v1/articles", json=batch, headers=key)
        retry = await http.post("/v1/articles", json=batch, headers=key)
        someone_else = await http.post("/v1/articles", json=batch[:1])
    statuses = [r["status"] for r in first.json()["results"]]
    assert statuses == ["accepted", "accepted", "duplicate"]
    assert [r["status"] for r in retry.json()["results"]] == statuses
    assert someone_else.json()["results"][0]["status"] == "duplicate"
    assert len(await raw_entries(redis_client, settings)) == 2


async def test_a_malformed_idempotency_key_is_422_naming_the_header(settings: Settings) -> None:
    async with running(build_app(settings)) as http:
        bad = await http.post(
            "/v1/views", json=views_body(1), headers={"Idempotency-Key": "no spaces"}
        )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "Idempotency-Key"


async def test_items_per_request_are_capped_with_the_limit_named(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    capped = settings.model_copy(
        update={"max_views_per_request": 50, "max_articles_per_request": 3}
    )
    async with running(build_app(capped)) as http:
        views = await http.post("/v1/views", json=views_body(51))
        articles = await http.post("/v1/articles", json=[article(f"urn:cap:{n}") for n in range(4)])
        at_limit = await http.post("/v1/views", json=views_body(50))
    assert views.status_code == articles.status_code == 413
    assert "at most 50" in views.json()["detail"]
    assert "NEWSDESK_MAX_VIEWS_PER_REQUEST" in views.json()["detail"]
    assert "at most 3" in articles.json()["detail"]
    assert at_limit.status_code == 202
    assert await redis_client.xlen(settings.keys.views) == 50
    assert await redis_client.xlen(settings.keys.raw) == 0


async def test_an_article_too_large_for_one_script_call_is_refused_by_name(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    small = settings.model_copy(update={"max_article_bytes": 4096})
    huge = article("urn:huge", body_text="word " * 2000)
    async with running(build_app(small)) as http:
        alone = await http.post("/v1/articles", json=huge)
        batch = await http.post("/v1/articles", json=[huge, article("urn:fits")])
    assert alone.status_code == 422
    assert alone.json()["detail"][0]["field"] == "body"
    assert "at most 4096" in alone.json()["detail"][0]["reason"]
    assert [r["status"] for r in batch.json()["results"]] == ["invalid", "accepted"]
    assert [r.article.guid for r in await raw_entries(redis_client, settings)] == ["urn:fits"]


async def test_view_event_ids_are_deduplicated_per_producer(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    s = settings.model_copy(update={"require_auth": True})
    registry = ProducerRegistry(redis_client, s.keys)
    web, _ = await registry.add("web", scopes=["views"])
    app_key, _ = await registry.add("app", scopes=["views"])
    same_ids = [{"article_id": "a1", "event_id": f"ev-{n}"} for n in range(3)]
    async with running(build_app(s)) as http:
        answers = [
            (await http.post("/v1/views", json=same_ids, headers={"Authorization": f"Bearer {k}"}))
            for k in (web, app_key, web)
        ]
    assert [a.json() for a in answers] == [
        {"accepted": 3, "duplicates": 0},
        {"accepted": 3, "duplicates": 0},  # another producer's ids are its own
        {"accepted": 0, "duplicates": 3},
    ]
    assert await redis_client.xlen(s.keys.views) == 6


async def test_versions_past_two_to_the_53_are_refused_naming_the_field(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    async with running(build_app(settings)) as http:
        top = await http.post("/v1/articles", json=article("urn:v", version=MAX_VERSION))
        below = await http.post("/v1/articles", json=article("urn:v", version=MAX_VERSION - 1))
        past = await http.post("/v1/articles", json=article("urn:v", version=MAX_VERSION + 1))
        far = await http.post("/v1/articles", json=article("urn:v", version=2**64))
    assert [r.json()["results"][0]["status"] for r in (top, below)] == ["accepted", "stale"]
    for refused in (past, far):
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["field"] == "version"
    assert len(await raw_entries(redis_client, settings)) == 1


OVERFLOWING = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


async def test_times_that_overflow_utc_are_422_per_item_naming_the_field(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    async with running(build_app(settings)) as http:
        views = [
            await http.post("/v1/views", json=[{"article_id": "a"}, {"article_id": "a", "ts": ts}])
            for ts in OVERFLOWING
        ]
        batch = await http.post(
            "/v1/articles",
            json=[
                article("urn:ok:1"),
                article("urn:bad:1", published_at=OVERFLOWING[0]),
                article("urn:bad:2", firstcreated=OVERFLOWING[1]),
                article("urn:ok:2"),
            ],
        )
    for answer in views:
        assert answer.status_code == 422
        (error,) = answer.json()["detail"]
        assert error["field"] == "1.ts"
        assert "out of range" in error["reason"]
    assert batch.status_code == 202
    results = batch.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "invalid", "invalid", "accepted"]
    assert results[1]["errors"][0]["field"] == "published_at"
    assert results[2]["errors"][0]["field"] == "firstcreated"
    assert await redis_client.xlen(settings.keys.views) == 0
