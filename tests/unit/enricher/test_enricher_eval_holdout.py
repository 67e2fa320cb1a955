"""The held-out labelled set, written apart from the rules: entity targets met on text the
rules were not tuned on, and nothing else the enricher reads lost on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newsdesk.cli import main

HOLDOUT = Path(__file__).resolve().parents[2] / "data" / "eval" / "holdout"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("eval") / "report.json"
    assert main(["eval", str(HOLDOUT), "--json", str(path)]) == 0
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_holdout_is_complete(report: dict[str, Any]) -> None:
    assert report["articles"] == 50
    assert report["language_accuracy"] == 1.0
    assert report["published_at_accuracy"] == 1.0
    assert report["dateline_accuracy"] == 1.0


def test_entity_targets(report: dict[str, Any]) -> None:
    assert report["entities"]["en/all"]["f1"] >= 0.90
    assert report["entities"]["other/all"]["f1"] >= 0.85
    assert report["entities"]["all/all"]["precision"] >= 0.90


def test_topics_hold_on_text_they_were_not_tuned_on(report: dict[str, Any]) -> None:
    """0.80 before each text was read with its own language's lexicon (0.90 after); the
    issue's goal for hidden sets is 0.93, which this set does not reach yet."""
    assert report["topic_top1_accuracy"] >= 0.88


def test_secondary_topics_need_support_in_two_parts_of_the_story(report: dict[str, Any]) -> None:
    """Micro-F1 0.800 (precision 0.74) while a secondary topic could rest on one mention."""
    assert report["topic_micro"]["precision"] >= 0.85
    assert report["topic_micro"]["f1"] >= 0.85
