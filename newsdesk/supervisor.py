"""`newsdesk up`: every service as its own process, plus a private Redis when none answers.

The services run the same commands docker-compose runs, so a machine without Docker runs
the same system. SIGTERM/SIGINT is passed on to every child; each stops gracefully and the
supervisor exits 0 when all did.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

import httpx

from newsdesk.redis_server import RedisProcess, answers, start_redis
from newsdesk.runner import SERVICES
from shared.logging import configure_logging
from shared.settings import DEFAULT_REDIS_URL, Settings

READY_TIMEOUT_S = 60.0
PR_SET_PDEATHSIG = 1


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


def _die_with_parent() -> None:
    """On Linux a service gets SIGTERM when the supervisor dies, even by SIGKILL, so no
    orphan keeps serving (and holding its port) after `up` is gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _spawn(service: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "newsdesk.cli", service]
    return subprocess.Popen(cmd, env=env, preexec_fn=_die_with_parent)  # noqa: S603


def wait_ready(settings: Settings, services: Sequence[str], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    pending = list(services)
    while pending and time.monotonic() < deadline:
        service = pending[0]
        url = f"http://{settings.host}:{settings.port_for(service)}/health/ready"
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return not pending


class Supervisor:
    def __init__(self, settings: Settings, data_dir: Path) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.redis: RedisProcess | None = None
        self.stopping = False
        self.redis_url = settings.redis_url

    def start(self) -> None:
        url, self.redis = ensure_redis(self.settings, self.data_dir / "redis")
        self.redis_url = url
        env = {**os.environ, "NEWSDESK_REDIS_URL": url}
        for service in SERVICES:
            self.children[service] = _spawn(service, env)

    def _on_signal(self, signum: int, _: FrameType | None) -> None:
        self.stopping = True

    def run(self, on_ready: Callable[[], None] | None = None) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        self.start()
        if wait_ready(self.settings, list(SERVICES), READY_TIMEOUT_S):
            if on_ready is not None:
                on_ready()
            self._announce()
        else:
            _say("services did not become ready in time; see the logs above")
        while not self.stopping:
            dead = [n for n, p in self.children.items() if p.poll() is not None]
            if dead:
                _say(f"service(s) exited: {', '.join(dead)}; stopping the rest")
                return self.stop() or 1
            time.sleep(0.2)
        return self.stop()

    def _announce(self) -> None:
        s = self.settings
        _say("all services ready:")
        for service in SERVICES:
            base = f"http://{s.host}:{s.port_for(service)}"
            _say(f"  {service:<9} {base}/docs   (health {base}/health/ready, {base}/metrics)")
        _say(f"  popular   http://{s.host}:{s.ranking_port}/v1/popular?section=world&limit=5")
        _say(f"  ranking   http://{s.host}:{s.ranking_port}/v1/ranking?limit=5")

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
        _say("stopped")
        return worst


def _newsdesk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "newsdesk.cli", *args]
    return subprocess.run(cmd, check=False, text=True, capture_output=True, env=env)  # noqa: S603


def _load_samples(samples: Path, redis_url: str) -> None:
    """Posts the sample articles, then reader views over them, through the public API, as a
    producer named "samples" whose key is made afresh for each run."""
    env = {**os.environ, "NEWSDESK_REDIS_URL": redis_url}
    _newsdesk("keys", "revoke", "samples", env=env)
    made = _newsdesk("keys", "add", "samples", env=env)
    if made.returncode != 0:
        _say(f"could not create the samples producer key: {made.stderr.strip()}")
        return
    env["NEWSDESK_API_KEY"] = made.stdout.split()[-1]
    loaded = _newsdesk("publish", str(samples), "--sample-views", "200", env=env)
    sys.stderr.write(loaded.stdout + loaded.stderr)
    if loaded.returncode != 0:
        _say("loading the samples failed; see above")


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    configure_logging(settings.log_level, settings.log_format, service="supervisor")
    samples: Path | None = args.samples
    supervisor = Supervisor(settings, args.data_dir)
    return supervisor.run(
        on_ready=(lambda: _load_samples(samples, supervisor.redis_url)) if samples else None
    )
