"""Ingest reads every wire format by content type or by sniffing, item by item."""

from __future__ import annotations

import redis.asyncio as aioredis

from services.ingest.app import build_app
from shared.models import RawArticle
from shared.settings import Settings
from tests.conftest import DATA, running
from tests.streams import read_stream

WIRE = DATA / "wire"


async def published(redis: aioredis.Redis, settings: Settings) -> list[RawArticle]:
    return await read_stream(redis, settings.keys.raw, RawArticle)


async def test_seed_page_as_text_plain(settings: Settings, redis_client: aioredis.Redis) -> None:
    body = (DATA / "seed" / "kishida-yoon-san-francisco.txt").read_bytes()
    async with running(build_app(settings)) as http:
        resp = await http.post(
            "/v1/articles", content=body, headers={"content-type": "text/plain; charset=utf-8"}
        )
    assert resp.status_code == 202, resp.text
    (raw,) = await published(redis_client, settings)
    assert raw.format == "text"
    assert raw.article.section == "World"
    assert raw.article.dateline == "SAN FRANCISCO"
    assert raw.article.published_at is not None
    assert raw.article.published_at.isoformat() == "2023-11-17T07:05:00+00:00"
    assert "POPULAR ARTICLE" not in raw.article.body_text


async def test_feed_publishes_one_article_per_item(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    body = (WIRE / "rss" / "feedparser-rss2sample.xml").read_bytes()
    async with running(build_app(settings)) as http:
        resp = await http.post(
            "/v1/articles", content=body, headers={"content-type": "application/rss+xml"}
        )
        again = await http.post(
            "/v1/articles", content=body, headers={"content-type": "application/rss+xml"}
        )
    results = resp.json()["results"]
    assert len(results) > 1
    assert {r["status"] for r in results} == {"accepted"}
    assert {r["status"] for r in again.json()["results"]} == {"duplicate"}
    assert len(await published(redis_client, settings)) == len(results)


async def test_xml_is_sniffed_and_a_kill_is_published_as_canceled(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    usable = (WIRE / "newsml-g2" / "reuters-L1N14N0FF-v978556838-usable.xml").read_bytes()
    kill = (WIRE / "newsml-g2" / "reuters-L1N14N0FF-v1542761538-canceled.xml").read_bytes()
    async with running(build_app(settings)) as http:
        first = await http.post(
            "/v1/articles", content=usable, headers={"content-type": "application/xml"}
        )
        second = await http.post("/v1/articles", content=kill)
    assert first.json()["results"][0]["status"] == "accepted"
    assert second.json()["results"][0]["status"] == "accepted"
    assert first.json()["results"][0]["id"] == second.json()["results"][0]["id"]
    rows = await published(redis_client, settings)
    assert [r.article.pubstatus for r in rows] == ["usable", "canceled"]
    assert all(r.format == "newsml-g2" for r in rows)


async def test_unreadable_bodies_get_clear_4xx(settings: Settings) -> None:
    async with running(build_app(settings)) as http:
        unsupported = await http.post(
            "/v1/articles", content=b"\x00\x01", headers={"content-type": "image/png"}
        )
        broken = await http.post(
            "/v1/articles",
            content=b"<nitf><head><title>x</head>",
            headers={"content-type": "application/nitf+xml"},
        )
    assert unsupported.status_code == 415
    assert "image/png" in unsupported.json()["detail"]
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["reason"]
