"""Starts a private `redis-server` when none answers, for `newsdesk up` and the tests.

AOF is on so a crash of the private server loses nothing accepted; `fsync` picks the
profile (`everysec` by default, `always` for the strict profile).

The AOF's base file is written uncompressed (`rdbcompression no`). Each rewrite forks a child
that takes a core beside the services, and on 2 cores that is the tail of a paced feed. LZF
was 55% of the child's CPU (0.40 against 0.18 s for one dataset) for a base file 0.64x the
size (46 against 72 MB). A larger base also means rewrites come less often, since one starts
when the AOF has grown by the base's size: ~3.5x less rewriting CPU per byte written, for
~1.6x the disk.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import redis


def answers(url: str, timeout_s: float = 0.5) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RedisProcess:
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def start_redis(
    port: int,
    data_dir: Path,
    *,
    fsync: str = "everysec",
    wait_s: float = 10.0,
    extra: Sequence[str] = (),
) -> RedisProcess:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(
            "redis-server is not installed: `sudo apt-get install -y redis-server`, "
            "or point NEWSDESK_REDIS_URL at a Redis"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes",
        "--appendfsync",
        fsync,
        "--rdbcompression",
        "no",
        "--save",
        "",
        "--daemonize",
        "no",
        "--logfile",
        str(data_dir / "redis.log"),
        *extra,
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    handle = RedisProcess(port, data_dir, process)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if answers(handle.url, 0.2):
            return handle
        if process.poll() is not None:
            break
        time.sleep(0.05)
    handle.stop()
    raise RuntimeError(f"redis-server did not start on port {port}; see {data_dir}/redis.log")
