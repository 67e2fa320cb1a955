"""`newsdesk parse FILE|DIR [--format F]`: wire files to canonical article JSON lines, offline."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import orjson

from services.ingest.parsers import parse_bytes
from shared.errors import ParseError
from shared.models import Article, article_id

PRODUCER = "local"
FIELDS = (
    "guid", "version", "pubstatus", "urgency", "headline", "subheadline", "byline", "dateline",
    "language", "section", "url", "firstcreated", "versioncreated", "published_at", "body_text",
    "body_html", "subjects", "keywords", "images",
)  # fmt: skip
# In a folder walk these are notes and labels about the articles, not articles.
_NOT_ARTICLES = (".md", ".rst", ".jsonl", ".csv", ".tsv", ".json.gold")
_NOT_ARTICLE_NAMES = ("readme", "license", "licence", "sources", "changelog", "gold")


def article_line(path: str, index: int, article: Article) -> dict[str, Any]:
    """One output object: where it came from, its id, then the article's fields in order."""
    data = article.model_dump(mode="json")
    row: dict[str, Any] = {"file": path, "item": index, "id": article_id(PRODUCER, article.guid)}
    row.update((name, data[name]) for name in FIELDS)
    return row


def _skipped(rel: Path) -> bool:
    name = rel.name.lower()
    hidden = any(part.startswith((".", "_")) for part in rel.parts)
    return hidden or name.endswith(_NOT_ARTICLES) or name.split(".", 1)[0] in _NOT_ARTICLE_NAMES


def _files(paths: list[str]) -> Iterator[tuple[str, Path | None]]:
    """(shown path, file) in order; a missing path yields (path, None) so it gets reported."""
    for given in paths:
        root = Path(given)
        if root.is_dir():
            found = [p for p in root.rglob("*") if p.is_file()]
            rels = sorted((p.relative_to(root) for p in found), key=lambda r: r.parts)
            for rel in rels:
                if not _skipped(rel):
                    yield os.path.join(given, *rel.parts), root / rel
        elif root.is_file():
            yield given, root
        else:
            yield given, None


def parsed_articles(
    paths: list[str], fmt: str | None, err: TextIO
) -> tuple[list[tuple[str, int, Article]], int]:
    """(file, item, article) of every readable item in file order, and the exit status: 1 if
    any file or item could not be read (each reported on `err` in one line), else 0."""
    found: list[tuple[str, int, Article]] = []
    status = 0
    for shown, path in _files(paths):
        if path is None:
            err.write(f"{shown}: no such file or directory\n")
            status = 1
            continue
        try:
            items = parse_bytes(path.read_bytes(), filename=path.name, fmt=fmt)
        except OSError as exc:
            err.write(f"{shown}: cannot read: {exc.strerror or exc}\n")
            status = 1
            continue
        except ParseError as exc:
            err.write(f"{shown}: {type(exc).__name__}: {exc}\n")
            status = 1
            continue
        for index, item in enumerate(items):
            if item.article is None:
                err.write(f"{shown}#{index}: ParseError: {item.error}\n")
                status = 1
                continue
            found.append((shown, index, item.article))
    return found, status


def run_parse(paths: list[str], fmt: str | None, out: TextIO, err: TextIO) -> int:
    """Print every article of every file; 1 if any file or item could not be read, else 0."""
    found, status = parsed_articles(paths, fmt, err)
    for shown, index, article in found:
        out.write(orjson.dumps(article_line(shown, index, article)).decode() + "\n")
    return status


def cmd_parse(args: Any, settings: Any) -> int:
    """Entry point for the `newsdesk parse` subcommand (args.paths, args.fmt)."""
    del settings  # parsing is offline: no Redis, no service settings
    return run_parse(list(args.paths), args.fmt, sys.stdout, sys.stderr)
