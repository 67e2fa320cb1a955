"""The producer client and `newsdesk publish` against a real ingest (uvicorn in a thread) and
a real Redis: retries are safe because ingest is idempotent, refusals are never retried."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import redis
import uvicorn
from fastapi import FastAPI

from newsdesk.cli import build_parser, resolve
from newsdesk.runner import GracefulServer
from services.ingest.app import build_app
from services.ingest.client import IngestClient, IngestError
from shared.settings import Settings
from tests.conftest import DATA
from tests.integration.ingest.test_ingest_api import article

RawLen = Callable[[], int]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """The app under uvicorn on a free port, its lifespan running, in a background thread."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = GracefulServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def ingest_url(settings: Settings) -> Iterator[str]:
    with serve(build_app(settings)) as url:
        yield url


@pytest.fixture
def raw_len(settings: Settings) -> Iterator[RawLen]:
    client = redis.Redis.from_url(settings.redis_url)
    yield lambda: int(client.xlen(settings.keys.raw))
    client.close()


class Flaky(httpx.BaseTransport):
    """Delivers every request, but loses the answer of the first `lose` attempts (a dropped
    connection or a 503 from a proxy after ingest already published): the worst case for a
    retry, and the one idempotency is for. With `deliver=False` the request never arrives."""

    def __init__(self, lose: int, *, deliver: bool = True, status: int | None = None) -> None:
        self.inner = httpx.HTTPTransport()
        self.lose = lose
        self.deliver = deliver
        self.status = status
        self.attempts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.attempts > self.lose:
            return self.inner.handle_request(request)
        if self.deliver:
            self.inner.handle_request(request).read()
        if self.status is not None:
            return httpx.Response(self.status, json={"detail": "proxy says no"})
        raise httpx.ConnectError("connection reset", request=request)


def test_publish_one_and_many(ingest_url: str, raw_len: RawLen) -> None:
    batch = [article(f"urn:many:{n}", headline=f"Story {n}") for n in range(250)]
    with IngestClient(ingest_url) as client:
        (one,) = client.publish(article("urn:one"))
        many = client.publish_many(batch)
        again = client.publish_many(batch[:3])
    assert one["status"] == "accepted"
    assert [r["status"] for r in many] == ["accepted"] * 250
    assert [r["guid"] for r in many] == [a["guid"] for a in batch]
    assert [r["status"] for r in again] == ["duplicate"] * 3
    assert raw_len() == 251


@pytest.mark.parametrize(
    ("lose", "deliver", "answer", "status"),
    [
        (2, False, None, "accepted"),  # never arrived: the retry publishes it
        # arrived, answer lost: the retry (same Idempotency-Key) finds it published by this
        # very request and says so, instead of "duplicate"
        (2, True, None, "accepted"),
        (1, True, 503, "accepted"),
        (1, True, 502, "accepted"),
    ],
)
def test_retries_after_lost_answers_publish_exactly_once(
    ingest_url: str,
    raw_len: RawLen,
    lose: int,
    deliver: bool,
    answer: int | None,
    status: str,
) -> None:
    flaky = Flaky(lose, deliver=deliver, status=answer)
    with IngestClient(ingest_url, backoff_s=0.01, transport=flaky) as client:
        (result,) = client.publish(article("urn:retried"))
    assert result["status"] == status
    assert flaky.attempts == flaky.lose + 1
    assert raw_len() == 1


def test_gives_up_after_its_retries_with_the_last_error(ingest_url: str) -> None:
    flaky = Flaky(99, deliver=False)
    with (
        IngestClient(ingest_url, retries=2, backoff_s=0.01, transport=flaky) as client,
        pytest.raises(IngestError) as refused,
    ):
        client.publish(article())
    assert flaky.attempts == 3
    assert refused.value.status is None
    assert "connection reset" in str(refused.value.detail)


def test_503_from_ingest_while_redis_is_away_is_retried(settings: Settings) -> None:
    away = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    counting = Flaky(0)
    with (
        serve(build_app(away)) as url,
        IngestClient(url, retries=1, transport=counting) as client,
        pytest.raises(IngestError) as refused,
    ):
        client.publish(article())
    assert refused.value.status == 503
    assert "storage unavailable" in refused.value.detail
    assert counting.attempts == 2


