"""Over ten thousand generated bad inputs: every parser forced on mutated real documents and
junk, and the HTTP API fed junk bodies under every content type. Nothing may crash, nothing
may answer 5xx, and every rejection must say why."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import redis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ingest.app import build_app
from services.ingest.parsers import FORMATS, ParsedItem, parse_bytes
from shared.errors import ParseError
from shared.settings import Settings
from tests.conftest import DATA
from tests.fault.conftest import FaultRow

pytestmark = pytest.mark.fault

NOW = datetime(2025, 1, 1, tzinfo=UTC)
PER_FORMAT = 800
HTTP_CASES = 1500
SEEDS = [
    p.read_bytes()[:4000]
    for p in sorted((DATA / "wire").rglob("*"))
    if p.is_file() and p.suffix != ".md"
][::3]
CONTENT_TYPES = [
    "application/json",
    "application/xml",
    "text/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/vnd.iptc.g2.newsitem+xml",
    "application/nitf+xml",
    "text/html",
    "text/plain",
    "application/octet-stream",
    "image/png",
    "",
]
junk = st.one_of(
    st.binary(max_size=600),
    st.builds(
        lambda seed, at, cut, noise: seed[:at] + noise + seed[at + cut :],
        st.sampled_from(SEEDS),
        st.integers(0, 4000),
        st.integers(0, 400),
        st.binary(max_size=60),
    ),
    st.text(max_size=400).map(str.encode),
)
TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module")
def http() -> Iterator[TestClient]:
    settings = Settings(
        key_prefix=f"bad{uuid.uuid4().hex[:6]}", require_auth=False, rate_limit_per_s=0
    )
    app = build_app(settings)
    with TestClient(app, raise_server_exceptions=True) as client:
        yield client
    cleanup = redis.Redis.from_url(settings.redis_url)
    for key in cleanup.scan_iter(match=settings.keys.all_pattern(), count=1000):
        cleanup.delete(key)
    cleanup.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_parser_survives_junk(fmt: str) -> None:
    @settings(
        max_examples=PER_FORMAT,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(junk)
    def run(data: bytes) -> None:
        TALLY["parser"] += 1
        try:
            items = parse_bytes(data, fmt=fmt, now=NOW)
        except ParseError as exc:
            items, reason = [], exc.reason
        else:
            reason = None
        if reason is not None:
            assert reason.strip()
            TALLY["parser_refused"] += 1
        assert all(isinstance(i, ParsedItem) for i in items)
        for item in items:
            assert (item.article is None) != (item.error is None)

    run()


def test_http_api_answers_junk_with_clear_4xx(http: TestClient) -> None:
    @settings(
        max_examples=HTTP_CASES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(junk, st.sampled_from(CONTENT_TYPES), st.sampled_from(["/v1/articles", "/v1/views"]))
    def run(body: bytes, content_type: str, path: str) -> None:
        TALLY["http"] += 1
        resp = http.post(path, content=body, headers={"content-type": content_type})
        assert resp.status_code < 500, resp.text
        TALLY[f"http_{resp.status_code}"] += 1
        if resp.status_code >= 400:
            detail = resp.json()["detail"]
            assert detail
            if resp.status_code == 422:
                assert all(d["field"] and d["reason"] for d in detail)

    run()


def test_record_bad_input_totals(record: Callable[..., FaultRow]) -> None:
    total = TALLY["parser"] + TALLY["http"]
    codes = ", ".join(f"{k[5:]}: {v}" for k, v in sorted(TALLY.items()) if k.startswith("http_"))
    record(
        fault="generated bad inputs (hypothesis): every parser forced + HTTP junk",
        tried=total,
        accepted=0,
        lost=0,
        duplicated=0,
        note=f"0 crashes, 0 responses 5xx; {TALLY['parser']} parser cases "
        f"({TALLY['parser_refused']} refused with ParseError), {TALLY['http']} HTTP ({codes})",
    )
    assert total >= 10_000
