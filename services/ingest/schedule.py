"""When to poll a feed again, when a feed has gone quiet, when a dropped file is ready.

Pure: every function takes the time (`now`, tz-aware UTC) and its inputs as values, so the
poller's and drop folder's timing rules are tested with a fixed clock and no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

# A failing feed is retried no less often than hourly (or its own interval, if longer), so it
# recovers within the hour once its server does, without hammering it while it is down.
BACKOFF_CAP_S = 3600.0
# Spreads retries of many feeds that failed together (one outage) apart by up to +/-10%.
JITTER_FRACTION = 0.1
# Names writers use while a file is still being written: never picked up, whatever its age.
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", "~")

QuietChange = Literal["went_quiet", "resumed"]
FileStat = tuple[int, int]  # (size in bytes, mtime in ns)


@dataclass(frozen=True)
class FeedState:
    """What the poller remembers of one feed between polls (and across restarts)."""

    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    first_polled_at: datetime | None = None
    last_new_at: datetime | None = None
    next_poll_at: datetime | None = None
    quiet: bool = False

    def to_fields(self) -> dict[str, str]:
        """A Redis hash; empty strings stand for None so a cleared value is overwritten."""
        return {
            "etag": self.etag or "",
            "last_modified": self.last_modified or "",
            "failures": str(self.failures),
            "first_polled_at": _iso(self.first_polled_at),
            "last_new_at": _iso(self.last_new_at),
            "next_poll_at": _iso(self.next_poll_at),
            "quiet": "1" if self.quiet else "0",
        }

    @classmethod
    def from_fields(cls, fields: Mapping[bytes | str, bytes | str]) -> FeedState:
        get = {_text(k): _text(v) for k, v in fields.items()}.get
        failures = get("failures", "0")
        return cls(
            etag=get("etag") or None,
            last_modified=get("last_modified") or None,
            failures=int(failures) if failures.isdigit() else 0,
            first_polled_at=_time(get("first_polled_at")),
            last_new_at=_time(get("last_new_at")),
            next_poll_at=_time(get("next_poll_at")),
            quiet=get("quiet") == "1",
        )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def poll_delay(
    interval_s: float,
    failures: int,
    *,
    cap_s: float = BACKOFF_CAP_S,
    retry_after_s: float | None = None,
    jitter: float = 0.0,
) -> float:
    """Seconds until the next poll: the interval while healthy, doubling per consecutive
    failure up to the cap. `jitter` is a random draw in [-1, 1] (0 means none); a server's
    Retry-After is honoured when it asks for longer, up to the cap."""
    if failures <= 0:
        return interval_s
    ceiling = max(cap_s, interval_s)
    delay = min(interval_s * 2.0 ** min(failures, 32), ceiling)
    delay *= 1.0 + JITTER_FRACTION * max(-1.0, min(jitter, 1.0))
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, ceiling))
    return delay


def first_delay(state: FeedState, now: datetime) -> float:
    """A restart does not poll a feed earlier than its schedule said (feeds ban the eager)."""
    if state.next_poll_at is None:
        return 0.0
    return max(0.0, (state.next_poll_at - now).total_seconds())


def retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not header:
        return None
    value = header.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def is_quiet(state: FeedState, now: datetime, quiet_after_s: float) -> bool:
    """No new item for `quiet_after_s`, counted from the first poll for a feed that never
    produced one (so a dead feed configured today is reported too)."""
    since = state.last_new_at or state.first_polled_at
    if since is None:
        return False
    return now - since >= timedelta(seconds=quiet_after_s)


def idle_seconds(state: FeedState, now: datetime) -> float:
    since = state.last_new_at or state.first_polled_at
    return max(0.0, (now - since).total_seconds()) if since else 0.0


def after_poll(
    state: FeedState,
    now: datetime,
    *,
    new_items: int,
    failed: bool,
    quiet_after_s: float,
) -> tuple[FeedState, QuietChange | None]:
    """The state after one poll, and whether the feed just went quiet or came back; the
    warning fires once per quiet spell, not on every poll of it."""
    updated = replace(
        state,
        failures=state.failures + 1 if failed else 0,
        first_polled_at=state.first_polled_at or now,
        last_new_at=now if new_items else state.last_new_at,
    )
    quiet = is_quiet(updated, now, quiet_after_s)
    change: QuietChange | None = None
    if quiet and not state.quiet:
        change = "went_quiet"
    elif state.quiet and not quiet:
        change = "resumed"
    return replace(updated, quiet=quiet), change


def is_candidate_name(name: str) -> bool:
    """Dotfiles and partial-download names belong to writers that have not finished."""
    return not name.startswith(".") and not name.lower().endswith(PARTIAL_SUFFIXES)


def stable_files(previous: Mapping[str, FileStat], current: Mapping[str, FileStat]) -> list[str]:
    """Files whose size and mtime did not change between two polls: their writer is done
    (a file renamed in whole is stable at once, so it is taken at the next poll)."""
    return sorted(
        name
        for name, stat in current.items()
        if is_candidate_name(name) and previous.get(name) == stat
    )
