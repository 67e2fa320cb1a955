"""Runs the services as real processes on a private Redis, so a test can SIGKILL any of them
(or Redis itself) and start it again."""

from __future__ import annotations

import signal
import uuid
from dataclasses import dataclass, field

from newsdesk.processes import SERVICES, ServiceProcesses
from newsdesk.redis_server import RedisProcess, free_port, start_redis
from shared.keys import Keys

__all__ = ["SERVICES", "System"]


@dataclass
class System(ServiceProcesses):
    prefix: str = field(default_factory=lambda: f"f{uuid.uuid4().hex[:6]}")
    fsync: str = "always"
    min_idle_ms: int = 1500
    redis: RedisProcess | None = None
    redis_port: int = field(default_factory=free_port)
    # A Redis (or cluster) the test runs itself, instead of a private redis-server.
    external_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def keys(self) -> Keys:
        return Keys(self.prefix, int(self.extra_env.get("NEWSDESK_SHARDS", "1")))

    @property
    def redis_url(self) -> str:
        return self.external_url or f"redis://127.0.0.1:{self.redis_port}/0"

    def settings(self) -> dict[str, str]:
        return {
            **super().settings(),
            "NEWSDESK_MIN_IDLE_MS": str(self.min_idle_ms),
            "NEWSDESK_BLOCK_MS": "200",
            "NEWSDESK_RATE_LIMIT_PER_S": "0",
            **self.extra_env,
        }

    # redis ---------------------------------------------------------------------------
    def start_redis(self) -> None:
        if self.external_url:
            return
        self.redis = start_redis(self.redis_port, self.root / "redis", fsync=self.fsync)

    def kill_redis(self) -> None:
        assert self.redis is not None
        self.redis.kill()

    # services ------------------------------------------------------------------------
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
        self.add_producer("fault-producer")

    def down(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
        self.close_logs()
        if self.redis is not None:
            self.redis.stop()
