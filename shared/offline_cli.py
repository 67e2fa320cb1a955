"""`newsdesk tag` and `newsdesk eval`: ingest's parsers feeding the enricher's taggers, offline.

This is a composition root, like `runner.SERVICES`: it is the one place that hands one
service's code to another's, so neither service imports the other.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from shared.settings import Settings


def _parse(data: bytes, filename: str) -> Sequence[Any]:
    from services.ingest.parsers import parse_bytes

    return parse_bytes(data, filename=filename)


def cmd_tag(args: argparse.Namespace, settings: Settings) -> int:
    from services.enricher.tag_cli import run_tag

    return run_tag(args.paths, sys.stdout, sys.stderr, _parse)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from services.enricher.tag_cli import run_eval

    return run_eval(args.directory, sys.stdout, args.json_path, _parse)
