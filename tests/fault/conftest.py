"""The fault suite writes what it tried and what survived to build/reliability/RELIABILITY.md.

A run never rewrites the tracked docs/RELIABILITY.md: that page is this report copied from
a run someone chose to publish (its header says which).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.fault.harness import System

REPORT = Path(__file__).resolve().parents[2] / "build" / "reliability" / "RELIABILITY.md"


@dataclass
class FaultRow:
    fault: str
    tried: int
    accepted: int
    lost: int
    duplicated: int
    note: str = ""


ROWS: list[FaultRow] = []


@pytest.fixture
def record() -> Callable[..., FaultRow]:
    """`record(fault=..., tried=..., ...)` adds a row to the report."""

    def add(**fields: Any) -> FaultRow:
        row = FaultRow(**fields)
        ROWS.append(row)
        return row

    return add


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    sut = System(root=tmp_path)
    try:
        sut.up()
        yield sut
    finally:
        sut.down()


CLUSTER_ENV = {
    "NEWSDESK_REDIS_CLUSTER": "true",
    "NEWSDESK_SHARDS": "3",
    "NEWSDESK_WRITE_REPLICAS": "1",
    "NEWSDESK_WRITE_WAIT_MS": "500",
}


@pytest.fixture(params=["one Redis", "Redis Cluster"])
def any_system(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[System]:
    """The system on its own redis-server, then on the session's Redis Cluster (3 shards,
    each 202 after a replica has it): a fault test using it holds on both."""
    if request.param == "one Redis":
        sut = System(root=tmp_path)
    else:
        cluster = request.getfixturevalue("cluster")
        sut = System(root=tmp_path, external_url=cluster.url, extra_env=CLUSTER_ENV)
    try:
        sut.up()
        yield sut
    finally:
        sut.down()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not ROWS:
        return
    lines = [
        "# Reliability: what the fault suite tried",
        "",
        "Written by `tests/fault/` to build/reliability/RELIABILITY.md on every run (`./dev",
        "test`) and copied here from the run below; the guarantees are in the README.",
        "Run: " + datetime.now(UTC).isoformat(timespec="seconds"),
        "",
        "| fault | times tried | accepted | lost | duplicated | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r.fault} | {r.tried} | {r.accepted} | {r.lost} | {r.duplicated} | {r.note} |"
        for r in ROWS
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")
