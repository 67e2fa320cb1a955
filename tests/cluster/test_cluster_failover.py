"""SIGKILL a master of the cluster while views flow through ingest to ranking: its replica
takes over, and every view ingest accepted (202, after a replica had it) is counted
exactly once. The cluster is this test's own: it ends with one node dead."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from redis.cluster import RedisCluster

from newsdesk.redis_cluster import LocalCluster, start_cluster, wait_ready
from services.ingest.client import IngestClient
from tests.cluster.test_cluster_flow import cluster_env, story
from tests.fault.conftest import FaultRow
from tests.fault.conftest import record as record  # the fault report's fixture
from tests.fault.harness import System
from tests.waiting import eventually_sync

pytestmark = [pytest.mark.cluster, pytest.mark.fault]

ARTICLES = 30
BATCHES = 120
BATCH = 100


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    local = start_cluster(tmp_path / "cluster", masters=3, replicas=1, fsync="always")
    try:
        yield local
    finally:
        local.stop()


class Feeder:
    """Posts batches of views with the producer client (it retries 503s and lost answers
    with the same Idempotency-Key), counting what ingest accepted."""

    def __init__(self, system: System, ids: list[str]) -> None:
        self.client = IngestClient(
            system.url("ingest", ""), api_key=system.api_key, retries=60, backoff_s=0.1
        )
        self.ids = ids
        self.accepted: Counter[str] = Counter()
        self.batches = 0
        self.errors: list[str] = []

    def run(self) -> None:
        rng = random.Random(5)
        for b in range(BATCHES):
            chosen = rng.choices(self.ids, k=BATCH)
            views = [{"article_id": a, "reader_id": f"r{b}-{k}"} for k, a in enumerate(chosen)]
            try:
                self.client.send_views(views)
            except Exception as exc:  # given up: these views were never promised
                self.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            self.accepted.update(chosen)
            self.batches += 1
            time.sleep(0.05)
        self.client.close()


def test_a_master_killed_under_load_loses_and_doubles_nothing_accepted(
    own_cluster: LocalCluster, tmp_path: Path, record: Callable[..., FaultRow]
) -> None:
    system = System(root=tmp_path, external_url=own_cluster.url, extra_env=cluster_env())
    system.up()
    try:
        client = IngestClient(system.url("ingest", ""), api_key=system.api_key)
        ids = [r["id"] for r in client.publish_many([story(n) for n in range(ARTICLES)])]
        client.close()
        feeder = Feeder(system, ids)
        thread = threading.Thread(target=feeder.run)
        thread.start()
        eventually_sync(lambda: feeder.batches >= BATCHES // 3, timeout_s=60)
        victim = master_of(own_cluster, system.keys.shard(0).views)
        own_cluster.node(victim).kill()
        killed_at = time.monotonic()
        eventually_sync(lambda: victim not in own_cluster.masters(), timeout_s=30)
        failover_s = time.monotonic() - killed_at
        # The promoted replica has no replica of its own: writes to its shard wait (503,
        # retried by the client) until the old master is back, as its replica.
        own_cluster.restart(victim, fsync="always")
        wait_ready(own_cluster, replicas=1)
        thread.join(timeout=300)
        with httpx.Client(timeout=5) as http:
            got = eventually_sync(
                lambda: counts_if_settled(http, system, ids, feeder.accepted),
                timeout_s=120,
                interval_s=1,
            )
            time.sleep(2)  # a late double count would show now
            again = {a: views(http, system, a) for a in ids}
    finally:
        system.down()
    sent = sum(feeder.accepted.values())
    lost = sum(max(feeder.accepted[a] - again[a], 0) for a in ids)
    doubled = sum(max(again[a] - feeder.accepted[a], 0) for a in ids)
    record(
        fault="SIGKILL a Redis Cluster master (3 masters + 3 replicas, 3 shards) while views "
        "flow through ingest (WAIT 1 replica) to ranking",
        tried=1,
        accepted=sent,
        lost=lost,
        duplicated=doubled,
        note=f"replica took over in {failover_s:.1f} s; {len(feeder.errors)} batches given up "
        f"by the client (not accepted)",
    )
    assert got == again
    assert (lost, doubled) == (0, 0)


def master_of(cluster: LocalCluster, key: str) -> int:
    rc = RedisCluster(host="127.0.0.1", port=cluster.alive()[0].port)
    try:
        return int(rc.get_node_from_key(key).port)
    finally:
        rc.close()


def views(http: httpx.Client, system: System, article_id: str) -> int:
    resp = http.get(system.url("ranking", f"/v1/articles/{article_id}"))
    return int(resp.json()["views"]) if resp.status_code == 200 else -1


def counts_if_settled(
    http: httpx.Client, system: System, ids: list[str], accepted: Counter[str]
) -> dict[str, int] | None:
    got = {a: views(http, system, a) for a in ids}
    return got if all(got[a] >= accepted[a] for a in ids) else None
