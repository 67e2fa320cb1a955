"""The private redis-server `newsdesk up` and the benches start: an AOF whose rewrites write
an uncompressed base (less of a core taken beside the services), and that a restart reads."""

from __future__ import annotations

import time
from pathlib import Path

import redis

from newsdesk.redis_server import free_port, start_redis

VALUE = b"newsdesk " * 4_000  # 36 KB that LZF would shrink to a few hundred bytes
KEYS = 40


def rewrite(client: redis.Redis, timeout_s: float = 20.0) -> None:
    client.bgrewriteaof()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        info = client.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            assert info["aof_last_bgrewrite_status"] == "ok"
            return
        time.sleep(0.05)
    raise AssertionError("the AOF rewrite did not finish")


def test_a_rewrite_writes_the_base_uncompressed_and_a_restart_reads_it(tmp_path: Path) -> None:
    port, data = free_port(), tmp_path / "redis"
    server = start_redis(port, data)
    try:
        client = redis.Redis.from_url(server.url)
        for n in range(KEYS):
            client.set(f"k{n}", VALUE)
        rewrite(client)
        (base,) = (data / "appendonlydir").glob("*.base.rdb")
        assert base.stat().st_size > KEYS * len(VALUE)
        client.close()
    finally:
        server.stop()

    again = start_redis(port, data)
    try:
        client = redis.Redis.from_url(again.url)
        assert client.dbsize() == KEYS
        assert client.get("k7") == VALUE
        client.close()
    finally:
        again.stop()
