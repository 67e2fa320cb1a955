"""The services as child processes on free ports, under a key prefix of their own.

The pipeline bench and the fault tests both need the real processes, not the apps in one
event loop: they stop, SIGKILL or freeze one and start it again, and they measure what each
costs. What differs between them (where Redis runs, which settings they change) stays in
their own subclasses; starting, waiting for readiness and making a producer key is here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from newsdesk.orphans import die_with_parent
from newsdesk.redis_server import free_port
from newsdesk.runner import SERVICES as _APPS

SERVICES = tuple(_APPS)  # every service `newsdesk <service>` runs, in pipeline order


def cli(*args: str, python: Sequence[str] = ()) -> list[str]:
    """`newsdesk <args>` with this interpreter (and its options `python`, e.g. a profiler),
    as a child process runs it."""
    return [sys.executable, *python, "-m", "newsdesk.cli", *args]


def settings_env(**settings: str) -> dict[str, str]:
    """This process's environment with these settings as `NEWSDESK_*` variables
    (`key_prefix="x"` is `NEWSDESK_KEY_PREFIX=x`)."""
    return {**os.environ, **{f"NEWSDESK_{name.upper()}": v for name, v in settings.items()}}


Output = int | IO[bytes] | None  # what subprocess.Popen takes for stdout and stderr


def spawn(
    service: str,
    env: dict[str, str],
    *,
    python: Sequence[str] = (),
    stdout: Output = None,
    stderr: Output = None,
) -> subprocess.Popen[bytes]:
    """`newsdesk <service>` as a child process that gets SIGTERM if this process dies, so a
    crashed bench or test leaves no consumer behind."""
    return subprocess.Popen(  # noqa: S603
        cli(service, python=python),
        env=env,
        stdout=stdout,
        stderr=stderr,
        preexec_fn=die_with_parent,
    )


def ready(port: int) -> bool:
    """The service on `port` answers its readiness check."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class ServiceProcesses:
    """Each service's process, its log file under `root`, and the settings it runs with."""

    root: Path
    prefix: str
    ports: dict[str, int] = field(default_factory=lambda: {s: free_port() for s in SERVICES})
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, IO[bytes]] = field(default_factory=dict)
    api_key: str = ""

    @property
    def redis_url(self) -> str:
        raise NotImplementedError

    def settings(self) -> dict[str, str]:
        """`NEWSDESK_*` values beyond the addresses and prefix; a subclass adds its own."""
        return {"NEWSDESK_LOG_FORMAT": "json"}

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "NEWSDESK_REDIS_URL": self.redis_url,
            "NEWSDESK_KEY_PREFIX": self.prefix,
            **{f"NEWSDESK_{s.upper()}_PORT": str(p) for s, p in self.ports.items()},
            **self.settings(),
        }

    def url(self, service: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def start(self, service: str) -> None:
        """Starts (or starts again) a service, appending to its log."""
        log = self.logs.get(service) or open(self.root / f"{service}.log", "ab")  # noqa: SIM115
        self.logs[service] = log
        self.procs[service] = spawn(service, self.env(), stdout=log, stderr=log)

    def ready(self, service: str) -> bool:
        return ready(self.ports[service])

    def wait_ready(self, *services: str, timeout_s: float = 120) -> None:
        """Every named service (all by default) answers ready; one that exits meanwhile or
        is not ready by the deadline fails with where its log is."""
        deadline = time.monotonic() + timeout_s
        for service in services or tuple(self.procs):
            while not self.ready(service):
                log = self.root / f"{service}.log"
                if self.procs[service].poll() is not None:
                    raise RuntimeError(f"{service} exited; see {log}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} not ready after {timeout_s:.0f} s; see {log}")
                time.sleep(0.1)

    def add_producer(self, name: str) -> str:
        """Makes a producer key with the CLI, as an operator would, and keeps it."""
        made = subprocess.run(  # noqa: S603
            cli("keys", "add", name), env=self.env(), capture_output=True, text=True, check=True
        )
        self.api_key = made.stdout.split()[-1]
        return self.api_key

    def close_logs(self) -> None:
        for log in self.logs.values():
            log.close()
