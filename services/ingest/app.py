"""Wires the ingest service: routes, publishers, broker. No module-level state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI

from services.ingest.auth import ProducerRegistry
from services.ingest.dropfolder import DropFolder
from services.ingest.poller import FeedPoller
from services.ingest.publisher import ArticlePublisher, ViewPublisher
from services.ingest.ratelimit import RateLimiter
from services.ingest.routes import Gate, ItemLimits, build_router, outcome_unknown_handler
from shared.broker import make_broker, make_redis
from shared.durable import Durability
from shared.metrics import ServiceMetrics
from shared.models import Article, RawArticle, ViewEvent
from shared.runtime import Hook, Runtime
from shared.service import build_service_app, document_models
from shared.settings import Settings


def build_app(settings: Settings) -> FastAPI:
    keys = settings.keys
    broker = make_broker(settings)
    # Declared for the AsyncAPI document: ingest writes these streams (via its Lua scripts),
    # one of each per shard; an article and its views go to the article's shard.
    for shard in keys.all_shards():
        suffix = "" if shard.shard is None else f" #{shard.shard}"
        broker.publisher(
            stream=shard.raw,
            schema=RawArticle,
            title=f"articles.raw{suffix}",
            description="Accepted article versions, in arrival order.",
        )
        broker.publisher(
            stream=shard.views,
            schema=ViewEvent,
            title=f"views{suffix}",
            description="Reader page views.",
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
    articles = ArticlePublisher(
        redis,
        keys,
        ledger_ttl_s=settings.dedupe_ttl_s,
        max_article_bytes=settings.max_article_bytes,
        durability=Durability(settings.write_replicas, settings.write_wait_ms),
    )
    rt.on_start = [_pull_transports(rt, articles)]
    router = build_router(
        articles,
        ViewPublisher(
            redis,
            keys,
            dedupe_window_s=settings.view_dedupe_window_s,
            durability=Durability(settings.write_replicas, settings.write_wait_ms),
        ),
        gate,
        ItemLimits(
            views=settings.max_views_per_request, articles=settings.max_articles_per_request
        ),
    )
    app = build_service_app(
        rt,
        title="newsdesk ingest",
        description="Accepts wire articles and reader views and publishes them to Redis Streams.",
        routers=[router],
    )
    outcome_unknown_handler(app)
    document_models(app, [Article, ViewEvent])
    return app


def _pull_transports(rt: Runtime, articles: ArticlePublisher) -> Hook:
    """The feed poller and drop folder run as runtime tasks (cancelled at shutdown), started
    once Redis first answers; start-up retries must not start them twice."""
    settings = rt.settings
    runs: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = []
    if settings.feeds:
        runs.append(("feeds", FeedPoller(settings, rt.redis, articles, rt.metrics.registry).run))
    if settings.drop_dir is not None:
        runs.append(("dropfolder", DropFolder.from_settings(settings, articles).run))

    async def start() -> None:
        while runs:
            name, run = runs.pop(0)
            rt.tasks.append(asyncio.create_task(run(), name=f"ingest.{name}"))

    return start
