"""Runs the services as real processes on a private Redis, so a test can SIGKILL any of them
(or Redis itself) and start it again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from newsdesk.redis_server import RedisProcess, free_port, start_redis
from shared.keys import Keys
from tests.waiting import eventually_sync

SERVICES = ("ingest", "enricher", "ranking")


@dataclass
class System:
    root: Path
    fsync: str = "always"
    min_idle_ms: int = 1500
    redis: RedisProcess | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, IO[bytes]] = field(default_factory=dict)
    prefix: str = field(default_factory=lambda: f"f{uuid.uuid4().hex[:6]}")
    ports: dict[str, int] = field(
        default_factory=lambda: {s: free_port() for s in ("ingest", "enricher", "ranking")}
    )
    redis_port: int = field(default_factory=free_port)
    api_key: str = ""
    # A Redis (or cluster) the test runs itself, instead of a private redis-server.
    external_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def keys(self) -> Keys:
        return Keys(self.prefix, int(self.extra_env.get("NEWSDESK_SHARDS", "1")))

    @property
    def redis_url(self) -> str:
        return self.external_url or f"redis://127.0.0.1:{self.redis_port}/0"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "NEWSDESK_REDIS_URL": self.redis_url,
            "NEWSDESK_KEY_PREFIX": self.prefix,
            "NEWSDESK_LOG_FORMAT": "json",
            "NEWSDESK_MIN_IDLE_MS": str(self.min_idle_ms),
            "NEWSDESK_BLOCK_MS": "200",
            "NEWSDESK_RATE_LIMIT_PER_S": "0",
            **{f"NEWSDESK_{s.upper()}_PORT": str(p) for s, p in self.ports.items()},
            **self.extra_env,
        }

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    # redis ---------------------------------------------------------------------------
    def start_redis(self) -> None:
        if self.external_url:
            return
        self.redis = start_redis(self.redis_port, self.root / "redis", fsync=self.fsync)

    def kill_redis(self) -> None:
        assert self.redis is not None
        self.redis.kill()

    # services ------------------------------------------------------------------------
    def start(self, service: str) -> None:
        log = self.logs.get(service) or open(self.root / f"{service}.log", "ab")  # noqa: SIM115
        self.logs[service] = log
        self.procs[service] = subprocess.Popen(
            [sys.executable, "-m", "newsdesk.cli", service],
            env=self.env(),
            stdout=log,
            stderr=log,
        )

    def ready(self, service: str) -> bool:
        try:
            return httpx.get(self.url(service, "/health/ready"), timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, *services: str, timeout_s: float = 60) -> None:
        for service in services or SERVICES:
            eventually_sync(lambda s=service: self.ready(s), timeout_s=timeout_s)  # type: ignore[misc]

    def kill(self, service: str) -> None:
        proc = self.procs[service]
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop(self, service: str, timeout_s: float = 15) -> int:
        proc = self.procs[service]
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=timeout_s)

    def up(self) -> None:
        self.start_redis()
        for service in SERVICES:
            self.start(service)
        self.wait_ready()
        made = subprocess.run(
            [sys.executable, "-m", "newsdesk.cli", "keys", "add", "fault-producer"],
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
        )
        self.api_key = made.stdout.split()[-1]

    def down(self) -> None:
        for service, proc in self.procs.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            self.logs[service].close()
        if self.redis is not None:
            self.redis.stop()