@pytest.mark.parametrize(
    ("body", "content_type", "status", "detail"),
    [
        (b'{"guid": "g", "urgency": 42}', "application/json", 422, [{"field": "urgency"}]),
        (b"{not json", "application/json", 422, [{"field": "body"}]),
        (b"\x00\x01", "image/png", 415, "content type 'image/png'"),
    ],
)
def test_refusals_raise_with_the_detail_and_are_not_retried(
    ingest_url: str, body: bytes, content_type: str, status: int, detail: object
) -> None:
    counting = Flaky(0)
    with (
        IngestClient(ingest_url, transport=counting) as client,
        pytest.raises(IngestError) as refused,
    ):
        client.publish_bytes(body, content_type)
    assert counting.attempts == 1
    assert refused.value.status == status
    if isinstance(detail, str):
        assert detail in refused.value.detail
    else:
        assert refused.value.detail[0]["field"] == detail[0]["field"]  # type: ignore[index]
        assert refused.value.detail[0]["reason"]


def test_auth_refusal_names_the_missing_key(settings: Settings) -> None:
    strict = settings.model_copy(update={"require_auth": True})
    with (
        serve(build_app(strict)) as url,
        IngestClient(url, api_key="ndk_wrong") as client,
        pytest.raises(IngestError) as refused,
    ):
        client.publish(article())
    assert (refused.value.status, refused.value.detail) == (401, "unknown producer key")


def test_publish_command_posts_a_folder_and_reports_each_file(
    ingest_url: str,
    raw_len: RawLen,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "a-rss.xml").write_bytes((DATA / "wire/rss/feedparser-rss2sample.xml").read_bytes())
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested/b.json").write_text('{"guid": "urn:b", "headline": "B"}')
    (tmp_path / "nested/c.json").write_text('[{"guid": "urn:c"}, {"guid": "urn:d", "urgency": 42}]')
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / ".hidden.json").write_text('{"guid": "urn:hidden"}')
    (tmp_path / "NOTES.md").write_text("not an article")
    args = build_parser().parse_args(["publish", str(tmp_path), "--ingest-url", ingest_url])
    code = resolve("publish")(args, Settings(require_auth=False))
    out, err = capsys.readouterr()
    assert code == 1
    assert "broken.json" in err
    assert "hidden" not in out + err
    lines = out.splitlines()
    assert sum(line.startswith("accepted") for line in lines) == 6
    (invalid,) = [line for line in lines if line.startswith("invalid")]
    assert "c.json: urgency:" in invalid
    assert raw_len() == 6


def test_client_and_publish_command_sign_for_a_signing_key(
    settings: Settings,
    raw_len: RawLen,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A key made with `keys add --signing` is usable from the client and from `publish`."""
    strict = settings.model_copy(update={"require_auth": True})
    made = resolve("keys")(build_parser().parse_args(["keys", "add", "hook", "--signing"]), strict)
    printed = capsys.readouterr().out
    assert made == 0
    assert "X-Newsdesk-Nonce" in printed
    secret = printed.split("shown once): ")[1].split()[0]
    key = printed.rsplit(" ", 1)[-1].strip()
    (tmp_path / "a.json").write_text('{"guid": "urn:cli-signed"}')
    with serve(build_app(strict)) as url:
        with IngestClient(url, api_key=key, signing_secret=secret) as client:
            (result,) = client.publish(article("urn:client-signed"))
        with IngestClient(url, api_key=key) as unsigned, pytest.raises(IngestError) as refused:
            unsigned.publish(article("urn:unsigned"))
        monkeypatch.setenv("NEWSDESK_API_KEY", key)
        monkeypatch.setenv("NEWSDESK_SIGNING_SECRET", secret)
        args = build_parser().parse_args(["publish", str(tmp_path), "--ingest-url", url])
        code = resolve("publish")(args, strict)
    assert result["status"] == "accepted"
    assert refused.value.status == 401
    assert "X-Newsdesk-Signature" in refused.value.detail
    assert code == 0
    assert "accepted" in capsys.readouterr().out
    assert raw_len() == 2
