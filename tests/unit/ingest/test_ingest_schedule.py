"""Poll timing, backoff, quiet detection and drop-file readiness, with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.ingest.schedule import (
    FeedState,
    after_poll,
    first_delay,
    idle_seconds,
    is_candidate_name,
    is_quiet,
    poll_delay,
    retry_after_seconds,
    stable_files,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOUR = 3600.0


@pytest.mark.parametrize(
    ("interval", "failures", "cap", "expected"),
    [
        (300.0, 0, HOUR, 300.0),
        (300.0, 1, HOUR, 600.0),
        (300.0, 2, HOUR, 1200.0),
        (300.0, 3, HOUR, 2400.0),
        (300.0, 4, HOUR, HOUR),
        (300.0, 500, HOUR, HOUR),
        (7200.0, 1, HOUR, 7200.0),  # a feed polled less often than the cap keeps its interval
        (0.1, 3, 1.0, 0.8),
        (0.1, 5, 1.0, 1.0),
    ],
)
def test_backoff_doubles_per_failure_up_to_the_cap(
    interval: float, failures: int, cap: float, expected: float
) -> None:
    assert poll_delay(interval, failures, cap_s=cap) == pytest.approx(expected)


@pytest.mark.parametrize(("draw", "factor"), [(-1.0, 0.9), (0.0, 1.0), (1.0, 1.1), (5.0, 1.1)])
def test_jitter_spreads_retries_by_ten_percent(draw: float, factor: float) -> None:
    assert poll_delay(100.0, 1, jitter=draw) == pytest.approx(200.0 * factor)
    assert poll_delay(100.0, 0, jitter=draw) == 100.0  # a healthy feed keeps its interval


@pytest.mark.parametrize(
    ("retry_after", "expected"), [(30.0, 200.0), (900.0, 900.0), (99_999.0, HOUR)]
)
def test_retry_after_is_honoured_up_to_the_cap(retry_after: float, expected: float) -> None:
    assert poll_delay(100.0, 1, retry_after_s=retry_after) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        ("Wed, 01 May 2024 12:05:00 GMT", 300.0),
        ("Wed, 01 May 2024 11:00:00 GMT", 0.0),
        ("soon", None),
    ],
)
def test_retry_after_header(header: str | None, expected: float | None) -> None:
    assert retry_after_seconds(header, T0) == expected


def test_first_delay_keeps_the_schedule_across_restarts() -> None:
    assert first_delay(FeedState(), T0) == 0.0
    assert first_delay(FeedState(next_poll_at=T0 + timedelta(seconds=90)), T0) == 90.0
    assert first_delay(FeedState(next_poll_at=T0 - timedelta(seconds=90)), T0) == 0.0


def test_quiet_counts_from_the_last_new_item_or_the_first_poll() -> None:
    quiet_after = 6 * HOUR
    assert not is_quiet(FeedState(), T0, quiet_after)
    never_new = FeedState(first_polled_at=T0 - timedelta(hours=7))
    assert is_quiet(never_new, T0, quiet_after)
    recent = FeedState(first_polled_at=T0 - timedelta(days=9), last_new_at=T0 - timedelta(hours=5))
    assert not is_quiet(recent, T0, quiet_after)
    assert idle_seconds(recent, T0) == 5 * HOUR
    assert is_quiet(recent, T0 + timedelta(hours=1), quiet_after)


def test_quiet_warning_fires_once_per_spell_and_clears_on_a_new_item() -> None:
    quiet_after = 60.0
    state, change = after_poll(
        FeedState(), T0, new_items=3, failed=False, quiet_after_s=quiet_after
    )
    assert (state.first_polled_at, state.last_new_at, change) == (T0, T0, None)
    changes = []
    for minutes in (0.5, 1.0, 2.0, 3.0):
        now = T0 + timedelta(minutes=minutes)
        state, change = after_poll(state, now, new_items=0, failed=False, quiet_after_s=quiet_after)
        changes.append(change)
    assert changes == [None, "went_quiet", None, None]
    assert state.quiet
    later = T0 + timedelta(minutes=4)
    state, change = after_poll(state, later, new_items=1, failed=False, quiet_after_s=quiet_after)
    assert (change, state.quiet, state.last_new_at) == ("resumed", False, later)


def test_failures_count_up_and_reset_on_success() -> None:
    state = FeedState()
    for expected in (1, 2, 3):
        state, _ = after_poll(state, T0, new_items=0, failed=True, quiet_after_s=HOUR)
        assert state.failures == expected
    state, _ = after_poll(state, T0, new_items=0, failed=False, quiet_after_s=HOUR)
    assert state.failures == 0


def test_feed_state_round_trips_through_redis_fields() -> None:
    state = FeedState(
        etag='W/"abc"',
        last_modified="Wed, 01 May 2024 12:00:00 GMT",
        failures=2,
        first_polled_at=T0,
        last_new_at=T0 + timedelta(minutes=1),
        next_poll_at=T0 + timedelta(minutes=5),
        quiet=True,
    )
    fields = {k.encode(): v.encode() for k, v in state.to_fields().items()}
    assert FeedState.from_fields(fields) == state
    assert FeedState.from_fields({}) == FeedState()
    assert FeedState.from_fields({b"failures": b"x", b"last_new_at": b"bad"}) == FeedState()


@pytest.mark.parametrize(
    ("name", "taken"),
    [
        ("story.xml", True),
        ("story", True),
        (".story.xml", False),
        (".DS_Store", False),
        ("story.xml.part", False),
        ("story.XML.TMP", False),
        ("story.xml.crdownload", False),
        ("story.xml~", False),
    ],
)
def test_dotfiles_and_partial_names_are_never_taken(name: str, taken: bool) -> None:
    assert is_candidate_name(name) is taken


def test_a_file_is_ready_when_unchanged_across_two_polls() -> None:
    first = {"a.xml": (10, 1), "b.xml": (5, 1), ".hidden": (3, 1)}
    assert stable_files({}, first) == []
    second = {"a.xml": (10, 1), "b.xml": (9, 2), ".hidden": (3, 1), "c.xml": (1, 1)}
    assert stable_files(first, second) == ["a.xml"]
    third = {"b.xml": (9, 2), "c.xml": (1, 1)}
    assert stable_files(second, third) == ["b.xml", "c.xml"]
