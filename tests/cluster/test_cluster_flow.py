"""The whole system on a real Redis Cluster (3 masters, 3 replicas), sharded in three:
articles in, tagged, ranked; views counted exactly; a kill leaving every list; each shard's
keys on its own master."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from redis.cluster import RedisCluster

from newsdesk.redis_cluster import LocalCluster
from services.ingest.client import IngestClient
from shared.keys import shard_of
from shared.models import article_id
from tests.fault.conftest import CLUSTER_ENV
from tests.fault.harness import System
from tests.waiting import eventually_sync

pytestmark = pytest.mark.cluster

SHARDS = 3


def cluster_env() -> dict[str, str]:
    return dict(CLUSTER_ENV)


@pytest.fixture
def system(cluster: LocalCluster, tmp_path: Path) -> Iterator[System]:
    sut = System(root=tmp_path, external_url=cluster.url, extra_env=cluster_env())
    try:
        sut.up()
        yield sut
    finally:
        sut.down()


def story(n: int, **extra: object) -> dict[str, object]:
    return {
        "guid": f"urn:cluster:{n}",
        "headline": f"Election result {n} announced in {('Tokyo', 'Seoul', 'Berlin')[n % 3]}",
        "section": ("World", "Business")[n % 2],
        "body_text": f"TOKYO — Story {n}: " + " ".join(f"word{n}x{k}" for k in range(80)),
        **extra,
    }


def ranked(http: httpx.Client, system: System, article_id: str) -> dict[str, object] | None:
    resp = http.get(system.url("ranking", f"/v1/articles/{article_id}"))
    return resp.json() if resp.status_code == 200 else None


def test_articles_views_and_a_kill_flow_through_a_sharded_cluster(
    system: System, cluster: LocalCluster
) -> None:
    client = IngestClient(system.url("ingest", ""), api_key=system.api_key)
    results = client.publish_many([story(n) for n in range(12)])
    ids = [r["id"] for r in results]
    assert [r["status"] for r in results] == ["accepted"] * 12
    views = {aid: 5 + 3 * n for n, aid in enumerate(ids)}
    sent = [
        {"article_id": aid, "event_id": f"{aid}-{k}", "reader_id": f"r{k}"}
        for aid, count in views.items()
        for k in range(count)
    ]
    assert client.send_views(sent) == len(sent)  # right after the 202s: some are held

    with httpx.Client(timeout=5) as http:
        stats = eventually_sync(
            lambda: (
                all((s := ranked(http, system, a)) and s["views"] == views[a] for a in ids)
                and [ranked(http, system, a) for a in ids]
            ),
            timeout_s=60,
            interval_s=0.5,
        )
        assert all(s and s["language"] == "en" and s["dateline"] == "TOKYO" for s in stats)
        top = http.get(system.url("ranking", "/v1/ranking?limit=20&versions=all")).json()
        assert [i["id"] for i in top["items"]] == sorted(ids, key=lambda a: -views[a])

        loser = ids[-1]  # the most read, then killed
        client.publish(story(11, version=2, pubstatus="canceled"))
        eventually_sync(lambda: ranked(http, system, loser) is None, timeout_s=30)

        def gone_everywhere() -> bool:
            for path in ("/v1/ranking?limit=20", "/v1/popular?section=business&limit=20"):
                for window in ("1h", "24h", "all"):
                    items = http.get(system.url("ranking", f"{path}&window={window}")).json()
                    if loser in [i["id"] for i in items["items"]]:
                        return False
            return True

        eventually_sync(gone_everywhere, timeout_s=10)
    client.close()
    assert_shards_on_distinct_masters(system, cluster)


def assert_shards_on_distinct_masters(system: System, cluster: LocalCluster) -> None:
    """Each shard's hash tag lives on one master, and the three shards are not all on the
    same one: the cluster spreads the work."""
    rc = RedisCluster(host="127.0.0.1", port=cluster.alive()[0].port)
    try:
        owners = set()
        for shard in system.keys.all_shards():
            node = rc.get_node_from_key(shard.views)
            owners.add(node.name)
            assert rc.exists(shard.views), shard.views
        assert len(owners) >= 2, owners
    finally:
        rc.close()


def test_a_202_means_a_replica_has_the_write(system: System, cluster: LocalCluster) -> None:
    """With NEWSDESK_WRITE_REPLICAS=1, ingest answers only after WAIT: the article's entry
    is on the replica of its shard's master the moment the 202 arrives."""
    client = IngestClient(system.url("ingest", ""), api_key=system.api_key)
    (result,) = client.publish(story(100))
    client.close()
    shard = system.keys.for_article(result["id"])
    rc = RedisCluster(host="127.0.0.1", port=cluster.alive()[0].port)
    try:
        master = rc.get_node_from_key(shard.raw)
        (replica_port,) = cluster.masters()[int(master.port)]
    finally:
        rc.close()
    replica = redis.Redis(port=replica_port, single_connection_client=True)
    try:
        replica.execute_command("READONLY")  # a replica serves reads of its master's slots
        entries = replica.xrange(shard.raw)
    finally:
        replica.close()
    assert any(result["id"].encode() in fields[b"__data__"] for _, fields in entries)


def test_without_its_replica_a_write_is_not_promised(system: System, cluster: LocalCluster) -> None:
    """What WAIT buys: with the replica of an article's master stopped, the write still
    lands on the master, but no replica has it, so ingest answers 503 'outcome unknown'
    (a failover now would lose it) instead of 202; once the replica is back, the retry with
    the same Idempotency-Key is accepted, and the article is stored once."""
    guid = next(f"urn:wait:{n}" for n in range(1000) if shard_number(system, f"urn:wait:{n}") == 0)
    shard = system.keys.shard(0)
    rc = RedisCluster(host="127.0.0.1", port=cluster.alive()[0].port)
    try:
        master = rc.get_node_from_key(shard.raw)
        (replica_port,) = cluster.masters()[int(master.port)]
    finally:
        rc.close()
    replica = cluster.node(replica_port).process
    headers = {"Authorization": f"Bearer {system.api_key}", "Idempotency-Key": "wait-test-1"}
    body = {**story(7), "guid": guid}
    replica.send_signal(signal.SIGSTOP)
    try:
        stalled = httpx.post(system.url("ingest", "/v1/articles"), json=body, headers=headers)
    finally:
        replica.send_signal(signal.SIGCONT)
    assert stalled.status_code == 503, stalled.text
    assert stalled.json()["outcome"] == "unknown"
    retried = eventually_sync(
        lambda: (
            r
            if (
                r := httpx.post(system.url("ingest", "/v1/articles"), json=body, headers=headers)
            ).status_code
            == 202
            else None
        ),
        timeout_s=20,
    )
    assert retried.json()["results"][0]["status"] == "accepted"
    rc = RedisCluster(host="127.0.0.1", port=cluster.alive()[0].port)
    try:
        entries = rc.xrange(shard.raw)
    finally:
        rc.close()
    assert sum(guid.encode() in fields[b"__data__"] for _, fields in entries) == 1


def shard_number(system: System, guid: str) -> int:
    return shard_of(article_id("fault-producer", guid), SHARDS)
