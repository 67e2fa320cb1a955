"""Wires the enricher: a consumer group on articles.raw feeding the tagger."""

from __future__ import annotations

from fastapi import FastAPI

from services.enricher.handlers import Enricher
from services.enricher.store import EnricherStore
from services.enricher.story_index import RedisStoryIndex
from shared.broker import document_consumer, make_broker, make_redis
from shared.consumer.config import ConsumerConfig
from shared.consumer.runner import StreamRunner
from shared.keys import GROUP_ENRICHER
from shared.metrics import ServiceMetrics
from shared.models import EnrichedArticle, RawArticle
from shared.runtime import Runtime
from shared.service import build_service_app
from shared.settings import Settings


def build_app(settings: Settings) -> FastAPI:
    keys = settings.keys
    broker = make_broker(settings)
    redis = make_redis(settings)
    metrics = ServiceMetrics("enricher")
    store = EnricherStore(redis, keys, group=GROUP_ENRICHER)
    config = ConsumerConfig.from_settings(
        settings,
        stream=keys.raw,
        group=GROUP_ENRICHER,
        service="enricher",
        batch_size=settings.batch_size,
    )
    enricher = Enricher(
        store, RedisStoryIndex.from_settings(settings), max_bytes=config.max_entry_bytes
    )
    document_consumer(
        broker,
        stream=keys.raw,
        group=GROUP_ENRICHER,
        model=RawArticle,
        title="articles.raw",
        description="Raw articles to tag, consumer group enricher.",
    )
    broker.publisher(
        stream=keys.enriched,
        schema=EnrichedArticle,
        title="articles.enriched",
        description="Tagged articles, one per accepted version.",
    )
    rt = Runtime(
        name="enricher",
        settings=settings,
        broker=broker,
        redis=redis,
        metrics=metrics,
        runners=[StreamRunner(config, redis, metrics, enricher)],
    )
    return build_service_app(
        rt,
        title="newsdesk enricher",
        description="Tags raw articles (language, topics, entities, keywords, dateline, "
        "near-duplicates) and publishes them to articles.enriched.",
    )
