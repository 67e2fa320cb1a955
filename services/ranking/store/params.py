"""The knobs of ranking's counting and lists, from the service settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.ranking.store.scripts import HeldViews
from shared.settings import Settings


@dataclass(frozen=True, slots=True)
class RankingParams:
    """The knobs of counting and lists; `from_settings` maps the service settings.

    Cached lists (scope lists and trending) are fresh for `cache_ttl_s`, then served stale
    for up to `cache_stale_s` after they were computed while one background refresh per
    entry recomputes them; past that, a read computes inline. 60 s (12 ttls): under
    traffic a stale entry is served only for the few ms its refresh takes, so the bound
    matters for lists asked for now and then: one read a minute is enough to keep them off
    the inline path (~3-10 ms of Lua), yet a list read after a longer lull is never older
    than a minute, the order of how far lists trail the views under load anyway (folds
    pause up to 30 s). Longer would keep more idle entries in memory for little gain.
    """

    timezone: str = "Asia/Tokyo"
    trending_half_life_s: float = 3600.0
    reader_repeat_interval_s: int = 1800
    repeat_filter_bits_log2: int = 26
    cache_ttl_s: int = 5
    cache_stale_s: int = 60
    trending_pool: int = 1000  # ~8 µs of Lua an article per refresh
    fold_interval_s: float = 1.0
    retain_days: int = 0  # 0: articles are kept forever
    held: HeldViews = field(default_factory=HeldViews)

    def __post_init__(self) -> None:
        if not 0 < self.cache_ttl_s <= self.cache_stale_s:
            raise ValueError("cache_stale_s must be at least cache_ttl_s, which must be > 0")

    @classmethod
    def from_settings(cls, settings: Settings) -> RankingParams:
        return cls(
            timezone=settings.timezone,
            trending_half_life_s=settings.trending_half_life_s,
            reader_repeat_interval_s=settings.reader_repeat_interval_s,
            fold_interval_s=settings.views_fold_interval_s,
            retain_days=settings.ranking_retain_days,
            held=HeldViews(settings.views_hold_s, settings.views_hold_max_articles),
        )
