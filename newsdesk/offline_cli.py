"""`newsdesk tag` and `newsdesk eval`: ingest's parsers feeding the enricher's taggers, offline.

This is a composition root, like `runner.SERVICES`: it is the one place that hands one
service's code to another's, so neither service imports the other. Imports happen when a
command runs, so `newsdesk --help` loads neither.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shared.settings import Settings


def cmd_tag(args: argparse.Namespace, settings: Settings) -> int:
    from services.enricher.tag_cli import run_tag
    from services.ingest.parse_cli import article_line, parsed_articles

    articles, status = parsed_articles(args.paths, None, sys.stderr)
    run_tag(articles, article_line, sys.stdout)
    return status


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from services.enricher.tag_cli import run_eval
    from services.ingest.parse_cli import article_line, parsed_articles

    articles, _status = parsed_articles([args.directory], None, sys.stderr)
    gold = Path(args.directory) / "gold.jsonl"
    return run_eval(gold, articles, article_line, sys.stdout, args.json_path)
