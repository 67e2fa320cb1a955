"""Wires ranking: consumer group `ranking` on articles.enriched and views, and the lists."""

from __future__ import annotations

from fastapi import FastAPI

from services.ranking.handlers import RankingHandlers
from services.ranking.routes import build_dashboard_router, build_router
from services.ranking.store import RankingParams, RankingStore
from shared.broker import make_broker, make_redis
from shared.consumer import ConsumerConfig, StreamConsumer, consumer_name
from shared.keys import GROUP_RANKING
from shared.metrics import ServiceMetrics
from shared.models import EnrichedArticle, ViewEvent
from shared.service import Runtime, build_service_app
from shared.settings import Settings


def _config(settings: Settings, stream: str, batch_size: int) -> ConsumerConfig:
    return ConsumerConfig(
        stream=stream,
        group=GROUP_RANKING,
        consumer=consumer_name(settings.consumer_name, "ranking"),
        service="ranking",
        batch_size=batch_size,
        block_ms=settings.block_ms,
        min_idle_ms=settings.min_idle_ms,
        max_deliveries=settings.max_deliveries,
    )


def build_app(settings: Settings) -> FastAPI:
    keys = settings.keys
    broker = make_broker(settings)
    redis = make_redis(settings)
    metrics = ServiceMetrics("ranking")
    store = RankingStore(redis, keys, RankingParams.from_settings(settings))
    handlers = RankingHandlers(store, metrics, views_stream=keys.views, group=GROUP_RANKING)
    StreamConsumer(
        config=_config(settings, keys.enriched, settings.batch_size),
        model=EnrichedArticle,
        redis=redis,
        metrics=metrics,
        handle_one=handlers.on_enriched_article,
    ).register(broker, title="articles.enriched", description="Tagged articles to rank.")
    StreamConsumer(
        config=_config(settings, keys.views, settings.views_batch_size),
        model=ViewEvent,
        redis=redis,
        metrics=metrics,
        handle_batch=handlers.on_views,
    ).register(broker, title="views", description="Reader page views, counted in batches.")
    rt = Runtime(
        name="ranking",
        settings=settings,
        broker=broker,
        redis=redis,
        metrics=metrics,
        groups=[(keys.enriched, GROUP_RANKING), (keys.views, GROUP_RANKING)],
    )
    return build_service_app(
        rt,
        title="newsdesk ranking",
        description="Popularity counters and the lists they feed: popular per section, the "
        "site-wide access ranking, trending people, organisations, places and topics.",
        routers=[build_router(store), build_dashboard_router(store)],
    )
