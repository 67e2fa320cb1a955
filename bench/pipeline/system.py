"""The whole system as processes: a private redis-server on a free port, the three services
on free HTTP ports under a unique key prefix, a producer key; stop, stall and restart them."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import redis

from newsdesk.processes import SERVICES, ServiceProcesses
from newsdesk.redis_server import RedisProcess, free_port, start_redis
from shared.keys import Keys

_STATUS_FIELDS = {"VmRSS": "rss_kb", "VmHWM": "hwm_kb", "RssAnon": "anon_kb"}


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (peak) and RssAnon of a process and its live children (uvicorn workers),
    in kB. RssAnon is what the process allocated; VmRSS adds the pages of its libraries it
    has touched, which depend on the page cache: right after `pip install` wrote lingua's
    100 MB library, the enricher mapped 16 MB of it instead of 6 (the same code)."""
    out = dict.fromkeys(_STATUS_FIELDS.values(), 0)
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in _STATUS_FIELDS:
                out[_STATUS_FIELDS[name]] += int(value.split()[0])
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (FileNotFoundError, ProcessLookupError):
        return out
    for child in children:
        sub = memory_kb(int(child))
        out = {k: out[k] + sub[k] for k in out}
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children: unlike a rate, barely moved by
    whatever else a shared machine runs, so it compares runs taken at different loads."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) for child in children)


@dataclass
class System(ServiceProcesses):
    """Production defaults apart from addresses, prefix, JSON logs to files, and a rate
    limit the bench never reaches (the limiter still runs)."""

    prefix: str = field(default_factory=lambda: f"bench{uuid.uuid4().hex[:8]}")
    redis: RedisProcess | None = None
    stopped: set[str] = field(default_factory=set)

    @property
    def keys(self) -> Keys:
        return Keys(self.prefix)

    @property
    def redis_url(self) -> str:
        assert self.redis is not None
        return self.redis.url

    def settings(self) -> dict[str, str]:
        return {**super().settings(), "NEWSDESK_RATE_LIMIT_PER_S": "10000000"}

    def up(self) -> None:
        self.root = self.root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.redis = start_redis(free_port(), self.root / "redis")
        client = redis.Redis.from_url(self.redis_url)
        # Ranking's article keys announce themselves: the bench learns the moment an article
        # becomes visible without polling the system it measures.
        client.config_set("notify-keyspace-events", "K$")
        client.close()
        for service in SERVICES:
            self.start(service)
        self.wait_ready(*SERVICES)
        self.add_producer("bench-wire")

    def pid(self, service: str) -> int:
        return self.procs[service].pid

    def stall(self, service: str, mode: str) -> None:
        """`sigstop` freezes the process; `sigkill` kills it (restarted by `resume`)."""
        proc = self.procs[service]
        proc.send_signal(signal.SIGSTOP if mode == "sigstop" else signal.SIGKILL)
        if mode != "sigstop":
            proc.wait()
        self.stopped.add(service)

    def resume(self, service: str, mode: str) -> None:
        if mode == "sigstop":
            self.procs[service].send_signal(signal.SIGCONT)
        else:
            self.start(service)
            self.wait_ready(service)
        self.stopped.discard(service)

    def memory(self) -> dict[str, dict[str, int]]:
        pids = {s: p.pid for s, p in self.procs.items() if p.poll() is None}
        if self.redis is not None:
            pids["redis"] = self.redis.process.pid
        return {name: memory_kb(pid) for name, pid in pids.items()}

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each running service, Redis, and the bench itself
        (the load it generates shares the machine's cores with what it measures)."""
        pids = {s: p.pid for s, p in self.procs.items() if p.poll() is None}
        if self.redis is not None:
            pids["redis"] = self.redis.process.pid
        used = {name: cpu_seconds(pid) for name, pid in pids.items()}
        own = resource.getrusage(resource.RUSAGE_SELF)
        return {**used, "bench": own.ru_utime + own.ru_stime}

    def down(self) -> None:
        for service, proc in self.procs.items():
            if proc.poll() is None:
                if service in self.stopped:
                    proc.send_signal(signal.SIGCONT)
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.close_logs()
        if self.redis is not None:
            self.redis.stop()
