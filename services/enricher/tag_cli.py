"""`newsdesk tag FILE|DIR` and `newsdesk eval DIR`: parse and tag offline, no Redis needed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

import orjson

from services.enricher.evaluation import render_table, score
from services.enricher.taggers.duplicates import MemoryStoryIndex
from services.enricher.taggers.pipeline import tag_article
from shared.models import Article

TAG_FIELDS = (
    "language", "topics", "entities", "keywords", "dateline", "word_count", "reading_time_s",
    "story_id", "duplicate_of",
)  # fmt: skip

# (file, item, article) as the offline parser yields them, and the canonical line of one;
# both are injected by the CLI so the enricher imports no other service.
Located = tuple[str, int, Article]
LineFn = Callable[[str, int, Article], dict[str, Any]]


def tag_rows(articles: Iterable[Located], line: LineFn) -> list[dict[str, Any]]:
    """Tag articles in order; near-duplicates are found within this run only.

    `story_id` and `duplicate_of` hold article ids (`id` of the rows), so they mean the same
    here as in the service, where there are no files.
    """
    index = MemoryStoryIndex()
    rows: list[dict[str, Any]] = []
    for shown, item, article in articles:
        row = line(shown, item, article)
        tags = tag_article(article, index=index, article_id=row["id"]).model_dump(mode="json")
        row["tags"] = {name: tags[name] for name in TAG_FIELDS}
        rows.append(row)
    return rows


def run_tag(articles: Iterable[Located], line: LineFn, out: TextIO) -> None:
    """One JSON line per article."""
    for row in tag_rows(articles, line):
        out.write(orjson.dumps(row).decode() + "\n")


def run_eval(
    gold_path: Path, articles: Iterable[Located], line: LineFn, out: TextIO, json_path: str | None
) -> int:
    """Tag the articles, score them against gold.jsonl, print the table, write the JSON."""
    if not gold_path.is_file():
        out.write(f"{gold_path}: no such file\n")
        return 2
    gold = [orjson.loads(row) for row in gold_path.read_bytes().splitlines() if row.strip()]
    report = score(gold, tag_rows(articles, line))
    out.write(render_table(report))
    if json_path:
        Path(json_path).write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    return 0
