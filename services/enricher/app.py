"""Wires the enricher: a consumer group on articles.raw feeding the tagger."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from prometheus_client import Gauge

from services.enricher.handlers import Enricher, Stages, warm_up
from services.enricher.store import EnricherStore
from services.enricher.story_index import RedisStoryIndex
from services.enricher.taggers import compiled
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
    broker = make_broker(settings)
    redis = make_redis(settings)
    metrics = ServiceMetrics("enricher")
    Gauge(
        "newsdesk_enricher_taggers_compiled",
        "1 when the taggers run compiled (newsdesk compile), 0 from source (~1.4x the CPU)",
        registry=metrics.registry,
    ).set(int(compiled.running_compiled()))
    index = RedisStoryIndex.from_settings(settings, aclient=redis)
    stages = Stages()
    runners: list[StreamRunner[Any]] = []
    for shard in settings.keys.all_shards():
        config = ConsumerConfig.from_settings(
            settings, stream=shard.raw, group=GROUP_ENRICHER, service="enricher",
            batch_size=settings.batch_size, readahead=0, inflight=2,
        )  # fmt: skip
        store = EnricherStore(redis, shard, group=GROUP_ENRICHER)
        enricher = Enricher(store, index, max_bytes=config.max_entry_bytes, stages=stages)
        runners.append(
            StreamRunner(config, redis, metrics, enricher, read_gate=enricher.drafting_free)
        )
        suffix = "" if shard.shard is None else f" #{shard.shard}"
        document_consumer(
            broker, stream=shard.raw, group=GROUP_ENRICHER, model=RawArticle,
            title=f"articles.raw{suffix}",
            description="Raw articles to tag, consumer group enricher.",
        )  # fmt: skip
        broker.publisher(
            stream=shard.enriched,
            schema=EnrichedArticle,
            title=f"articles.enriched{suffix}",
            description="Tagged articles, one per accepted version.",
        )
    rt = Runtime(
        name="enricher",
        settings=settings,
        broker=broker,
        redis=redis,
        metrics=metrics,
        runners=runners,
        on_start=[warm_up],
    )
    return build_service_app(
        rt,
        title="newsdesk enricher",
        description="Tags raw articles (language, topics, entities, keywords, dateline, "
        "near-duplicates) and publishes them to articles.enriched.",
    )
