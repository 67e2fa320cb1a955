"""Starts a local Redis Cluster of Debian's `redis-server`s, for `newsdesk up --cluster` and
the tests: N masters (and a replica each when asked), created with `redis-cli --cluster`."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
from redis.cluster import RedisCluster

from newsdesk.redis_server import RedisProcess, start_redis

NODE_TIMEOUT_MS = 2000  # how long a master may be silent before its replica takes over


@dataclass
class LocalCluster:
    """The processes of a local cluster; `url` is one node's, which the client starts from."""

    nodes: list[RedisProcess] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.nodes[0].url

    @property
    def ports(self) -> list[int]:
        return [n.port for n in self.nodes]

    def masters(self) -> dict[int, list[int]]:
        """master port -> its replicas' ports, as the cluster sees it now."""
        client = redis.Redis(port=self.alive()[0].port)
        try:
            info: dict[str, dict[str, str]] = client.cluster("nodes")
        finally:
            client.close()
        by_id = {v["node_id"]: int(k.split(":")[1].split("@")[0]) for k, v in info.items()}
        out: dict[int, list[int]] = {}
        for address, node in info.items():
            port = int(address.split(":")[1].split("@")[0])
            if "master" in node["flags"] and "fail" not in node["flags"]:
                out.setdefault(port, [])
            elif "slave" in node["flags"] and node["master_id"] in by_id:
                out.setdefault(by_id[node["master_id"]], []).append(port)
        return out

    def alive(self) -> list[RedisProcess]:
        return [n for n in self.nodes if n.process.poll() is None]

    def node(self, port: int) -> RedisProcess:
        return next(n for n in self.nodes if n.port == port)

    def restart(self, port: int, *, fsync: str = "everysec") -> None:
        """Starts a stopped node again on its port and data: it rejoins the cluster (a dead
        master comes back as a replica of the replica that took over from it)."""
        old = self.node(port)
        self.nodes[self.nodes.index(old)] = start_redis(
            port, old.data_dir, fsync=fsync, extra=_cluster_args(port)
        )

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_cluster_port(rng: random.Random | None = None) -> int:
    """A free port whose cluster bus port (10,000 above) is free too, so at most 55535."""
    rng = rng or random.Random()  # noqa: S311 - a port, not a secret
    for _ in range(200):
        port = rng.randint(20_000, 55_000)
        if _bindable(port) and _bindable(port + 10_000):
            return port
    raise RuntimeError("no free port pair for a cluster node")


def _cluster_args(port: int) -> list[str]:
    return [
        "--cluster-enabled", "yes",
        "--cluster-config-file", f"nodes-{port}.conf",
        "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
        # A replica's first sync starts at once, not 5 s later (the default waits for more
        # replicas to share one transfer): until it ends a write that WAITs for it fails.
        "--repl-diskless-sync-delay", "0",
    ]  # fmt: skip


def start_cluster(
    data_dir: Path, *, masters: int = 3, replicas: int = 1, fsync: str = "everysec"
) -> LocalCluster:
    """Starts masters * (1 + replicas) nodes on free loopback ports and joins them."""
    cli = shutil.which("redis-cli")
    if cli is None:
        raise RuntimeError("redis-cli is not installed: `sudo apt-get install -y redis-tools`")
    cluster = LocalCluster()
    try:
        for _ in range(masters * (1 + replicas)):
            port = free_cluster_port()
            cluster.nodes.append(
                start_redis(port, data_dir / str(port), fsync=fsync, extra=_cluster_args(port))
            )
        addresses = [f"127.0.0.1:{p}" for p in cluster.ports]
        subprocess.run(  # noqa: S603
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", str(replicas),
             "--cluster-yes"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        wait_ready(cluster, replicas=replicas)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def wait_ready(cluster: LocalCluster, *, replicas: int = 0, timeout_s: float = 30.0) -> None:
    """Until every slot is served, every master has its replicas, each replica running has
    finished its sync (a write that WAITs for a replica fails until then), and a cluster
    client can write to every master."""
    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        try:
            client = RedisCluster(host="127.0.0.1", port=cluster.alive()[0].port)
            try:
                masters = cluster.masters()
                ok = client.cluster_info()["cluster_state"] == "ok"
                if (
                    ok
                    and all(len(r) >= replicas for r in masters.values())
                    and _replicas_synced(cluster, masters)
                ):
                    for slot_key in ("{a}", "{b}", "{c}"):
                        client.set(f"{slot_key}:ready", "1")
                    return
                last = masters
            finally:
                client.close()
        except Exception as exc:
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"the cluster did not become ready: {last}")


def _replicas_synced(cluster: LocalCluster, masters: dict[int, list[int]]) -> bool:
    running = {n.port for n in cluster.alive()}
    for port in (p for ports in masters.values() for p in ports if p in running):
        client = redis.Redis(port=port)
        try:
            if client.info("replication").get("master_link_status") != "up":
                return False
        finally:
            client.close()
    return True
