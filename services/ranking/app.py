"""Wires ranking: articles.enriched on FastStream, views on a raw redis-py loop, the lists."""

from __future__ import annotations

from fastapi import FastAPI

from services.ranking.consumers.handlers import RankingHandlers
from services.ranking.consumers.views_loop import ViewsConfig, ViewsConsumer
from services.ranking.store.ranking_store import RankingParams, RankingStore
from services.ranking.store.retention import Retention
from services.ranking.web.hot_lists import HotLists
from services.ranking.web.routes import build_dashboard_router, build_router
from shared.broker import make_broker, make_redis
from shared.consumer import ConsumerConfig, StreamConsumer
from shared.keys import GROUP_RANKING
from shared.metrics import ServiceMetrics
from shared.models import EnrichedArticle
from shared.runtime import Runtime
from shared.service import build_service_app
from shared.settings import Settings


def _views_config(settings: Settings, params: RankingParams) -> ViewsConfig:
    return ViewsConfig.from_settings(
        settings,
        stream=settings.keys.views,
        group=GROUP_RANKING,
        service="ranking",
        batch_size=settings.views_batch_size,
        fold_interval_s=params.fold_interval_s,
        stop_timeout_s=settings.shutdown_timeout_s,
    )


def build_app(settings: Settings) -> FastAPI:
    keys = settings.keys
    broker = make_broker(settings)
    redis = make_redis(settings)
    metrics = ServiceMetrics("ranking")
    params = RankingParams.from_settings(settings)
    store = RankingStore(redis, keys, params)
    lists = HotLists(store, refresh_s=settings.list_refresh_s)
    handlers = RankingHandlers(
        store, metrics, views_stream=keys.views, group=GROUP_RANKING, on_kill=lists.drop_article
    )
    StreamConsumer(
        config=ConsumerConfig.from_settings(
            settings,
            stream=keys.enriched,
            group=GROUP_RANKING,
            service="ranking",
            batch_size=settings.batch_size,
        ),
        model=EnrichedArticle,
        redis=redis,
        metrics=metrics,
        handle_one=handlers.on_enriched_article,
    ).register(broker, title="articles.enriched", description="Tagged articles to rank.")
    # Not a FastStream subscriber, so the AsyncAPI document does not list the views stream.
    views = ViewsConsumer(
        _views_config(settings, params),
        redis,
        metrics,
        count=handlers.on_views,
        fold=handlers.on_fold,
    )
    retention = Retention(store)
    rt = Runtime(
        name="ranking",
        settings=settings,
        broker=broker,
        redis=redis,
        metrics=metrics,
        groups=[(keys.enriched, GROUP_RANKING), (keys.views, GROUP_RANKING)],
        on_start=[views.start, lists.start, retention.start],
        on_stop=[views.stop, lists.stop, retention.stop, store.stop_refreshes],  # Redis open
        checks=[views.health],
    )
    app = build_service_app(
        rt,
        title="newsdesk ranking",
        description="Popularity counters and the lists they feed: popular per section, the "
        "site-wide access ranking, trending people, organisations, places and topics.",
        routers=[build_router(store, lists), build_dashboard_router(lists)],
    )
    app.state.views_consumer = views
    return app
