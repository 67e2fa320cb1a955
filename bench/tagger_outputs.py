"""Every tag the enricher writes for a fixed set of inputs, and what tagging them costs in CPU.

`outputs` writes one sorted JSON line per article (the labelled sets, every parseable wire
fixture and a seeded bench corpus) so a change meant to make the taggers cheaper can be shown
to change no output: compare two runs byte for byte. `cpu` tags the bench corpus as the
service does (batches of 100, one MemoryStoryIndex) and prints best-of-N CPU ms per article.
Run with PYTHONPATH=<checkout> to measure another checkout with the same interpreter.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
# Appended, not prepended: PYTHONPATH (another checkout's code) keeps precedence.
sys.path.append(str(ROOT))
BATCH = 100
PUBLISHED = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)  # fixed: bench articles are dated


Row = tuple[str, str, Any]  # where the article comes from, its id, the article


def labelled_and_wire(root: Path) -> dict[str, list[Row]]:
    """Rows per set, parsed the way `newsdesk tag` and `newsdesk eval` parse them."""
    from services.ingest.parse_cli import article_line, parsed_articles

    out: dict[str, list[Row]] = {}
    for name in ("tests/data/eval/dev", "tests/data/eval/holdout", "tests/data/wire"):
        located, _status = parsed_articles([str(root / name)], None, io.StringIO())
        rows = []
        for shown, item, article in located:
            ident = article_line(shown, item, article)["id"]
            rows.append((f"{Path(shown).relative_to(root)}#{item}", ident, article))
        out[name] = rows
    return out


def bench_corpus(root: Path, distinct: int, burst: int, seed: int = 7) -> dict[str, list[Row]]:
    """The pipeline bench's two shapes of traffic, seeded so every run tags the same text."""
    from bench.pipeline import corpus
    from shared.models import Article

    pool = corpus.load_pool(root)
    sets = {
        "distinct": corpus.distinct_stories(
            pool, distinct, run="outputs", seed=seed, published=PUBLISHED
        ),
        "burst": corpus.near_duplicates(
            pool, burst, run="outputs", seed=seed + 2, published=PUBLISHED
        ),
    }
    return {
        name: [(doc["guid"], doc["guid"], Article.model_validate(doc)) for doc in docs]
        for name, docs in sets.items()
    }


def variants(sets: dict[str, list[Row]]) -> list[Row]:
    """Each article cut mid-text, with its headline in capitals and without a declared
    language: edges (a word cut short, a Title Case or shouted headline, no wire hint) that
    whole, well-formed articles rarely reach. They keep the article's id: new versions."""
    out = []
    for rows in sets.values():
        for label, key, article in rows:
            body = article.body_text
            for n, cut in enumerate((len(body) // 3, 2 * len(body) // 3 + 1)):
                changed = {"body_text": body[:cut], "language": None}
                if n:
                    changed["headline"] = article.headline.upper()
                out.append((f"{label}~{n}", key, article.model_copy(update=changed)))
    return out


def tag_set(rows: list[Row]) -> list[Any]:
    """Tags in batches of BATCH with one in-memory story index, as the service tags a stream."""
    from services.enricher.taggers.duplicates import MemoryStoryIndex
    from services.enricher.taggers.pipeline import tag_batch

    index = MemoryStoryIndex()
    out: list[Any] = []
    pairs = [(article, key) for _label, key, article in rows]
    for n in range(0, len(pairs), BATCH):
        out += tag_batch(pairs[n : n + BATCH], index=index)
    return out


def write_outputs(root: Path, out: Path, distinct: int, burst: int) -> int:
    sets = labelled_and_wire(root)
    sets["variants"] = variants(sets)
    sets |= bench_corpus(root, distinct, burst)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = 0
    with out.open("wb") as f:
        for name, rows in sets.items():
            for (label, key, _article), tags in zip(rows, tag_set(rows), strict=True):
                row = {"set": name, "from": label, "id": key, "tags": tags.model_dump(mode="json")}
                f.write(orjson.dumps(row, option=orjson.OPT_SORT_KEYS) + b"\n")
                lines += 1
    return lines


def cpu(root: Path, distinct: int, burst: int, repeat: int) -> dict[str, float]:
    """Best-of-`repeat` CPU ms per article for each corpus shape, after one warm-up pass.

    Each pass tags articles never seen before (its own seed), as the service does: a pass
    over texts already tagged would measure whatever the taggers remember of them.
    """
    passes = [bench_corpus(root, distinct, burst, seed=100 + 10 * n) for n in range(repeat)]
    tag_set(bench_corpus(root, 20, 0, seed=99)["distinct"])  # loads models, gazetteers, lists
    best: dict[str, float] = {}
    for sets in passes:
        for name, rows in sets.items():
            start = time.process_time()
            tag_set(rows)
            ms = (time.process_time() - start) * 1000 / len(rows)
            best[name] = min(best.get(name, ms), ms)
    return best


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=("outputs", "cpu"))
    p.add_argument("--root", type=Path, default=ROOT, help="checkout whose test data is read")
    p.add_argument("--out", type=Path, default=ROOT / "build" / "tagger_outputs.jsonl")
    p.add_argument("--distinct", type=int, default=500)
    p.add_argument("--burst", type=int, default=200)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    import services

    print(f"tagging with {Path(services.__file__).parent.parent}", file=sys.stderr)
    if args.mode == "outputs":
        lines = write_outputs(args.root, args.out, args.distinct, args.burst)
        print(f"{lines} articles -> {args.out}", file=sys.stderr)
    else:
        print(json.dumps(cpu(args.root, args.distinct, args.burst, args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
