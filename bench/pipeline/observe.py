"""What the bench reads off the running services besides their answers: resident memory
from /proc, the enricher's own per-article time from its log, ranking's view outcomes."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.pipeline.system import System

_VIEWS_METRIC = re.compile(r'^newsdesk_views_total\{outcome="([^"]+)"\} ([0-9.e+]+)$', re.M)


class MemoryWatch:
    """Highest VmRSS seen per process every `interval_s`, and VmHWM (the kernel's own peak)
    read again right before a process is killed, since its peak dies with it."""

    def __init__(self, system: System, interval_s: float = 0.5) -> None:
        self.system = system
        self.interval_s = interval_s
        self.peak: dict[str, dict[str, int]] = {}
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> dict[str, dict[str, int]]:
        now = self.system.memory()
        for name, values in now.items():
            peak = self.peak.setdefault(name, {})
            for key, value in values.items():
                peak[key] = max(peak.get(key, 0), value)
        return now

    async def _loop(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


def enricher_durations(log: Path, ids: list[str]) -> list[float]:
    """What each article cost the enricher: its batch's logged `busy_ms` (drafting, placing
    and publishing, without the wait in the stream or for the batch before it; older logs:
    `duration_ms`) over the batch's size, in the order of `ids`; articles it did not log are
    left out."""
    wanted = set(ids)
    found: dict[str, float] = {}
    with log.open("rb") as lines:
        for line in lines:
            if b'"article.enriched"' not in line:
                continue
            doc = orjson.loads(line)
            spent = doc.get("busy_ms", doc.get("duration_ms"))
            if doc.get("article_id") in wanted and spent is not None:
                share = float(spent) / max(1, int(doc.get("batch") or 1))
                found.setdefault(doc["article_id"], share)
    return [found[i] for i in ids if i in found]


async def views_outcomes(metrics_url: str) -> dict[str, float]:
    """Ranking's count of views by outcome (counted, unknown_article, ...) from /metrics."""
    async with httpx.AsyncClient(timeout=10) as http:
        text = (await http.get(metrics_url)).text
    return {outcome: float(value) for outcome, value in _VIEWS_METRIC.findall(text)}


async def command_stats(client: Any) -> dict[str, tuple[int, int]]:
    """Redis's own count and CPU microseconds per command so far (INFO commandstats); a
    script's commands are counted both on their own and inside its EVALSHA."""
    stats = await client.info("commandstats")
    return {name.removeprefix("cmdstat_"): (v["calls"], v["usec"]) for name, v in stats.items()}


async def redis_forks(client: Any) -> dict[str, int]:
    """Forks Redis made so far (AOF rewrites: the bench's Redis logs every write, as a
    production one does) and how long the last one blocked it. A rewrite's child takes a
    core's worth of CPU for a fraction of a second, which 2 cores shared with every service
    feel: a paced phase's worst latencies often sit on one."""
    stats = await client.info("stats")
    return {
        "forks": int(stats.get("total_forks", 0)),
        "fork_usec": int(stats.get("latest_fork_usec", 0)),
    }


async def rewrite_windows(
    client: Any, stop: asyncio.Event, every_s: float = 0.05
) -> list[tuple[float, float]]:
    """When Redis was rewriting its AOF (wall-clock start and end), polled from INFO
    persistence until `stop` is set: the paced phase splits its latencies by them."""
    windows: list[tuple[float, float]] = []
    started: float | None = None
    while True:
        now = time.time()
        busy = bool(int((await client.info("persistence")).get("aof_rewrite_in_progress", 0)))
        if busy and started is None:
            started = now
        elif not busy and started is not None:
            windows.append((started, now))
            started = None
        if stop.is_set():
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)
    if started is not None:
        windows.append((started, time.time()))
    return windows


def redis_per_article(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]], count: int, top: int = 8
) -> list[dict[str, Any]]:
    """The commands Redis spent most CPU on, per article of the phase."""
    rows: list[dict[str, Any]] = []
    for name, (calls, usec) in after.items():
        was_calls, was_usec = before.get(name, (0, 0))
        if usec > was_usec and count:
            rows.append(
                {
                    "command": name,
                    "calls": (calls - was_calls) / count,
                    "usec": (usec - was_usec) / count,
                }
            )
    return sorted(rows, key=lambda row: -row["usec"])[:top]
