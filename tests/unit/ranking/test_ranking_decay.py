"""Forward decay with a fixed clock: weights, normalisation, rebase."""

from __future__ import annotations

import math

import pytest

from services.ranking.domain.decay import PURGE_BELOW, REBASE_AT_EXPONENT, Decay


def test_a_view_at_the_landmark_weighs_one_and_halves_each_half_life() -> None:
    d = Decay(3600)
    assert d.weight(1000.0, 1000.0) == pytest.approx(1.0)
    stored = d.weight(1000.0, 1000.0)
    assert d.normalize(stored, 1000.0, 1000.0 + 3600) == pytest.approx(0.5)
    assert d.normalize(stored, 1000.0, 1000.0 + 7200) == pytest.approx(0.25)


def test_newer_views_weigh_more_without_rewriting_old_scores() -> None:
    d = Decay(600)
    t0 = 0.0
    old = d.weight(0.0, t0)
    new = d.weight(600.0, t0)
    assert new == pytest.approx(2 * old)
    # decayed to "now": the fresh view counts 1, the one a half-life older 0.5
    assert d.normalize(old + new, t0, 600.0) == pytest.approx(1.5)


def test_rebase_keeps_every_normalized_score() -> None:
    d = Decay(3600)
    t0, now = 0.0, 40 * 3600.0
    stored = d.weight(now - 100, t0) + d.weight(now - 5000, t0)
    before = d.normalize(stored, t0, now)
    rebased = stored * d.rebase_factor(t0, now)
    assert d.normalize(rebased, now, now) == pytest.approx(before)
    assert math.isfinite(rebased)


def test_rebase_is_due_before_scores_grow_unbounded() -> None:
    d = Decay(3600)
    limit = REBASE_AT_EXPONENT / d.rate
    assert not d.needs_rebase(0.0, limit - 1)
    assert d.needs_rebase(0.0, limit + 1)
    assert d.weight(limit, 0.0) < 1e14


def test_explain_says_how_the_score_was_made() -> None:
    d = Decay(3600)
    out = d.explain(2.0, 0.0, 3600.0)
    assert out["half_life_s"] == 3600
    assert out["decayed_views"] == pytest.approx(1.0)
    assert "exp" in str(out["formula"])
    assert d.purge_threshold() == PURGE_BELOW


def test_half_life_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Decay(0)
