"""`newsdesk tag FILE|DIR` and `newsdesk eval DIR`: parse and tag offline, no Redis needed."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO

import orjson

from services.enricher.evaluation import render_table, score
from services.enricher.taggers.duplicates import MemoryStoryIndex
from services.enricher.taggers.pipeline import tag_article
from shared.errors import ParseError
from shared.models import Article, article_id

PRODUCER = "local"
FIELDS = (
    "guid", "version", "pubstatus", "urgency", "headline", "subheadline", "byline", "dateline",
    "language", "section", "url", "firstcreated", "versioncreated", "published_at", "body_text",
    "body_html", "subjects", "keywords", "images",
)  # fmt: skip
TAG_FIELDS = (
    "language", "topics", "entities", "keywords", "dateline", "word_count", "reading_time_s",
    "story_id", "duplicate_of",
)  # fmt: skip
# Notes and labels beside the articles in a folder, not articles.
_NOT_ARTICLES = (".md", ".rst", ".jsonl", ".csv", ".tsv", ".json.gold")
_NOT_ARTICLE_NAMES = ("readme", "license", "licence", "sources", "changelog", "gold")


def _files(paths: list[str]) -> Iterator[tuple[str, Path | None]]:
    """(shown path, file) in name order; a missing path yields (path, None)."""
    for given in paths:
        root = Path(given)
        if root.is_dir():
            rels = sorted(
                (p.relative_to(root) for p in root.rglob("*") if p.is_file()), key=lambda r: r.parts
            )
            for rel in rels:
                name = rel.name.lower()
                hidden = any(part.startswith((".", "_")) for part in rel.parts)
                if not (
                    hidden
                    or name.endswith(_NOT_ARTICLES)
                    or name.split(".", 1)[0] in _NOT_ARTICLE_NAMES
                ):
                    yield os.path.join(given, *rel.parts), root / rel
        else:
            yield given, root if root.is_file() else None


def _row(
    shown: str, item: int, art_id: str, article: Article, tags: dict[str, Any]
) -> dict[str, Any]:
    data = article.model_dump(mode="json")
    row: dict[str, Any] = {"file": shown, "item": item, "id": art_id}
    row.update((name, data[name]) for name in FIELDS)
    row["tags"] = {name: tags[name] for name in TAG_FIELDS}
    return row


class Parsed(Protocol):
    """One item of a parsed document (ingest's ParsedItem has this shape)."""

    @property
    def article(self) -> Article | None: ...

    @property
    def error(self) -> ParseError | None: ...


# (bytes, filename) -> items. Injected by the CLI so the enricher imports no other service.
ParseFn = Callable[[bytes, str], Sequence[Parsed]]


def tag_paths(paths: list[str], err: TextIO, parse: ParseFn) -> tuple[list[dict[str, Any]], int]:
    """Tag every article under `paths`; near-duplicates are found within this run only.

    `story_id` and `duplicate_of` hold article ids (`id` of the rows), so they mean the same
    here as in the service, where there are no files.
    """
    index = MemoryStoryIndex()
    rows: list[dict[str, Any]] = []
    status = 0
    for shown, path in _files(paths):
        if path is None:
            err.write(f"{shown}: no such file or directory\n")
            status = 1
            continue
        try:
            items = parse(path.read_bytes(), path.name)
        except (OSError, ParseError) as exc:
            err.write(f"{shown}: {type(exc).__name__}: {exc}\n")
            status = 1
            continue
        for item, parsed in enumerate(items):
            if parsed.article is None:
                err.write(f"{shown}#{item}: ParseError: {parsed.error}\n")
                status = 1
                continue
            art_id = article_id(PRODUCER, parsed.article.guid)
            tags = tag_article(parsed.article, index=index, article_id=art_id)
            rows.append(_row(shown, item, art_id, parsed.article, tags.model_dump(mode="json")))
    return rows, status


def run_tag(paths: list[str], out: TextIO, err: TextIO, parse: ParseFn) -> int:
    """Print one JSON line per article; 1 if any file or item could not be read, else 0."""
    rows, status = tag_paths(paths, err, parse)
    for row in rows:
        out.write(orjson.dumps(row).decode() + "\n")
    return status


def run_eval(directory: str, out: TextIO, json_path: str | None, parse: ParseFn) -> int:
    """Tag DIR, score it against DIR/gold.jsonl, print the table and write the JSON report."""
    gold_path = Path(directory) / "gold.jsonl"
    if not gold_path.is_file():
        out.write(f"{gold_path}: no such file\n")
        return 2
    gold = [orjson.loads(line) for line in gold_path.read_bytes().splitlines() if line.strip()]
    rows, _status = tag_paths([directory], out, parse)
    report = score(gold, rows)
    out.write(render_table(report))
    if json_path:
        Path(json_path).write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    return 0
