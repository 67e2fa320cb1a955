"""Wires the enricher: a consumer group on articles.raw feeding the tagger."""

from __future__ import annotations

from fastapi import FastAPI

from services.enricher.handlers import Enricher
from services.enricher.store import EnricherStore
from services.enricher.story_index import RedisStoryIndex
from shared.broker import make_broker, make_redis
from shared.consumer import ConsumerConfig, StreamConsumer
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
    enricher = Enricher(store, RedisStoryIndex.from_settings(settings))
    consumer = StreamConsumer(
        config=ConsumerConfig.from_settings(
            settings,
            stream=keys.raw,
            group=GROUP_ENRICHER,
            service="enricher",
            batch_size=settings.batch_size,
        ),
        model=RawArticle,
        redis=redis,
        metrics=metrics,
        handle_one=enricher.on_raw_article,
    )
    consumer.register(
        broker, title="articles.raw", description="Raw articles to tag, consumer group enricher."
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
        groups=[(keys.raw, GROUP_ENRICHER)],
    )
    return build_service_app(
        rt,
        title="newsdesk enricher",
        description="Tags raw articles (language, topics, entities, keywords, dateline, "
        "near-duplicates) and publishes them to articles.enriched.",
    )
