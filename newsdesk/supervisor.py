"""`newsdesk up`: every service as its own process, plus a private Redis when none answers.

The services run the same commands docker-compose runs, so a machine without Docker runs
the same system. SIGTERM/SIGINT is passed on to every child; each stops gracefully and the
supervisor exits 0 when all did.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import httpx

from newsdesk.banner import RedisInUse, banner_lines
from newsdesk.orphans import die_with_parent
from newsdesk.processes import cli
from newsdesk.redis_cluster import LocalCluster, start_cluster
from newsdesk.redis_server import RedisProcess, answers, start_redis
from newsdesk.runner import SERVICES
from newsdesk.samples import load_samples, producer_key
from shared.logging import configure_logging
from shared.settings import DEFAULT_REDIS_URL, Settings

READY_TIMEOUT_S = 60.0
CLUSTER_SHARDS = 3  # one per master of `up --cluster`


def _say(text: str) -> None:
    print(f"newsdesk: {text}", file=sys.stderr, flush=True)


def ensure_redis(settings: Settings, data_dir: Path) -> tuple[str, RedisProcess | None]:
    """Uses the configured Redis; starts a private one only when none is configured or
    answering at the default address."""
    if "NEWSDESK_REDIS_URL" in os.environ or answers(settings.redis_url):
        return settings.redis_url, None
    port = int(DEFAULT_REDIS_URL.rsplit(":", 1)[1].split("/")[0])
    private = start_redis(port, data_dir, fsync=settings.redis_fsync)
    _say(
        f"no Redis answered at {settings.redis_url}; started a private redis-server "
        f"(AOF on, appendfsync {settings.redis_fsync}) at {private.url}, data in {data_dir}"
    )
    return private.url, private


def _spawn(service: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cli(service), env=env, preexec_fn=die_with_parent)  # noqa: S603


def ports_in_use(settings: Settings) -> list[str]:
    """Each service port something else already listens on, named (checked before any
    child starts, so the reason is one clear line instead of a child's traceback)."""
    busy = []
    for service in SERVICES:
        port = settings.port_for(service)
        with socket.socket() as probe:
            # As uvicorn binds: SO_REUSEADDR, so a port in TIME_WAIT is not "in use".
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((settings.host, port))
            except OSError as exc:
                busy.append(f"{service} port {settings.host}:{port} ({exc.strerror})")
    return busy


def _ready(settings: Settings, service: str) -> bool:
    url = f"http://{settings.host}:{settings.port_for(service)}/health/ready"
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def start_private_cluster(settings: Settings, data_dir: Path) -> LocalCluster:
    """A fresh 3-master cluster (no replicas: it is for trying sharding on one machine), and
    the settings every child and the samples loader then read from the environment."""
    shutil.rmtree(data_dir, ignore_errors=True)
    cluster = start_cluster(data_dir, masters=3, replicas=0, fsync=settings.redis_fsync)
    shards = settings.shards if settings.shards > 1 else CLUSTER_SHARDS
    os.environ.update(
        NEWSDESK_REDIS_URL=cluster.url, NEWSDESK_REDIS_CLUSTER="true", NEWSDESK_SHARDS=str(shards)
    )
    _say(f"started a private 3-node Redis Cluster ({', '.join(map(str, cluster.ports))}), "
         f"{shards} shards, data in {data_dir}")  # fmt: skip
    return cluster


class Supervisor:
    def __init__(self, settings: Settings, data_dir: Path, *, cluster: bool = False) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.redis: RedisProcess | None = None
        self.cluster: LocalCluster | None = None
        self.with_cluster = cluster
        self.stopping = False
        self.redis_url = settings.redis_url

    def start(self) -> None:
        if self.with_cluster:
            self.cluster = start_private_cluster(self.settings, self.data_dir / "cluster")
            url = self.cluster.url
        else:
            url, self.redis = ensure_redis(self.settings, self.data_dir / "redis")
        self.redis_url = url
        env = {**os.environ, "NEWSDESK_REDIS_URL": url}
        for service in SERVICES:
            self.children[service] = _spawn(service, env)

    def _on_signal(self, signum: int, _: FrameType | None) -> None:
        self.stopping = True

    def _exited(self) -> str | None:
        dead = [(n, p.returncode) for n, p in self.children.items() if p.poll() is not None]
        if not dead:
            return None
        return ", ".join(f"{name} exited with code {code}" for name, code in dead)

    def wait_ready(self, timeout_s: float) -> str | None:
        """Until every service is ready; returns why not when a child died (or None). A
        child that exits while starting ends the wait at once, not at the timeout."""
        deadline = time.monotonic() + timeout_s
        pending = list(SERVICES)
        while pending and not self.stopping:
            if (exited := self._exited()) is not None:
                return exited
            if time.monotonic() > deadline:
                _say(f"not ready after {timeout_s:.0f} s: {', '.join(pending)}; still trying")
                return None
            if _ready(self.settings, pending[0]):
                pending.pop(0)
            else:
                time.sleep(0.2)
        return None

    def run(self, on_ready: Callable[[], str | None] | None = None) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        if busy := ports_in_use(self.settings):
            _say(f"cannot start: in use by another process: {'; '.join(busy)}")
            _say("stop what holds it, or set NEWSDESK_<SERVICE>_PORT to a free port")
            return 1
        self.start()
        if (failed := self.wait_ready(READY_TIMEOUT_S)) is not None:
            _say(f"{failed} while starting (its log is above); stopping the rest")
            return self.stop() or 1
        if self.stopping:
            return self.stop()
        api_key = on_ready() if on_ready is not None else None
        self._announce(api_key)
        while not self.stopping:
            if (exited := self._exited()) is not None:
                _say(f"{exited}; stopping the rest")
                return self.stop() or 1
            time.sleep(0.2)
        return self.stop()

    def _announce(self, api_key: str | None) -> None:
        private = self.redis.data_dir if self.redis is not None else None
        if self.cluster is not None:
            private = self.data_dir / "cluster"
        used = RedisInUse(
            self.redis_url, private, self.settings.redis_fsync, cluster=self.cluster is not None
        )
        for line in banner_lines(self.settings, used, api_key):
            _say(line)

    def stop(self) -> int:
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        worst = 0
        deadline = time.monotonic() + self.settings.shutdown_timeout_s + 5
        for name, proc in self.children.items():
            try:
                code = proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _say(f"{name} did not stop in time; killing it")
                proc.kill()
                code = proc.wait()
            worst = worst or (1 if code != 0 else 0)
        if self.redis is not None:
            self.redis.stop()
        if self.cluster is not None:
            self.cluster.stop()
        _say("stopped")
        return worst


def _load_samples(samples: Path, settings: Settings, redis_url: str) -> str | None:
    """Posts the samples as the "samples" producer; returns its key for the banner."""
    host = f"http://{settings.host}"
    try:
        key = producer_key(redis_url)
    except RuntimeError as exc:
        _say(str(exc))
        return None
    loaded = load_samples(
        samples,
        ingest_url=f"{host}:{settings.ingest_port}",
        ranking_url=f"{host}:{settings.ranking_port}",
        api_key=key,
    )
    _say(f"samples: {len(loaded.accepted)} articles from {samples}, {loaded.views} reader views")
    for problem in loaded.problems:
        _say(f"  sample not loaded: {problem}")
    return key


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    configure_logging(settings.log_level, settings.log_format, service="supervisor")
    samples: Path | None = args.samples
    supervisor = Supervisor(settings, args.data_dir, cluster=args.cluster)
    return supervisor.run(
        on_ready=(lambda: _load_samples(samples, settings, supervisor.redis_url))
        if samples
        else None
    )
