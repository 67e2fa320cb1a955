"""Readiness tells the truth about Redis: a stalled Redis (SIGSTOP) and one that refuses
writes (out of memory under noeviction, while PING still answers) make every service's
`/health/ready` answer 503 with the reason within 1 s, and 200 again once Redis is back."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import httpx
import pytest
import redis

from tests.fault.conftest import FaultRow
from tests.fault.harness import SERVICES, System
from tests.waiting import eventually_sync

pytestmark = pytest.mark.fault

DEADLINE_S = 1.0


def timed_readiness(sut: System, service: str) -> tuple[int, list[str], float]:
    started = time.monotonic()
    resp = httpx.get(sut.url(service, "/health/ready"), timeout=5)
    elapsed = time.monotonic() - started
    return resp.status_code, resp.json().get("reasons", []), elapsed


def all_ready(sut: System) -> bool:
    return all(sut.ready(service) for service in SERVICES)


def test_readiness_is_503_within_a_second_when_redis_stalls_or_refuses_writes(
    system: System, record: Callable[..., FaultRow]
) -> None:
    assert system.redis is not None
    process = system.redis.process
    seen: list[tuple[str, str, int, float]] = []

    process.send_signal(signal.SIGSTOP)
    try:
        for service in SERVICES:
            status, reasons, elapsed = timed_readiness(system, service)
            seen.append(("stalled", service, status, elapsed))
            assert status == 503, (service, reasons)
            assert any("did not answer" in r for r in reasons), reasons
            assert elapsed < DEADLINE_S, (service, elapsed)
    finally:
        process.send_signal(signal.SIGCONT)
    eventually_sync(lambda: all_ready(system), timeout_s=20)

    client = redis.Redis.from_url(system.redis_url)
    used = int(client.info("memory")["used_memory"])
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", str(max(used // 2, 1024)))
    try:
        assert client.ping()  # PING still answers: readiness must not stop there
        for service in SERVICES:
            status, reasons, elapsed = timed_readiness(system, service)
            seen.append(("out of memory", service, status, elapsed))
            assert status == 503, (service, reasons)
            assert any("refuses writes (OutOfMemoryError)" in r for r in reasons), reasons
            assert elapsed < DEADLINE_S, (service, elapsed)
    finally:
        client.config_set("maxmemory", "0")
        client.close()
    eventually_sync(lambda: all_ready(system), timeout_s=20)

    slowest = max(elapsed for *_, elapsed in seen)
    record(
        fault="Redis stalled (SIGSTOP), then out of memory (noeviction): /health/ready",
        tried=len(seen),
        accepted=0,
        lost=0,
        duplicated=0,
        note=f"every service 503 with the reason each time, slowest answer {slowest:.2f} s; "
        "200 again once Redis was back",
    )
