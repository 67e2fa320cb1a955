"""`newsdesk`: the one command line for running, feeding and inspecting the system.

`newsdesk/` is the composition root: it sits above `services/` and `shared/`, which never
import it. Commands are resolved by import string when they run, so `newsdesk --help` loads
no service.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from newsdesk.runner import SERVICES, run_service
from shared.settings import Settings

# command -> "module:function"; each function takes (args, settings) and returns an exit code.
COMMANDS: dict[str, str] = {
    "up": "newsdesk.supervisor:cmd_up",
    "publish": "services.ingest.publish_cli:cmd_publish",
    "parse": "services.ingest.parse_cli:cmd_parse",
    "tag": "newsdesk.offline_cli:cmd_tag",
    "eval": "newsdesk.offline_cli:cmd_eval",
    "keys": "services.ingest.keys_cli:cmd_keys",
    "status": "newsdesk.ops_cli:cmd_status",
    "dlq": "newsdesk.ops_cli:cmd_dlq",
    "replay": "newsdesk.ops_cli:cmd_replay",
    "top": "newsdesk.ops_cli:cmd_top",
}


def _add_service_commands(sub: argparse._SubParsersAction[Any]) -> None:
    for name in SERVICES:
        sub.add_parser(name, help=f"run the {name} service alone")
    up = sub.add_parser("up", help="run every service (and a private Redis if none answers)")
    up.add_argument("--samples", type=Path, help="load the articles and views in this folder")
    up.add_argument("--data-dir", type=Path, default=Path(".newsdesk"))


def _add_io_commands(sub: argparse._SubParsersAction[Any]) -> None:
    pub = sub.add_parser("publish", help="post article files (or a folder, or a URL) to ingest")
    pub.add_argument("targets", nargs="+", help="FILE, DIR or http(s) URL")
    pub.add_argument("--ingest-url", default=None, help="defaults to the local ingest port")
    pub.add_argument("--api-key", default=None, help="producer key (or NEWSDESK_API_KEY)")
    pub.add_argument("--sample-views", type=int, default=0, help="then post N demo views")
    parse = sub.add_parser("parse", help="parse wire files offline; one JSON per article")
    parse.add_argument("paths", nargs="+")
    parse.add_argument("--format", dest="fmt", default=None)
    tag = sub.add_parser("tag", help="parse and tag offline (no Redis); one JSON per article")
    tag.add_argument("paths", nargs="+")
    ev = sub.add_parser("eval", help="score the enricher against DIR/gold.jsonl")
    ev.add_argument("directory")
    ev.add_argument("--json", dest="json_path", default=None, help="write the scores here")


def _add_admin_commands(sub: argparse._SubParsersAction[Any]) -> None:
    keys = sub.add_parser("keys", help="manage producer keys")
    actions = keys.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create a key for a producer (printed once)")
    add.add_argument("name")
    add.add_argument("--scopes", default="articles,views", help="comma-separated")
    add.add_argument("--signing", action="store_true", help="also require HMAC body signatures")
    add.add_argument("--rate", type=int, default=None, help="requests per second allowed")
    actions.add_parser("list", help="list producers and their key ids")
    revoke = actions.add_parser("revoke", help="revoke every key of a producer")
    revoke.add_argument("name")
    _add_ops_commands(sub)


STREAMS = ("articles.raw", "articles.enriched", "views")


def _add_ops_commands(sub: argparse._SubParsersAction[Any]) -> None:
    sub.add_parser("status", help="lag, pending and dead letters per stream; service health")
    dlq = sub.add_parser("dlq", help="inspect and retry dead letters")
    actions = dlq.add_subparsers(dest="action", required=True)
    for name, text in [
        ("list", "list dead letters"),
        ("show", "one dead letter with its original payload"),
        ("retry", "re-publish to the original stream"),
        ("purge", "delete dead letters"),
    ]:
        act = actions.add_parser(name, help=text)
        act.add_argument("--stream", choices=STREAMS, default="articles.raw")
        if name == "list":
            act.add_argument("--count", type=int, default=50)
        elif name == "show":
            act.add_argument("id")
        else:
            act.add_argument("ids", nargs="*")
            act.add_argument("--all", action="store_true")
            act.add_argument("--dry-run", action="store_true")
    top = sub.add_parser("top", help="print the popular, ranking or trending list as a table")
    top.add_argument("--section", default=None, help="popular in this section")
    top.add_argument("--trending", choices=("person", "org", "place", "topic"), default=None)
    top.add_argument("--window", default=None, help="1h, 24h, 7d, today, yesterday, week, all")
    top.add_argument("--limit", type=int, default=10)
    top.add_argument("--ranking-url", default=None, help="defaults to the local ranking port")
    replay = sub.add_parser("replay", help="re-deliver a stream to its group from ID or TIME")
    replay.add_argument("--stream", choices=STREAMS, required=True)
    replay.add_argument("--from", dest="start", required=True, help="entry id or ISO time")
    replay.add_argument("--group", default=None)
    replay.add_argument("--i-know-views-recount", action="store_true", help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_service_commands(sub)
    _add_io_commands(sub)
    _add_admin_commands(sub)
    return parser


def resolve(command: str) -> Callable[[argparse.Namespace, Settings], int]:
    module_name, _, attr = COMMANDS[command].partition(":")
    func: Callable[[argparse.Namespace, Settings], int] = getattr(
        importlib.import_module(module_name), attr
    )
    return func


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValueError as exc:  # pydantic's ValidationError names each bad NEWSDESK_* value
        print(f"newsdesk: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    if args.command in SERVICES:
        return run_service(args.command, settings)
    return resolve(args.command)(args, settings)


if __name__ == "__main__":
    sys.exit(main())
