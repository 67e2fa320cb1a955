"""Score tagged articles against a labelled set (gold.jsonl): pure functions, a table and a dict."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

ENTITY_TYPES = ("person", "org", "place")
_SAME_LANGUAGE = {"no": "nb", "nn": "nb"}  # Norwegian written as 'no', 'nb' or 'nn' is one label

Row = dict[str, Any]


def _key(row: Row) -> tuple[str, int]:
    return (str(row["file"]).replace("\\", "/").rsplit("/", 1)[-1], int(row.get("item") or 0))


def _lang(code: object) -> str | None:
    return None if code is None else _SAME_LANGUAGE.get(str(code), str(code))


def _ratio(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def entity_set(entities: Iterable[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(str(e["type"]), " ".join(str(e["name"]).split())) for e in entities}


def gold_entity_set(entities: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {(kind, " ".join(name.split())) for kind, names in entities.items() for name in names}


def predicted_pairs(rows: list[Row]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(near-duplicate pairs, supersede pairs) as (file, earlier file), from tag output rows.

    Tags name articles by id; a version of an id seen before supersedes the latest earlier one.
    """
    first_file: dict[str, str] = {}
    latest_file: dict[str, str] = {}
    dups: set[tuple[str, str]] = set()
    sups: set[tuple[str, str]] = set()
    for row in rows:
        name = _key(row)[0]
        art_id = str(row["id"])
        earlier = row["tags"].get("duplicate_of")
        if art_id in latest_file:
            sups.add((name, latest_file[art_id]))
        elif earlier and earlier in first_file:
            dups.add((name, first_file[earlier]))
        first_file.setdefault(art_id, name)
        latest_file[art_id] = name
    return dups, sups


class _Tally:
    """Counts accumulated article by article, turned into ratios at the end."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = defaultdict(int)
        self.topics = [0, 0, 0]
        self.entities: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.misses: list[dict[str, Any]] = []

    def add(self, g: Row, p: Row | None) -> None:
        tags: dict[str, Any] = p["tags"] if p else {}
        self.hits["articles"] += 1
        self.hits["language"] += _lang(tags.get("language")) == _lang(g["language"])
        self.hits["published_at"] += p is not None and p.get("published_at") == g["published_at"]
        self.hits["dateline"] += tags.get("dateline") == g["dateline"]
        codes = [t["code"] for t in tags.get("topics", [])]
        self.hits["topic_top1"] += bool(codes) and codes[0] == g["topics"][0]
        _count(self.topics, set(g["topics"]), set(codes))
        want = gold_entity_set(g["entities"])
        got = entity_set(tags.get("entities", []))
        group = "en" if g["language"] == "en" else "other"
        for kind in ENTITY_TYPES:
            w = {e for e in want if e[0] == kind}
            h = {e for e in got if e[0] == kind}
            for bucket in ((group, kind), (group, "all"), ("all", kind), ("all", "all")):
                _count(self.entities[bucket], w, h)
        if want != got:
            missing, extra = sorted(want - got), sorted(got - want)
            self.misses.append(
                {"file": g["file"], "item": g["item"], "missing": missing, "extra": extra}
            )

    def ratio(self, name: str) -> float:
        return _ratio(self.hits[name], self.hits["articles"])


def _count(counts: list[int], want: set[Any], got: set[Any]) -> None:
    counts[0] += len(want & got)
    counts[1] += len(got - want)
    counts[2] += len(want - got)


def _pairs_prf(want: set[tuple[str, str]], got: set[tuple[str, str]]) -> dict[str, float | int]:
    return _prf(len(want & got), len(got - want), len(want - got))


def score(gold: list[Row], predicted: list[Row]) -> dict[str, Any]:
    """Every metric the enricher issue names, computed over the gold rows in order."""
    by_key = {_key(row): row for row in predicted}
    tally = _Tally()
    for g in gold:
        tally.add(g, by_key.get(_key(g)))
    gold_dups = {(_key(g)[0], g["duplicate_of"]) for g in gold if g.get("duplicate_of")}
    gold_sups = {(_key(g)[0], g["supersedes"]) for g in gold if g.get("supersedes")}
    dups, sups = predicted_pairs(predicted)
    return {
        "articles": tally.hits["articles"],
        "language_accuracy": tally.ratio("language"),
        "published_at_accuracy": tally.ratio("published_at"),
        "dateline_accuracy": tally.ratio("dateline"),
        "topic_top1_accuracy": tally.ratio("topic_top1"),
        "topic_micro": _prf(*tally.topics),
        "entities": {f"{g}/{k}": _prf(*v) for (g, k), v in sorted(tally.entities.items())},
        "near_duplicates": _pairs_prf(gold_dups, dups),
        "supersedes": _pairs_prf(gold_sups, sups),
        "entity_misses": tally.misses,
    }


def render_table(report: dict[str, Any]) -> str:
    """The report as the text table `newsdesk eval` prints."""
    lines = [f"articles                 {report['articles']}"]
    for name in (
        "language_accuracy",
        "published_at_accuracy",
        "dateline_accuracy",
        "topic_top1_accuracy",
    ):
        lines.append(f"{name:<24} {report[name]:.3f}")
    lines.append(f"{'topic micro-F1':<24} {report['topic_micro']['f1']:.3f}")
    lines.append("")
    lines.append(f"{'entities':<16} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}")
    for name, m in report["entities"].items():
        lines.append(
            f"{name:<16} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f}"
            f" {m['tp']:5d} {m['fp']:5d} {m['fn']:5d}"
        )
    lines.append("")
    for name in ("near_duplicates", "supersedes"):
        m = report[name]
        lines.append(
            f"{name:<16} P {m['precision']:.3f} R {m['recall']:.3f}"
            f" (tp {m['tp']}, fp {m['fp']}, fn {m['fn']})"
        )
    return "\n".join(lines) + "\n"
