"""SIGKILL Redis (AOF, appendfsync always) under load and start it again: every article that
got a 202 survives, services report 503 while Redis is away and recover without a restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.fault.conftest import FaultRow
from tests.fault.harness import SERVICES, System
from tests.fault.test_fault_kill_services import article, drained, enriched_ids
from tests.waiting import eventually_sync

pytestmark = pytest.mark.fault

KILLS = 3


class Poster:
    """Posts articles without retries: a 202 is a promise, anything else is not."""

    def __init__(self, sut: System) -> None:
        self.sut = sut
        self.accepted: set[str] = set()
        self.refused: list[int] = []
        self.stop = threading.Event()
        self.n = 0

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.sut.api_key}"}
        with httpx.Client(timeout=10) as http:
            while not self.stop.is_set():
                self.n += 1
                try:
                    resp = http.post(
                        self.sut.url("ingest", "/v1/articles"),
                        json=article(self.n),
                        headers=headers,
                    )
                except httpx.HTTPError:
                    continue
                if resp.status_code == 202:
                    self.accepted.update(r["id"] for r in resp.json()["results"])
                else:
                    self.refused.append(resp.status_code)
                time.sleep(0.005)


def readiness(sut: System, service: str) -> tuple[int, Any]:
    resp = httpx.get(sut.url(service, "/health/ready"), timeout=5)
    return resp.status_code, resp.json()


def test_sigkill_redis_loses_nothing_accepted(
    system: System, record: Callable[..., FaultRow]
) -> None:
    poster = Poster(system)
    thread = threading.Thread(target=poster.run)
    thread.start()
    outage_checks: list[tuple[int, Any]] = []
    for _ in range(KILLS):
        eventually_sync(lambda: len(poster.accepted) > 20, timeout_s=30)
        system.kill_redis()
        time.sleep(1.0)
        outage_checks += [readiness(system, s) for s in SERVICES]
        direct = httpx.post(
            system.url("ingest", "/v1/articles"),
            json=article(10_000),
            headers={"Authorization": f"Bearer {system.api_key}"},
            timeout=10,
        )
        outage_checks.append((direct.status_code, direct.json()))
        system.start_redis()
        system.wait_ready(timeout_s=60)  # the same processes: none was restarted
    eventually_sync(lambda: len(poster.accepted) > 40 * KILLS, timeout_s=60)
    poster.stop.set()
    thread.join(timeout=30)
    eventually_sync(lambda: drained(system), timeout_s=120, interval_s=0.5)

    seen = enriched_ids(system)
    lost = [a for a in poster.accepted if seen[a] == 0]
    duplicated = [a for a, count in seen.items() if count > 1]
    restarted = [s for s, p in system.procs.items() if p.poll() is not None]
    record(
        fault="SIGKILL Redis (AOF appendfsync always) under load, then start it",
        tried=KILLS,
        accepted=len(poster.accepted),
        lost=len(lost),
        duplicated=len(duplicated),
        note=f"{len(poster.refused)} posts refused with 503 during outages; no service restarted",
    )
    assert not restarted
    # While Redis was away every readiness check and every write said 503, never 202.
    assert [code for code, _ in outage_checks] == [503] * (4 * KILLS)
    readiness_bodies = [body for n, (_, body) in enumerate(outage_checks) if n % 4 != 3]
    assert all("redis" in str(body["reasons"]).lower() for body in readiness_bodies)
    assert set(poster.refused) <= {503}
    assert not lost
    assert not duplicated
