"""Wires ranking: consumer groups on articles.enriched and views, the fold, the lists."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from faststream.redis import RedisBroker

from services.ranking.consumers.articles import ArticlesHandler
from services.ranking.consumers.folding import FoldLoop
from services.ranking.consumers.views import ViewsHandler
from services.ranking.store.params import RankingParams
from services.ranking.store.ranking_store import RankingStore
from services.ranking.store.retention import Retention
from services.ranking.web.hot_lists import HotLists
from services.ranking.web.routes import build_dashboard_router, build_router
from shared.broker import document_consumer, make_broker, make_redis
from shared.consumer.config import ConsumerConfig
from shared.consumer.runner import StreamRunner
from shared.keys import GROUP_RANKING
from shared.metrics import ServiceMetrics
from shared.models import EnrichedArticle, ViewEvent
from shared.periodic import Periodic
from shared.runtime import Runtime
from shared.service import build_service_app
from shared.settings import Settings

# Views: two reads ahead and two batches counted at once keep Redis busy while Python
# decodes (docs/RANKING.md); articles need neither.
VIEWS_READAHEAD = 2
VIEWS_INFLIGHT = 2
HELD_POLL_S = 5.0


def _runners(
    settings: Settings, store: RankingStore, on_views: ViewsHandler, lists: HotLists
) -> list[StreamRunner[Any]]:
    keys = settings.keys
    articles = ConsumerConfig.from_settings(
        settings, stream=keys.enriched, group=GROUP_RANKING, service="ranking",
        batch_size=settings.batch_size,
    )  # fmt: skip
    views = ConsumerConfig.from_settings(
        settings, stream=keys.views, group=GROUP_RANKING, service="ranking",
        batch_size=settings.views_batch_size, readahead=VIEWS_READAHEAD, inflight=VIEWS_INFLIGHT,
    )  # fmt: skip
    on_article = ArticlesHandler(
        store, max_bytes=articles.max_entry_bytes, on_kill=lists.drop_article
    )
    return [
        StreamRunner(articles, store.redis, on_views.metrics, on_article),
        StreamRunner(views, store.redis, on_views.metrics, on_views),
    ]


def _document(settings: Settings, broker: RedisBroker) -> None:
    keys = settings.keys
    for stream, model, title, description in (
        (keys.enriched, EnrichedArticle, "articles.enriched", "Tagged articles to rank."),
        (keys.views, ViewEvent, "views", "Reader page views, counted into every list."),
    ):
        document_consumer(
            broker,
            stream=stream, group=GROUP_RANKING, model=model, title=title,
            description=description,
        )  # fmt: skip


def build_app(settings: Settings) -> FastAPI:
    broker = make_broker(settings)
    redis = make_redis(settings)
    metrics = ServiceMetrics("ranking")
    params = RankingParams.from_settings(settings)
    store = RankingStore(redis, settings.keys, params)
    lists = HotLists(store, refresh_s=settings.list_refresh_s)
    folds = FoldLoop(store, interval_s=params.fold_interval_s)
    retention = Retention(store)
    on_views = ViewsHandler(
        store, metrics, stream=settings.keys.views, group=GROUP_RANKING,
        max_bytes=settings.max_body_bytes,
    )  # fmt: skip
    held_gauge = Periodic("held-views", on_views.poll_held, HELD_POLL_S, at_once=True)
    _document(settings, broker)
    rt = Runtime(
        name="ranking",
        settings=settings,
        broker=broker,
        redis=redis,
        metrics=metrics,
        runners=_runners(settings, store, on_views, lists),
        on_start=[folds.start, lists.start, retention.start, held_gauge.start],
        # After the runners stopped: the last fold takes in what they counted last.
        on_stop=[folds.stop, lists.stop, retention.stop, held_gauge.stop, store.stop_refreshes],
        checks=[folds.health],
    )
    return build_service_app(
        rt,
        title="newsdesk ranking",
        description="Popularity counters and the lists they feed: popular per section, the "
        "site-wide access ranking, trending people, organisations, places and topics.",
        routers=[build_router(store, lists), build_dashboard_router(lists)],
    )
