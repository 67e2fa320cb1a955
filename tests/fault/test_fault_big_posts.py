"""Big view posts against a real ingest process on a private Redis: a Redis stall (SIGSTOP)
in the middle of writing them stores every view exactly once, and six 5 MB posts at once
keep ingest's memory bounded."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson
import pytest
import redis

from services.ingest.client import IngestClient
from tests.fault.conftest import FaultRow
from tests.fault.harness import System
from tests.waiting import eventually_sync

pytestmark = pytest.mark.fault

POSTS = 8
VIEWS_PER_POST = 10_000  # the default NEWSDESK_MAX_VIEWS_PER_REQUEST
STALL_S = 15  # longer than ingest's socket timeout (10 s): its write goes unanswered


@pytest.fixture
def ingest_only(tmp_path: Path) -> Iterator[System]:
    """Redis and ingest alone: nothing else competes for the machine's two cores."""
    sut = System(root=tmp_path)
    try:
        sut.start_redis()
        sut.start("ingest")
        sut.wait_ready("ingest")
        sut.add_producer("fault-producer")
        yield sut
    finally:
        if sut.redis is not None:
            os.kill(sut.redis.process.pid, signal.SIGCONT)
        sut.down()


class Watching(httpx.HTTPTransport):
    """Keeps every 503 body ingest answered, to show which outcomes the stall produced."""

    def __init__(self) -> None:
        super().__init__()
        self.unavailable: list[dict[str, object]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if response.status_code == 503:
            response.read()
            self.unavailable.append(orjson.loads(response.content))
        return response


def test_views_posted_through_a_redis_stall_are_stored_exactly_once(
    ingest_only: System, record: Callable[..., FaultRow]
) -> None:
    """Views without event ids, so only the request's key can recognise a retry. Redis is
    stopped mid-post: the chunk in flight is sent but unanswered, ingest says the outcome is
    unknown, the client retries with the same key, and the chunk runs when Redis goes on."""
    sut = ingest_only
    watching = Watching()
    accepted: list[int] = []
    client = IngestClient(
        sut.url("ingest", ""), api_key=sut.api_key, retries=10, backoff_s=0.5, transport=watching
    )

    def post_all() -> None:
        for n in range(POSTS):
            views = [{"article_id": f"a{n}-{i % 50}"} for i in range(VIEWS_PER_POST)]
            accepted.append(client.send_views(views))

    poster = threading.Thread(target=post_all)
    poster.start()
    direct = redis.Redis.from_url(sut.redis_url)
    # a length between posts' ends: a post is part-written, its next chunk still to be sent
    eventually_sync(
        lambda: (n := direct.xlen(sut.keys.views)) > 2 * VIEWS_PER_POST and n % VIEWS_PER_POST,
        timeout_s=120,
        interval_s=0.001,
    )
    assert sut.redis is not None
    os.kill(sut.redis.process.pid, signal.SIGSTOP)
    time.sleep(STALL_S)  # the fault itself: Redis stays stopped this long
    os.kill(sut.redis.process.pid, signal.SIGCONT)
    poster.join(timeout=300)
    client.close()
    stored = int(direct.xlen(sut.keys.views))
    direct.close()
    outcomes = [body.get("outcome") for body in watching.unavailable]
    record(
        fault=f"SIGSTOP Redis {STALL_S} s in the middle of {POSTS} posts of 10,000 views",
        tried=1,
        accepted=sum(accepted),
        lost=max(POSTS * VIEWS_PER_POST - stored, 0),
        duplicated=max(stored - POSTS * VIEWS_PER_POST, 0),
        note=f"503 outcomes seen by the client: {outcomes}",
    )
    assert not poster.is_alive()
    assert "unknown" in outcomes  # the stall caught a write in flight
    assert stored == POSTS * VIEWS_PER_POST
    assert accepted == [VIEWS_PER_POST] * POSTS


class OpenSystem(System):
    """Without producer keys, the write is the request's first Redis command: a stall that
    starts before the request stalls exactly its write."""

    def settings(self) -> dict[str, str]:
        return {**super().settings(), "NEWSDESK_REQUIRE_AUTH": "false"}


def test_a_write_unanswered_in_a_stall_is_unknown_and_never_resent(
    tmp_path: Path, record: Callable[..., FaultRow]
) -> None:
    """A plain POST of 100 views (no key, no event ids): ingest's write times out while Redis
    is stopped and runs once Redis goes on. The answer must say the outcome is unknown (it
    said "nothing was accepted", inviting a retry that stored the views twice), and ingest
    must not have resent the write itself."""
    sut = OpenSystem(root=tmp_path)
    try:
        sut.start_redis()
        sut.start("ingest")
        sut.wait_ready("ingest")
        url = sut.url("ingest", "/v1/views")
        assert httpx.post(url, json=[{"article_id": "warm"}], timeout=10).status_code == 202
        assert sut.redis is not None
        answers: list[httpx.Response] = []
        os.kill(sut.redis.process.pid, signal.SIGSTOP)
        poster = threading.Thread(
            target=lambda: answers.append(
                httpx.post(url, json=[{"article_id": "a"}] * 100, timeout=120)
            )
        )
        poster.start()
        time.sleep(STALL_S)  # the fault itself: Redis stays stopped this long
        os.kill(sut.redis.process.pid, signal.SIGCONT)
        poster.join(timeout=120)
        direct = redis.Redis.from_url(sut.redis_url)
        stored = eventually_sync(lambda: max(int(direct.xlen(sut.keys.views)) - 1, 0))
        direct.close()
    finally:
        if sut.redis is not None:
            os.kill(sut.redis.process.pid, signal.SIGCONT)
        sut.down()
    (answer,) = answers
    record(
        fault=f"SIGSTOP Redis {STALL_S} s under one post of 100 views, no key, no ids",
        tried=1,
        accepted=answer.json().get("accepted", 0),
        lost=max(100 - stored, 0),
        duplicated=max(stored - 100, 0),
        note=f"answered {answer.status_code} {answer.json().get('outcome')!r}",
    )
    assert answer.status_code == 503
    assert answer.json()["outcome"] == "unknown"
    assert answer.json()["written"] == 0
    assert stored == 100  # run once, when Redis went on; never a second copy


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    (line,) = [row for row in status.splitlines() if row.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def test_six_5mb_posts_at_once_keep_ingest_memory_bounded(
    ingest_only: System, record: Callable[..., FaultRow]
) -> None:
    """Six posts of 5 MB of views (the body limit) at once, twice: as many tiny views as fit
    (refused: over the per-request limit) and 10,000 full ones (accepted). Before the limits
    and chunked writes, the first kind took ingest from 88 MB to 5.8-7 GB, never returned."""
    sut = ingest_only
    tiny = orjson.dumps([{"article_id": f"a{i % 5000}"} for i in range(225_000)])  # < 5 MiB
    full = [
        orjson.dumps(
            [
                {"article_id": f"a{i}", "reader_id": f"r{i}", "user_agent": "Mozilla/5.0 " * 30}
                for i in range(VIEWS_PER_POST)
            ]
        )
        for _ in range(6)
    ]
    pid = sut.procs["ingest"].pid
    before = peak_rss_mb(pid)
    headers = {"Authorization": f"Bearer {sut.api_key}", "Content-Type": "application/json"}

    def post(body: bytes) -> httpx.Response:
        return httpx.post(
            sut.url("ingest", "/v1/views"), content=body, headers=headers, timeout=120
        )

    with ThreadPoolExecutor(6) as pool:
        refused = list(pool.map(post, [tiny] * 6))
        taken = list(pool.map(post, full))
    peak = peak_rss_mb(pid)
    live = httpx.get(sut.url("ingest", "/health/live"), timeout=5)
    record(
        fault="six 5 MB view posts at once (225k tiny views each, then 10k full ones)",
        tried=12,
        accepted=sum(r.json().get("accepted", 0) for r in taken),
        lost=0,
        duplicated=0,
        note=f"ingest peak RSS {before:.0f} MB before, {peak:.0f} MB after",
    )
    assert {r.status_code for r in refused} == {413}
    assert "at most 10000" in refused[0].json()["detail"]
    assert [r.json() for r in taken] == [{"accepted": VIEWS_PER_POST, "duplicates": 0}] * 6
    assert live.status_code == 200
    assert peak < 768, f"ingest peaked at {peak:.0f} MB"
