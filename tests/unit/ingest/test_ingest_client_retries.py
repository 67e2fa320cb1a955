"""The producer client's retries, against a scripted transport: one request key for all
attempts, a fresh signature per attempt, and one wait between attempts."""

from __future__ import annotations

import httpx
import pytest

from services.ingest import client as client_module
from services.ingest.client import IngestClient
from services.ingest.signatures import NONCE_HEADER, SIGNATURE_HEADER, verify


def scripted(answers: list[httpx.Response], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[len(seen) - 1]

    return httpx.MockTransport(handle)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(client_module.time, "sleep", waited.append)
    return waited


ACCEPTED = httpx.Response(202, json={"accepted": 2, "duplicates": 0})


def unavailable(retry_after: str | None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return httpx.Response(503, json={"detail": "x", "outcome": "unknown"}, headers=headers)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        (None, [0.5, 1.0]),  # the backoff alone
        ("3", [3.0, 3.0]),  # the server asks for longer: that, and not the backoff on top
        ("0", [0.5, 1.0]),  # the server asks for less: the backoff still spaces attempts
        ("3600", [30.0, 30.0]),  # capped
    ],
)
def test_one_wait_between_attempts(
    sleeps: list[float], retry_after: str | None, expected: list[float]
) -> None:
    seen: list[httpx.Request] = []
    answers = [unavailable(retry_after), unavailable(retry_after), ACCEPTED]
    with IngestClient("http://ingest", backoff_s=0.5, transport=scripted(answers, seen)) as c:
        assert c.send_views([{"article_id": "a"}, {"article_id": "b"}]) == 2
    assert sleeps == expected


def test_every_attempt_carries_the_same_idempotency_key_and_a_new_signature(
    sleeps: list[float],
) -> None:
    seen: list[httpx.Request] = []
    answers = [unavailable(None), httpx.Response(502), ACCEPTED, ACCEPTED]
    transport = scripted(answers, seen)
    with IngestClient("http://ingest", signing_secret="s", transport=transport) as c:
        c.send_views([{"article_id": "a"}])
        c.send_views([{"article_id": "a"}])
    first_call, second_call = seen[:3], seen[3:]
    assert len({r.headers["Idempotency-Key"] for r in first_call}) == 1
    assert first_call[0].headers["Idempotency-Key"] != second_call[0].headers["Idempotency-Key"]
    assert len({r.headers[NONCE_HEADER] for r in seen}) == len(seen)
    for request in seen:
        verify(
            "s",
            request.content,
            request.headers,
            now=float(request.headers["x-newsdesk-timestamp"]),
        )
        assert request.headers[SIGNATURE_HEADER].startswith("sha256=")


def test_unsigned_clients_send_no_signature(sleeps: list[float]) -> None:
    seen: list[httpx.Request] = []
    with IngestClient("http://ingest", transport=scripted([ACCEPTED], seen)) as c:
        c.send_views([{"article_id": "a"}])
    assert SIGNATURE_HEADER not in seen[0].headers
    assert seen[0].headers["content-type"] == "application/json"
