"""`newsdesk parse FILE|DIR [--format F]`: wire files to canonical article JSON lines, offline.

`python -m services.ingest.parse_cli --coverage DIR...` prints, per format, how many items
fill each canonical field (and with -v which items miss it): the audit behind docs/FORMATS.md.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import orjson

from services.ingest.parsers import ParsedItem, parse_bytes
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


Read = tuple[str, int, ParsedItem | None]


def _items(paths: list[str], fmt: str | None, err: TextIO) -> Iterator[Read]:
    """(file, index, item) for every item in file order, as it is read; (file, -1, None) for a
    file that could not be read at all, reported on `err` in one line."""
    for shown, path in _files(paths):
        if path is None:
            err.write(f"{shown}: no such file or directory\n")
            yield shown, -1, None
            continue
        try:
            items = parse_bytes(path.read_bytes(), filename=path.name, fmt=fmt)
        except OSError as exc:
            err.write(f"{shown}: cannot read: {exc.strerror or exc}\n")
            yield shown, -1, None
            continue
        except ParseError as exc:
            err.write(f"{shown}: {type(exc).__name__}: {exc}\n")
            yield shown, -1, None
            continue
        for index, item in enumerate(items):
            yield shown, index, item


def parsed_articles(
    paths: list[str], fmt: str | None, err: TextIO
) -> tuple[list[tuple[str, int, Article]], int]:
    """(file, item, article) of every readable item in file order, and the exit status: 1 if
    any file or item could not be read (each reported on `err` in one line), else 0."""
    found: list[tuple[str, int, Article]] = []
    status = 0
    for shown, index, item in _items(paths, fmt, err):
        if item is None or item.article is None:
            if item is not None:
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
    """Entry point for the `newsdesk parse` subcommand (args.paths, args.fmt, and the audit's
    args.coverage / args.verbose when the command line offers them)."""
    del settings  # parsing is offline: no Redis, no service settings
    if getattr(args, "coverage", False):
        coverage = field_coverage(list(args.paths), args.fmt)
        sys.stdout.write(render_coverage(coverage, verbose=getattr(args, "verbose", False)))
        return 0
    return run_parse(list(args.paths), args.fmt, sys.stdout, sys.stderr)


def _filled(value: Any) -> bool:
    return value not in (None, "", [])


def field_coverage(paths: list[str], fmt: str | None = None) -> dict[str, dict[str, list[str]]]:
    """Per format, per canonical field, the items ("file#n") that leave it empty; the key
    "" lists every article item of the format (refused items and files are not counted)."""
    out: dict[str, dict[str, list[str]]] = {}
    for shown, index, item in _items(paths, fmt, io.StringIO()):
        if item is None or item.article is None:
            continue
        misses = out.setdefault(item.format, {"": []})
        name = f"{shown}#{index}"
        misses[""].append(name)
        for field in FIELDS:
            if not _filled(getattr(item.article, field)):
                misses.setdefault(field, []).append(name)
    return out


def render_coverage(coverage: dict[str, dict[str, list[str]]], *, verbose: bool = False) -> str:
    """A table of filled/total per format and field; verbose adds the items that miss each."""
    short = [f[:8] for f in FIELDS]
    lines = ["format      items " + " ".join(f"{s:>8}" for s in short)]
    for kind in sorted(coverage):
        misses = coverage[kind]
        total = len(misses[""])
        cells = [f"{total - len(misses.get(f, [])):>8}" for f in FIELDS]
        lines.append(f"{kind:<11} {total:>5} " + " ".join(cells))
    if verbose:
        for kind in sorted(coverage):
            for field in FIELDS:
                for name in coverage[kind].get(field, []):
                    lines.append(f"{kind}\t{field}\t{name}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """`python -m services.ingest.parse_cli --coverage [-v] PATH...` (the parse CLI's audit)."""
    args = argparse.ArgumentParser(description=main.__doc__)
    args.add_argument("--coverage", action="store_true", required=True)
    args.add_argument("-v", "--verbose", action="store_true")
    args.add_argument("--format", dest="fmt", default=None)
    args.add_argument("paths", nargs="+")
    ns = args.parse_args(argv)
    coverage = field_coverage(list(ns.paths), ns.fmt)
    sys.stdout.write(render_coverage(coverage, verbose=ns.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
