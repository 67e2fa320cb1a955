"""Poison input: whatever the bytes, parse_bytes gives items or raises ParseError, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ingest.parsers import FORMATS, ParsedItem, parse_bytes
from shared.errors import ParseError

WIRE = Path(__file__).parents[2] / "data" / "wire"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
SEEDS = [
    (WIRE / rel).read_bytes()[:3000]
    for rel in (
        "ninjs/iptc-3.0-ntb_text.json",
        "newsml-g2/iptc-LISTING_1_News_Item.xml",
        "nitf/ap-nitf.xml",
        "newsml-1/afp-newsml12-en.xml",
        "anpa/anpa-1.tst",
        "iptc7901/dpa-IPTC7901.txt",
        "rss/feedparser-rss2sample.xml",
        "atom/superdesk-wenn.xml",
    )
]
TAGS = ["nitf", "newsItem", "newsMessage", "NewsML", "rss", "feed", "html", "p", "item", "body"]
near_xml = st.builds(
    lambda tag, inner, junk: f"<{tag}>{junk}<{inner}>{junk}</{inner}></{tag}>".encode(),
    st.sampled_from(TAGS),
    st.sampled_from(TAGS),
    st.text(max_size=60),
)
mutated = st.builds(
    lambda seed, at, cut, junk: seed[:at] + junk + seed[at + cut :],
    st.sampled_from(SEEDS),
    st.integers(0, 3000),
    st.integers(0, 200),
    st.binary(max_size=40),
)


def _check(data: bytes, fmt: str | None = None) -> None:
    try:
        items = parse_bytes(data, fmt=fmt, now=NOW)
    except ParseError:
        return
    assert all(isinstance(i, ParsedItem) for i in items)
    for item in items:
        assert (item.article is None) != (item.error is None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    _check(data)


@settings(max_examples=300, deadline=None)
@given(near_xml)
def test_near_xml(data: bytes) -> None:
    _check(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated)
def test_mutated_real_documents(data: bytes) -> None:
    _check(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(FORMATS))
def test_forced_formats(data: bytes, fmt: str) -> None:
    _check(data, fmt)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text_pages(text: str) -> None:
    _check(text.encode("utf-8", "surrogatepass"), "text")
