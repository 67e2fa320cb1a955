"""`newsdesk up` fails fast: a port another process holds, or a service that dies while
starting, stops everything and exits non-zero within seconds, saying why."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.redis_server import free_port
from newsdesk.runner import SERVICES
from newsdesk.supervisor import Supervisor
from shared.settings import Settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port something else listens on, as a second `newsdesk up` would find it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_up_with_a_port_in_use_exits_1_at_once_naming_it(
    held_port: int, redis_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "NEWSDESK_REDIS_URL": redis_url,
        "NEWSDESK_KEY_PREFIX": f"upfail{uuid.uuid4().hex[:6]}",
        "NEWSDESK_INGEST_PORT": str(free_port()),
        "NEWSDESK_ENRICHER_PORT": str(free_port()),
        "NEWSDESK_RANKING_PORT": str(held_port),
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", "up", "--data-dir", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1
    assert time.monotonic() - started < 10
    assert f"ranking port 127.0.0.1:{held_port}" in done.stderr
    assert "in use" in done.stderr
    assert "NEWSDESK_<SERVICE>_PORT" in done.stderr


def test_a_service_dying_while_starting_ends_the_wait_with_its_exit_code(
    tmp_path: Path,
) -> None:
    """Without the check the supervisor polled readiness for 60 s before noticing."""
    supervisor = Supervisor(Settings(ingest_port=free_port()), tmp_path)
    stays = [sys.executable, "-c", "import time; time.sleep(30)"]
    dies = [sys.executable, "-c", "import sys; sys.exit(3)"]
    for service in SERVICES:
        argv = dies if service == "ranking" else stays
        supervisor.children[service] = subprocess.Popen(argv)
    try:
        reason = supervisor.wait_ready(timeout_s=60)
    finally:
        code = supervisor.stop()
    assert reason == "ranking exited with code 3"
    assert code == 1
