"""Time buckets and the windows built from them: ids, calendar days in the site's zone, TTLs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MINUTE_S = 60
HOUR_S = 3600
DAY_S = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# A local day starts at most 14 h before and 12 h after the UTC day of the same number, so a
# day bucket's expiry is computed in UTC and padded by one day instead of asking the zone.
DAY_ZONE_SLACK_S = DAY_S


class Level(StrEnum):
    """Bucket granularities; each one is a key family `<level>:<bucket id>`."""

    MINUTE = "m"
    HOUR = "h"
    DAY = "d"


@dataclass(frozen=True, slots=True)
class Rolling:
    """A rolling window kept as a running sum of its level's last `span` buckets."""

    name: str
    level: Level
    span: int
    bucket_s: int
    grace_s: int

    def expire_at(self, bucket: int) -> int:
        """When a bucket may go: after it left this window, plus grace for a late roll."""
        return (bucket + 1 + self.span) * self.bucket_s + self.grace_s


# 1h is exact to the minute, 24h to the hour, 7d to the local day (today and 6 before): the
# coarser the window, the fewer buckets a reader's list and Redis memory depend on.
ROLLING: dict[str, Rolling] = {
    "1h": Rolling("1h", Level.MINUTE, 60, MINUTE_S, 2 * MINUTE_S),
    "24h": Rolling("24h", Level.HOUR, 24, HOUR_S, 10 * MINUTE_S),
    "7d": Rolling("7d", Level.DAY, 7, DAY_S, DAY_ZONE_SLACK_S),
}
CALENDAR = ("today", "yesterday", "week")
WEEK = "w"
ALL_TIME = "all"
WINDOWS: tuple[str, ...] = (*ROLLING, *CALENDAR, ALL_TIME)
ROLLING_BY_LEVEL: dict[Level, Rolling] = {w.level: w for w in ROLLING.values()}


class UnknownWindowError(ValueError):
    """A window name no list is kept for."""


@dataclass(frozen=True, slots=True)
class Now:
    """The current bucket of every level, so one clock reading names every key alike."""

    ts: float
    minute: int
    hour: int
    day: int

    def bucket(self, level: Level) -> int:
        return {Level.MINUTE: self.minute, Level.HOUR: self.hour, Level.DAY: self.day}[level]

    def script_args(self) -> list[float | int]:
        """now_ts, now_minute, now_hour, now_day: the clock as every ranking script takes it."""
        return [self.ts, self.minute, self.hour, self.day]


def validate_window(window: str) -> str:
    if window not in WINDOWS:
        raise UnknownWindowError(f"window must be one of {', '.join(WINDOWS)}; got {window!r}")
    return window


def minute_of(ts: float) -> int:
    return int(ts // MINUTE_S)


def hour_of_minute(minute: int) -> int:
    return minute // 60


def day_number(local_date: date) -> int:
    """Days since 1970-01-01 of a local calendar date: day bucket ids sort and subtract."""
    return local_date.toordinal() - _EPOCH_ORDINAL


def date_of_day(day: int) -> date:
    return date.fromordinal(day + _EPOCH_ORDINAL)


class DayClock:
    """Local calendar day of a minute in one zone; cached because every view asks."""

    __slots__ = ("_cache", "zone")

    def __init__(self, zone: str | ZoneInfo) -> None:
        self.zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
        self._cache: dict[int, int] = {}

    def day_of_minute(self, minute: int) -> int:
        day = self._cache.get(minute)
        if day is None:
            if len(self._cache) > 100_000:
                self._cache.clear()
            local = datetime.fromtimestamp(minute * MINUTE_S, self.zone)
            day = self._cache[minute] = day_number(local.date())
        return day

    def now(self, when: datetime) -> Now:
        ts = when.timestamp()
        minute = minute_of(ts)
        return Now(ts, minute, hour_of_minute(minute), self.day_of_minute(minute))

    def day_bounds(self, day: int) -> tuple[datetime, datetime]:
        """UTC start and end of a local day; 23 or 25 hours long across a DST change."""
        local = date_of_day(day)
        start = datetime(local.year, local.month, local.day, tzinfo=self.zone)
        nxt = local + timedelta(days=1)
        end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=self.zone)
        return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


# 1970-01-01, day 0, was a Thursday: three days after a Monday.
WEEK_EPOCH_SHIFT = 3
# A week bucket lists views until that week is over in every zone: its seven days, one day
# of zone slack and one of grace.
WEEK_KEEP_DAYS = 9


def week_of(day: int) -> int:
    """The Monday (its day number) of a day's week."""
    return day - (day + WEEK_EPOCH_SHIFT) % 7


def calendar_bucket(window: str, today: int) -> tuple[str, int]:
    """The one bucket a calendar window reads: a day bucket, or this week's running bucket
    (a union of up to seven day buckets costs ~300 ms per refresh at 100k articles)."""
    if window == "today":
        return Level.DAY, today
    if window == "yesterday":
        return Level.DAY, today - 1
    if window == "week":
        return WEEK, week_of(today)
    raise UnknownWindowError(f"{window!r} is not a calendar window")


def rolling_buckets(window: str, now: Now) -> range:
    """Bucket ids a rolling window covers at `now` (the current one and span-1 before)."""
    spec = ROLLING[window]
    current = now.bucket(spec.level)
    return range(current - spec.span + 1, current + 1)


def live_buckets(level: Level, now: Now) -> range:
    """Every bucket of a level that may still exist (a kill scrubs them all)."""
    spec = ROLLING_BY_LEVEL[level]
    current = now.bucket(level)
    reach = spec.span + math.ceil(spec.grace_s / spec.bucket_s) + 2
    return range(current - reach, current + 1)


def clamp_ts(ts: float, now_ts: float) -> float:
    """A view from the future (a skewed client clock) is counted as happening now."""
    return now_ts if ts > now_ts else ts


def longest_ttl_s() -> int:
    """The longest any bucket lives past its own end: what bounds bucket memory."""
    return max(w.span * w.bucket_s + w.grace_s for w in ROLLING.values()) + DAY_S
