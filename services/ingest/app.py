"""Wires the ingest service: routes, publishers, broker. No module-level state."""

from __future__ import annotations

from fastapi import FastAPI

from services.ingest.auth import ProducerRegistry
from services.ingest.publisher import ArticlePublisher, ViewPublisher
from services.ingest.ratelimit import RateLimiter
from services.ingest.routes import Gate, build_router
from shared.broker import make_broker, make_redis
from shared.metrics import ServiceMetrics
from shared.models import Article, RawArticle, ViewEvent
from shared.service import Runtime, build_service_app, document_models
from shared.settings import Settings


def build_app(settings: Settings) -> FastAPI:
    keys = settings.keys
    broker = make_broker(settings)
    # Declared for the AsyncAPI document: ingest writes these streams (via its Lua script).
    broker.publisher(
        stream=keys.raw,
        schema=RawArticle,
        title="articles.raw",
        description="Accepted article versions, in arrival order.",
    )
    broker.publisher(
        stream=keys.views, schema=ViewEvent, title="views", description="Reader page views."
    )
    redis = make_redis(settings)
    rt = Runtime(
        name="ingest",
        settings=settings,
        broker=broker,
        redis=redis,
        metrics=ServiceMetrics("ingest"),
    )
    gate = Gate(
        ProducerRegistry(redis, keys) if settings.require_auth else None,
        RateLimiter(redis, keys, default_per_s=settings.rate_limit_per_s),
        max_body_bytes=settings.max_body_bytes,
    )
    router = build_router(
        ArticlePublisher(redis, keys, ledger_ttl_s=settings.dedupe_ttl_s),
        ViewPublisher(redis, keys, dedupe_window_s=settings.view_dedupe_window_s),
        gate,
    )
    app = build_service_app(
        rt,
        title="newsdesk ingest",
        description="Accepts wire articles and reader views and publishes them to Redis Streams.",
        routers=[router],
    )
    document_models(app, [Article, ViewEvent])
    return app
