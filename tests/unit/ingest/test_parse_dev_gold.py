"""The labelled dev set and the seed page parse to their gold fields, without boilerplate."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from services.ingest.parsers import ParsedItem, parse_bytes
from shared.models import Article

DATA = Path(__file__).parents[2] / "data"
DEV = DATA / "eval" / "dev"
GOLD: list[dict[str, Any]] = [
    json.loads(line) for line in (DEV / "gold.jsonl").read_text().splitlines() if line.strip()
]


@cache
def parsed(name: str) -> tuple[ParsedItem, ...]:
    return tuple(parse_bytes((DEV / name).read_bytes(), filename=name))


def gold_article(row: dict[str, Any]) -> Article:
    item = parsed(str(row["file"]))[int(row["item"])]
    assert item.article is not None, item.error
    return item.article


def lines(text: str) -> set[str]:
    return {" ".join(line.split()) for line in text.split("\n") if line.strip()}


def row_id(row: dict[str, Any]) -> str:
    return f"{row['file']}#{row['item']}"


def test_every_dev_file_parses_to_exactly_its_gold_items() -> None:
    expected = Counter(row["file"] for row in GOLD)
    files = sorted(p.name for p in DEV.iterdir() if p.name not in ("gold.jsonl", "README.md"))
    assert sorted(expected) == files
    for name, count in expected.items():
        items = parsed(name)
        assert len(items) == count
        assert all(item.article is not None for item in items), name
        assert items[0].format == next(r["format"] for r in GOLD if r["file"] == name)


@pytest.mark.parametrize("row", GOLD, ids=row_id)
def test_gold_headline(row: dict[str, Any]) -> None:
    assert gold_article(row).headline == row["headline"]


@pytest.mark.parametrize("row", GOLD, ids=row_id)
def test_gold_published_at_dateline_and_status(row: dict[str, Any]) -> None:
    art = gold_article(row)
    assert art.published_at is not None
    assert art.published_at.strftime("%Y-%m-%dT%H:%M:%SZ") == row["published_at"]
    assert art.dateline == row["dateline"]
    assert art.pubstatus == row["pubstatus"]
    assert art.language in (row["language"], None)  # never a wrong one; pages may not say


@pytest.mark.parametrize("row", [r for r in GOLD if r["guid"]], ids=row_id)
def test_gold_wire_guid_and_version(row: dict[str, Any]) -> None:
    art = gold_article(row)
    assert art.guid == row["guid"]
    assert art.version == (row["version"] if row["version"] is not None else 1)


@pytest.mark.parametrize("row", [r for r in GOLD if r["boilerplate"]], ids=row_id)
def test_no_gold_boilerplate_line_in_body(row: dict[str, Any]) -> None:
    art = gold_article(row)
    leaked = lines(art.body_text) & {" ".join(b.split()) for b in row["boilerplate"]}
    assert not leaked
    assert art.body_text  # the story itself survived


def test_pages_without_a_wire_id_get_a_stable_derived_guid() -> None:
    pages = [r for r in GOLD if r["format"] in ("text", "html")]
    guids = {gold_article(r).guid for r in pages}
    assert len(guids) == len(pages)
    again = parse_bytes((DEV / pages[0]["file"]).read_bytes())[0].article
    assert again is not None
    assert again.guid == gold_article(pages[0]).guid


def test_seed_page() -> None:
    raw = (DATA / "seed" / "kishida-yoon-san-francisco.txt").read_bytes()
    [item] = parse_bytes(raw, content_type="text/plain; charset=utf-8")
    art = item.article
    assert art is not None
    assert item.format == "text"
    assert art.headline.startswith("Japan’s Kishida, South Korea’s Yoon Confirm to Cooperate")
    assert art.section == "World"
    assert art.published_at == datetime(2023, 11, 17, 7, 5, tzinfo=UTC)
    assert art.dateline == "SAN FRANCISCO"
    assert art.images[0].caption
    assert art.images[0].caption.startswith("Prime Minister Fumio")
    body = lines(art.body_text)
    assert '"World" POPULAR ARTICLE' not in body
    assert "JN ACCESS RANKING" not in body
    assert "Japan Exports Rise in October as Slump in U.S. Sales Eases" not in body
    assert "-" not in body
    assert art.body_text.endswith("when I visited Japan in March.”")


def test_section_comes_from_the_popular_list_in_any_language() -> None:
    assert gold_article({"file": "02-noto-jishin.txt", "item": 0}).section == "社会"
    assert gold_article({"file": "01-ishiba-ldp-leadership.txt", "item": 0}).section == "Politics"
