"""Percentiles and rates over arrival times, as every table line of the pipeline bench uses."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

QUANTILES = (50, 95, 99)


def percentiles(values: Sequence[float], points: Sequence[int] = QUANTILES) -> dict[str, float]:
    """p50/p95/p99 (inclusive method: never beyond the largest sample) and max; {} if empty."""
    if not values:
        return {}
    if len(values) == 1:
        cuts = [float(values[0])] * 99
    else:
        cuts = statistics.quantiles(values, n=100, method="inclusive")
    out = {f"p{p}": cuts[p - 1] for p in points}
    out["max"] = float(max(values))
    return out


def rate(count: int, seconds: float) -> float | None:
    """Items per second, or None when nothing could be timed."""
    return count / seconds if count and seconds > 0 else None


def window_rate(times: Sequence[float], first: int, last: int) -> float | None:
    """Items per second between arrivals `first` and `last` (indices into sorted `times`):
    `last - first` intervals, so a batch landing within one clock tick is not a zero."""
    if last <= first or last >= len(times):
        return None
    return rate(last - first, times[last] - times[first])


def edge_size(count: int, size: int) -> int:
    """The 'first/last N' window, halved for small runs so first and last never overlap."""
    return min(size, count // 2)


def edges(values: Sequence[float], size: int) -> tuple[Sequence[float], Sequence[float]]:
    size = edge_size(len(values), size)
    return values[:size], values[len(values) - size :]


def edge_rates(times: Sequence[float], size: int) -> tuple[float | None, float | None]:
    """Rate over the first `size` arrivals and over the last `size`."""
    ordered = sorted(times)
    n = len(ordered)
    size = edge_size(n, size)
    if size < 2:
        return None, None
    return window_rate(ordered, 0, size - 1), window_rate(ordered, n - size, n - 1)


def decile_rates(times: Sequence[float]) -> list[float | None]:
    """Rate within each tenth of the arrivals, in order: how the cost per item moves."""
    ordered = sorted(times)
    n = len(ordered)
    if n < 20:
        return []
    bounds = [round(n * k / 10) for k in range(11)]
    return [window_rate(ordered, bounds[k], bounds[k + 1] - 1) for k in range(10)]


def median_or_none(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def split_by_windows(
    at: dict[str, float],
    values: dict[str, float],
    windows: Sequence[tuple[float, float]],
    after_s: float,
) -> tuple[list[float], list[float]]:
    """`values` of the items whose time `at` falls inside a window or within `after_s` of its
    end (the backlog it left takes that long to drain), and of the others."""
    near: list[float] = []
    away: list[float] = []
    for item, value in values.items():
        when = at[item]
        hit = any(start <= when <= end + after_s for start, end in windows)
        (near if hit else away).append(value)
    return near, away
