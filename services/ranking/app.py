"""Wires ranking: per shard, consumer groups on articles.enriched and views, a fold loop and
retention; over every shard, the lists the routes and the dashboard serve."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from faststream.redis import RedisBroker

from services.ranking.consumers.articles import ArticlesHandler
from services.ranking.consumers.folding import FoldLoop
from services.ranking.consumers.views import ViewOutcomes, ViewsHandler
from services.ranking.store.params import RankingParams
from services.ranking.store.ranking_store import RankingStore
from services.ranking.store.retention import Retention
from services.ranking.store.shards import RankingShards
from services.ranking.web.hot_lists import HotLists
from services.ranking.web.routes import build_dashboard_router, build_router
from shared.broker import document_consumer, make_broker, make_redis
from shared.consumer.config import ConsumerConfig
from shared.consumer.runner import StreamRunner
from shared.keys import GROUP_RANKING, ShardKeys
from shared.metrics import ServiceMetrics
from shared.models import EnrichedArticle, ViewEvent
from shared.periodic import Periodic
from shared.runtime import Hook, Runtime
from shared.service import build_service_app
from shared.settings import Settings

# Views: two reads ahead and two batches counted at once keep Redis busy while Python
# decodes (docs/RANKING.md); articles need neither.
VIEWS_READAHEAD = 2
VIEWS_INFLIGHT = 2
HELD_POLL_S = 5.0


def _runners(
    settings: Settings,
    shard: ShardKeys,
    store: RankingStore,
    outcomes: ViewOutcomes,
    lists: HotLists,
) -> list[StreamRunner[Any]]:
    """The two consumer groups of one shard."""
    articles = ConsumerConfig.from_settings(
        settings, stream=shard.enriched, group=GROUP_RANKING, service="ranking",
        batch_size=settings.batch_size, readahead=0,
    )  # fmt: skip
    views = ConsumerConfig.from_settings(
        settings, stream=shard.views, group=GROUP_RANKING, service="ranking",
        batch_size=settings.views_batch_size, readahead=VIEWS_READAHEAD, inflight=VIEWS_INFLIGHT,
    )  # fmt: skip
    on_article = ArticlesHandler(
        store, stream=shard.enriched, group=GROUP_RANKING,
        max_bytes=articles.max_entry_bytes, on_kill=lists.drop_article,
    )  # fmt: skip
    on_views = ViewsHandler(
        store, outcomes, stream=shard.views, group=GROUP_RANKING,
        max_bytes=views.max_entry_bytes,
    )  # fmt: skip
    return [
        StreamRunner(articles, store.redis, outcomes.metrics, on_article),
        StreamRunner(views, store.redis, outcomes.metrics, on_views),
    ]


def _document(settings: Settings, broker: RedisBroker) -> None:
    for shard in settings.keys.all_shards():
        for stream, model, title, description in (
            (shard.enriched, EnrichedArticle, "articles.enriched", "Tagged articles to rank."),
            (shard.views, ViewEvent, "views", "Reader page views, counted into every list."),
        ):
            document_consumer(
                broker,
                stream=stream, group=GROUP_RANKING, model=model,
                title=title if shard.shard is None else f"{title} #{shard.shard}",
                description=description,
            )  # fmt: skip


def build_app(settings: Settings) -> FastAPI:
    broker = make_broker(settings)
    redis = make_redis(settings)
    metrics = ServiceMetrics("ranking")
    shards = RankingShards.of(redis, settings.keys, RankingParams.from_settings(settings))
    lists = HotLists(shards, refresh_s=settings.list_refresh_s)
    outcomes = ViewOutcomes(metrics)
    runners: list[StreamRunner[Any]] = []
    folds, upkeep = [], []
    for shard, store in zip(settings.keys.all_shards(), shards.stores, strict=True):
        runners += _runners(settings, shard, store, outcomes, lists)
        folds.append(FoldLoop(store, interval_s=store.params.fold_interval_s))
        upkeep.append(Retention(store))

    async def poll_held() -> None:
        outcomes.held.set(await shards.held_articles())

    held = Periodic("held-views", poll_held, HELD_POLL_S, at_once=True)
    _document(settings, broker)
    starts: list[Hook] = [*(f.start for f in folds), lists.start, *(r.start for r in upkeep)]
    # After the runners stopped: the last folds take in what they counted last.
    stops: list[Hook] = [*(f.stop for f in folds), lists.stop, *(r.stop for r in upkeep)]
    rt = Runtime(
        name="ranking",
        settings=settings,
        broker=broker,
        redis=redis,
        metrics=metrics,
        runners=runners,
        on_start=[*starts, held.start],
        on_stop=[*stops, held.stop, shards.stop_refreshes],
        checks=[f.health for f in folds],
    )
    return build_service_app(
        rt,
        title="newsdesk ranking",
        description="Popularity counters and the lists they feed: popular per section, the "
        "site-wide access ranking, trending people, organisations, places and topics.",
        routers=[build_router(shards, lists), build_dashboard_router(lists)],
    )
