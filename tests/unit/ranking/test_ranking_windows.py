"""Buckets and windows as pure functions with a fixed clock, in zones with and without DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.ranking.domain import windows as win


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_minute_and_hour_ids_are_unix_based() -> None:
    ts = at("2024-06-01T12:34:56Z").timestamp()
    minute = win.minute_of(ts)
    assert minute * 60 <= ts < (minute + 1) * 60
    assert win.hour_of_minute(minute) == int(ts // 3600)


@pytest.mark.parametrize(
    ("zone", "instant", "local_day"),
    [
        ("Asia/Tokyo", "2024-06-01T14:59:00Z", date(2024, 6, 1)),
        ("Asia/Tokyo", "2024-06-01T15:00:00Z", date(2024, 6, 2)),
        ("Asia/Kolkata", "2024-06-01T18:29:00Z", date(2024, 6, 1)),
        ("Asia/Kolkata", "2024-06-01T18:30:00Z", date(2024, 6, 2)),
        ("UTC", "2024-06-01T23:59:00Z", date(2024, 6, 1)),
        ("America/New_York", "2024-03-10T04:59:00Z", date(2024, 3, 9)),
        ("America/New_York", "2024-03-10T05:00:00Z", date(2024, 3, 10)),
    ],
)
def test_day_of_minute_follows_the_site_zone(zone: str, instant: str, local_day: date) -> None:
    clock = win.DayClock(zone)
    minute = win.minute_of(at(instant).timestamp())
    assert win.date_of_day(clock.day_of_minute(minute)) == local_day


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Asia/Tokyo", date(2024, 3, 31), 24),  # no DST: every day is 24 h
        ("Europe/London", date(2024, 3, 31), 23),  # clocks go forward
        ("Europe/London", date(2024, 10, 27), 25),  # clocks go back
        ("America/New_York", date(2024, 3, 10), 23),
    ],
)
def test_day_bounds_are_23_24_or_25_hours(zone: str, day: date, hours: int) -> None:
    start, end = win.DayClock(zone).day_bounds(win.day_number(day))
    assert end - start == timedelta(hours=hours)


def test_day_bounds_in_a_half_hour_zone() -> None:
    start, _ = win.DayClock("Asia/Kolkata").day_bounds(win.day_number(date(2024, 6, 2)))
    assert start == at("2024-06-01T18:30:00Z")


def test_calendar_windows_are_local_days() -> None:
    clock = win.DayClock("Asia/Tokyo")
    now = clock.now(at("2024-06-05T16:00:00Z"))  # Thursday 01:00 in Tokyo
    assert win.date_of_day(now.day) == date(2024, 6, 6)
    assert win.calendar_bucket("today", now.day) == ("d", now.day)
    assert win.calendar_bucket("yesterday", now.day) == ("d", now.day - 1)
    level, week = win.calendar_bucket("week", now.day)
    assert level == "w"
    assert win.date_of_day(week) == date(2024, 6, 3)  # the local week's Monday
    with pytest.raises(win.UnknownWindowError):
        win.calendar_bucket("month", now.day)


@pytest.mark.parametrize("day", [date(2024, 6, 3), date(2024, 6, 6), date(2024, 6, 9)])
def test_a_week_is_named_by_its_monday(day: date) -> None:
    assert win.date_of_day(win.week_of(win.day_number(day))) == date(2024, 6, 3)


@pytest.mark.parametrize(("window", "span"), [("1h", 60), ("24h", 24), ("7d", 7)])
def test_rolling_windows_cover_the_current_bucket_and_span_minus_one(
    window: str, span: int
) -> None:
    now = win.DayClock("UTC").now(at("2024-06-01T12:34:56Z"))
    buckets = win.rolling_buckets(window, now)
    assert len(buckets) == span
    current = {"1h": now.minute, "24h": now.hour, "7d": now.day}[window]
    assert buckets[-1] == current


@pytest.mark.parametrize("window", ["1h", "24h", "7d"])
def test_a_bucket_outlives_every_window_it_serves(window: str) -> None:
    spec = win.ROLLING[window]
    bucket = 1000
    last_needed = (bucket + spec.span) * spec.bucket_s  # when it leaves the window
    assert spec.expire_at(bucket) > last_needed
    assert spec.expire_at(bucket) - (bucket + 1) * spec.bucket_s <= win.longest_ttl_s()


def test_day_buckets_cover_a_whole_week_in_any_zone() -> None:
    spec = win.ROLLING["7d"]
    clock = win.DayClock("Pacific/Kiritimati")  # UTC+14, the earliest zone
    now = clock.now(at("2024-06-09T09:00:00Z"))  # Sunday evening there
    monday = win.week_of(now.day)
    assert spec.expire_at(monday) > now.ts


def test_live_buckets_reach_past_the_window() -> None:
    now = win.DayClock("UTC").now(at("2024-06-01T12:00:00Z"))
    live = win.live_buckets(win.Level.MINUTE, now)
    assert live[-1] == now.minute
    assert len(live) > 60


def test_future_timestamps_are_clamped_and_late_ones_kept() -> None:
    assert win.clamp_ts(200.0, 100.0) == 100.0
    assert win.clamp_ts(50.0, 100.0) == 50.0


def test_unknown_window_is_refused() -> None:
    with pytest.raises(win.UnknownWindowError):
        win.validate_window("2h")
    assert set(win.WINDOWS) == {"1h", "24h", "7d", "today", "yesterday", "week", "all"}
