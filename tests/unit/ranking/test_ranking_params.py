"""Ranking's knobs come from NEWSDESK_* settings, and a bad one names itself."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.ranking.store.params import RankingParams
from shared.settings import Settings


def test_settings_reach_the_ranking_params(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_VIEWS_FOLD_INTERVAL_S", "2.5")
    monkeypatch.setenv("NEWSDESK_TIMEZONE", "Europe/London")
    monkeypatch.setenv("NEWSDESK_READER_REPEAT_INTERVAL_S", "600")
    params = RankingParams.from_settings(Settings())
    assert (params.fold_interval_s, params.timezone) == (2.5, "Europe/London")
    assert params.reader_repeat_interval_s == 600


def test_a_fold_interval_of_zero_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_VIEWS_FOLD_INTERVAL_S", "0")
    with pytest.raises(ValidationError, match="views_fold_interval_s"):
        Settings()
