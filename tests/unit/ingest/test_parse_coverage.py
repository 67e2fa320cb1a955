"""The field audit over the wire fixtures: each format fills the fields its wire carries.

The table is written to build/wire-field-coverage.txt on every run, for docs/FORMATS.md.
"""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pytest

from services.ingest.parse_cli import FIELDS, cmd_parse, field_coverage, main, render_coverage

ROOT = Path(__file__).parents[3]
WIRE = ROOT / "tests" / "data" / "wire"

# Fields every item of a format fills (on these fixtures) because its wire always carries them.
ALWAYS = {
    "anpa": ("urgency", "firstcreated", "versioncreated", "published_at", "subjects"),
    "iptc7901": ("urgency", "firstcreated", "versioncreated", "published_at", "subjects"),
    "nitf": ("headline", "firstcreated", "versioncreated", "published_at", "body_text"),
    "newsml-1": ("headline", "language", "firstcreated", "versioncreated", "published_at"),
    "newsml-g2": ("headline", "versioncreated", "published_at"),
    "atom": ("guid", "url"),
    "rss": ("url",),
}


@pytest.fixture(scope="module")
def coverage() -> dict[str, dict[str, list[str]]]:
    found = field_coverage([str(WIRE)])
    table = render_coverage(found, verbose=True)
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "wire-field-coverage.txt").write_text(table)
    return found


def filled(coverage: dict[str, dict[str, list[str]]], kind: str, field: str) -> int:
    return len(coverage[kind][""]) - len(coverage[kind].get(field, []))


@pytest.mark.parametrize("kind", sorted(ALWAYS))
def test_fields_a_format_always_carries_are_always_filled(
    coverage: dict[str, dict[str, list[str]]], kind: str
) -> None:
    for field in ALWAYS[kind]:
        misses = coverage[kind].get(field, [])
        assert not misses, f"{kind}.{field} empty in {misses}"


def test_wire_datelines_and_creation_times_reach_the_articles(
    coverage: dict[str, dict[str, list[str]]],
) -> None:
    # every NITF, NewsML 1.x and NewsML-G2 fixture whose wire names a place
    assert filled(coverage, "nitf", "dateline") == 9
    assert filled(coverage, "newsml-1", "dateline") == 6
    assert filled(coverage, "newsml-g2", "dateline") == 9
    assert filled(coverage, "ninjs", "dateline") == 3
    assert filled(coverage, "newsml-g2", "firstcreated") == 12  # all but dpa and Scoop


def test_the_table_counts_filled_items_per_format_and_field() -> None:
    found = {"rss": {"": ["a#0", "a#1"], "byline": ["a#1"]}}
    table = render_coverage(found, verbose=True).splitlines()
    assert table[0].split()[:3] == ["format", "items", "guid"]
    row = table[1].split()
    assert row[:2] == ["rss", "2"]
    assert row[2 + FIELDS.index("byline")] == "1"
    assert row[2 + FIELDS.index("guid")] == "2"
    assert table[2] == "rss\tbyline\ta#1"


def test_the_parse_command_runs_the_audit_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    args = Namespace(paths=[str(WIRE / "nitf" / "ap-nitf.xml")], fmt=None, coverage=True)
    assert cmd_parse(args, None) == 0
    assert capsys.readouterr().out.startswith("format      items")


def test_the_audit_runs_as_a_module(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--coverage", str(WIRE / "nitf" / "ap-nitf.xml")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[1].split()[:2] == ["nitf", "1"]
