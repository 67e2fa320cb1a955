"""The list cache's two lifetimes: stale entries must outlive fresh ones."""

from __future__ import annotations

import pytest

from services.ranking.store.params import RankingParams


def test_the_default_keeps_entries_twelve_ttls() -> None:
    params = RankingParams()
    assert (params.cache_ttl_s, params.cache_stale_s) == (5, 60)


@pytest.mark.parametrize(("ttl", "stale"), [(5, 4), (0, 60)])
def test_a_stale_lifetime_shorter_than_the_fresh_one_is_refused(ttl: int, stale: int) -> None:
    with pytest.raises(ValueError, match="cache_stale_s"):
        RankingParams(cache_ttl_s=ttl, cache_stale_s=stale)
