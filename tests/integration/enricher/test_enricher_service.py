"""The enricher as a service on a real Redis: raw in, tagged out, exactly once."""

from __future__ import annotations

import redis.asyncio as aioredis

from services.enricher.app import build_app
from services.enricher.taggers.compiled import running_compiled
from services.enricher.taggers.pipeline import ENRICHER_VERSION
from shared.deadletter import list_dead_letters
from shared.keys import GROUP_ENRICHER
from shared.models import Article, EnrichedArticle, RawArticle, article_id
from shared.settings import Settings
from tests.conftest import running
from tests.streams import read_stream
from tests.waiting import eventually

BODY = (
    "SAN FRANCISCO — Prime Minister Fumio Kishida and South Korean President Yoon Suk Yeol "
    "on Thursday confirmed their intention to work with the United States on security in "
    "East Asia, with an eye on North Korea's missile development."
)


def raw(version: int = 1, body: str = BODY, headline: str = "Kishida, Yoon Meet") -> RawArticle:
    art = Article(
        guid="urn:e:1",
        version=version,
        headline=headline,
        body_text=body,
        section="World",
        language="en",
    )
    return RawArticle(
        id=article_id("ap", "urn:e:1"),
        producer="ap",
        content_hash=art.content_hash(),
        article=art,
    )


async def enriched(redis: aioredis.Redis, settings: Settings) -> list[EnrichedArticle]:
    return await read_stream(redis, settings.keys.enriched, EnrichedArticle)


async def test_raw_article_is_tagged_and_published_once(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    async with running(build_app(settings)):
        await redis_client.xadd(settings.keys.raw, {"__data__": raw().model_dump_json()})
        (out,) = await eventually(lambda: enriched(redis_client, settings))
        pending = await redis_client.xpending(settings.keys.raw, GROUP_ENRICHER)
    assert pending["pending"] == 0
    assert out.id == raw().id
    assert out.enricher_version == ENRICHER_VERSION
    assert out.tags.language == "en"
    assert out.tags.dateline == "SAN FRANCISCO"
    assert out.tags.word_count > 20
    people = {e.name for e in out.tags.entities if e.type == "person"}
    assert "Fumio Kishida" in people
    assert out.tags.topics


async def test_update_with_same_text_keeps_its_tags_and_new_text_is_retagged(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    async with running(build_app(settings)):
        await redis_client.xadd(settings.keys.raw, {"__data__": raw(1).model_dump_json()})
        await eventually(lambda: _count(redis_client, settings, 1))
        # Same text, new version: tags reused (same story, same entities).
        await redis_client.xadd(settings.keys.raw, {"__data__": raw(2).model_dump_json()})
        changed = BODY.replace("Thursday", "Friday") + " Tokyo reacted with caution."
        await redis_client.xadd(
            settings.keys.raw, {"__data__": raw(3, body=changed).model_dump_json()}
        )
        first, second, third = await eventually(lambda: _count(redis_client, settings, 3))
    assert second.tags == first.tags
    assert third.tags != first.tags
    assert third.tags.story_id == first.tags.story_id


async def test_poison_entry_goes_to_the_dead_letter_stream(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    async with running(build_app(settings)):
        await redis_client.xadd(settings.keys.raw, {"__data__": b'{"id": "x"}'})
        await redis_client.xadd(settings.keys.raw, {"__data__": raw().model_dump_json()})
        await eventually(lambda: _count(redis_client, settings, 1))
        (letter,) = await eventually(lambda: list_dead_letters(redis_client, settings.keys.raw))
    assert letter.service == "enricher"
    assert "invalid" in letter.error


async def _count(redis: aioredis.Redis, settings: Settings, n: int) -> list[EnrichedArticle] | None:
    rows = await enriched(redis, settings)
    return rows if len(rows) >= n else None


async def test_metrics_say_whether_the_taggers_run_compiled(settings: Settings) -> None:
    """An enricher from source spends ~1.4x the CPU per article: an operator alerts on it."""
    async with running(build_app(settings)) as http:
        text = (await http.get("/metrics")).text
    assert f"newsdesk_enricher_taggers_compiled {float(running_compiled())}" in text
