"""The labelled dev set meets the enricher issue's targets, through `newsdesk tag` and `eval`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newsdesk.cli import main

DEV = Path(__file__).resolve().parents[2] / "data" / "eval" / "dev"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("eval") / "report.json"
    assert main(["eval", str(DEV), "--json", str(path)]) == 0
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_eval_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(DEV)]) == 0
    table = capsys.readouterr().out
    assert "en/all" in table
    assert "other/all" in table
    assert "near_duplicates" in table


def test_language_is_always_right(report: dict[str, Any]) -> None:
    assert report["language_accuracy"] == 1.0


def test_published_at_and_dateline(report: dict[str, Any]) -> None:
    assert report["published_at_accuracy"] >= 0.97
    assert report["dateline_accuracy"] >= 0.97


def test_topics(report: dict[str, Any]) -> None:
    assert report["topic_top1_accuracy"] >= 0.85


def test_entities(report: dict[str, Any]) -> None:
    assert report["entities"]["en/all"]["f1"] >= 0.90
    assert report["entities"]["other/all"]["f1"] >= 0.75


def test_every_pair_found_and_no_false_pair(report: dict[str, Any]) -> None:
    for name in ("near_duplicates", "supersedes"):
        assert report[name]["fn"] == 0, name
        assert report[name]["fp"] == 0, name
        assert report[name]["tp"] >= 1


def test_tag_prints_one_json_line_per_article(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["tag", str(DEV)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    rows = [json.loads(line) for line in captured.out.splitlines()]
    gold = (DEV / "gold.jsonl").read_text().splitlines()
    assert len(rows) == len(gold)
    row = rows[0]
    assert list(row)[:3] == ["file", "item", "id"]
    assert row["published_at"].endswith("Z")
    assert set(row["tags"]) == {
        "language", "topics", "entities", "keywords", "dateline", "word_count",
        "reading_time_s", "story_id", "duplicate_of",
    }  # fmt: skip
    by_file = {Path(r["file"]).name: r for r in rows}
    assert (
        by_file["05-ecb-rate-cut-wire.json"]["tags"]["duplicate_of"]
        == by_file["04-ecb-first-rate-cut.txt"]["id"]
    )


def test_missing_path_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tag", "/nonexistent/file.xml"]) == 1
    assert "no such file" in capsys.readouterr().err
