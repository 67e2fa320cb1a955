"""Scoring against gold rows: accuracies, entity P/R/F1 per type and language, pair metrics."""

from __future__ import annotations

from typing import Any

from services.enricher.evaluation import predicted_pairs, render_table, score


def _gold(file: str, **extra: Any) -> dict[str, Any]:
    row = {
        "file": file, "item": 0, "language": "en", "published_at": "2024-01-01T00:00:00Z",
        "dateline": "PARIS", "topics": ["medtop:11000000"],
        "entities": {"person": ["Emmanuel Macron"], "org": [], "place": ["Paris"]},
        "duplicate_of": None, "supersedes": None,
    }  # fmt: skip
    row.update(extra)
    return row


def _pred(file: str, art_id: str, **tags: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "language": "en", "dateline": "PARIS", "topics": [{"code": "medtop:11000000"}],
        "entities": [
            {"type": "person", "name": "Emmanuel Macron"}, {"type": "place", "name": "Paris"},
        ],
        "duplicate_of": None,
    }  # fmt: skip
    base.update(tags)
    return {
        "file": f"dir/{file}",
        "item": 0,
        "id": art_id,
        "published_at": "2024-01-01T00:00:00Z",
        "tags": base,
    }


def test_perfect_prediction_scores_one() -> None:
    report = score([_gold("a.xml")], [_pred("a.xml", "1")])
    assert report["language_accuracy"] == report["dateline_accuracy"] == 1.0
    assert report["topic_top1_accuracy"] == report["topic_micro"]["f1"] == 1.0
    assert report["entities"]["en/all"]["f1"] == 1.0
    assert "en/all" in render_table(report)


def test_entity_errors_count_per_type_and_language() -> None:
    gold = [_gold("a.xml"), _gold("b.xml", language="fr")]
    wrong = [{"type": "person", "name": "Macron"}, {"type": "place", "name": "Paris"}]
    report = score(gold, [_pred("a.xml", "1", entities=wrong), _pred("b.xml", "2")])
    assert report["entities"]["en/person"]["fp"] == 1
    assert report["entities"]["en/person"]["fn"] == 1
    assert report["entities"]["other/all"]["f1"] == 1.0
    assert report["entities"]["all/place"]["precision"] == 1.0


def test_missing_prediction_is_wrong() -> None:
    report = score([_gold("a.xml")], [])
    assert report["language_accuracy"] == 0.0
    assert report["entities"]["all/all"]["recall"] == 0.0


def test_pairs_map_ids_back_to_files() -> None:
    rows = [_pred("a.xml", "1"), _pred("b.json", "2", duplicate_of="1"), _pred("c.json", "1")]
    dups, sups = predicted_pairs(rows)
    assert dups == {("b.json", "a.xml")}
    assert sups == {("c.json", "a.xml")}
    gold = [
        _gold("a.xml"),
        _gold("b.json", duplicate_of="a.xml"),
        _gold("c.json", supersedes="a.xml"),
    ]
    report = score(gold, rows)
    assert report["near_duplicates"]["recall"] == report["supersedes"]["precision"] == 1.0
