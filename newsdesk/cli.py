"""`newsdesk`: the one command line for running, feeding and inspecting the system.

`newsdesk/` is the composition root: it sits above `services/` and `shared/`, which never
import it. Commands are resolved by import string when they run, so `newsdesk --help` loads
no service.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeAlias

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
    "compile": "newsdesk.compile:cmd_compile",
}


Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
WINDOWS = ("1h", "24h", "7d", "today", "yesterday", "week", "all")  # ranking's, tested equal


def _command(sub: Sub, name: str, text: str, *examples: str) -> argparse.ArgumentParser:
    """A subcommand whose --help ends with examples to copy."""
    epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
    return sub.add_parser(
        name,
        help=text,
        description=text,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_service_commands(sub: Sub) -> None:
    for name in SERVICES:
        _command(
            sub,
            name,
            f"run the {name} service alone (what docker compose runs)",
            f"newsdesk {name}",
            f"NEWSDESK_{name.upper()}_PORT=9000 NEWSDESK_REDIS_URL=redis://cache:6379/0 "
            f"newsdesk {name}",
        )
    up = _command(
        sub,
        "up",
        "run every service (and a private Redis if none answers)",
        "newsdesk up --samples samples     # what ./dev run does",
        "NEWSDESK_RANKING_PORT=9002 newsdesk up",
        "newsdesk up --cluster --samples samples   # on a local 3-node Redis Cluster, 3 shards",
    )
    up.add_argument("--samples", type=Path, help="load the articles and views in this folder")
    up.add_argument(
        "--cluster",
        action="store_true",
        help="start a private 3-node Redis Cluster and shard by article over it (for trying)",
    )
    up.add_argument("--data-dir", type=Path, default=Path(".newsdesk"))


def _add_io_commands(sub: Sub) -> None:
    pub = _command(
        sub,
        "publish",
        "post article files (or a folder, or a URL) to ingest",
        "newsdesk publish samples/ --api-key ndk_...",
        "NEWSDESK_API_KEY=ndk_... newsdesk publish story.xml https://example.com/feed.rss",
    )
    pub.add_argument("targets", nargs="+", help="FILE, DIR or http(s) URL")
    pub.add_argument("--ingest-url", default=None, help="defaults to the local ingest port")
    pub.add_argument("--api-key", default=None, help="producer key (or NEWSDESK_API_KEY)")
    pub.add_argument(
        "--signing-secret",
        default=None,
        help="the secret a `keys add --signing` key printed (or NEWSDESK_SIGNING_SECRET)",
    )
    pub.add_argument("--sample-views", type=int, default=0, help="then post N demo views")
    parse = _command(
        sub,
        "parse",
        "parse wire files offline; one JSON per article",
        "newsdesk parse tests/data/wire/nitf/ap-nitf.xml",
        "newsdesk parse samples/ --format rss",
    )
    parse.add_argument("paths", nargs="+")
    parse.add_argument("--format", dest="fmt", default=None)
    tag = _command(
        sub,
        "tag",
        "parse and tag offline (no Redis); one JSON per article",
        "newsdesk tag samples/00-kishida-yoon-san-francisco.txt",
    )
    tag.add_argument("paths", nargs="+")
    ev = _command(
        sub,
        "eval",
        "score the enricher against DIR/gold.jsonl",
        "newsdesk eval tests/data/eval/dev --json build/eval.json",
    )
    ev.add_argument("directory")
    ev.add_argument("--json", dest="json_path", default=None, help="write the scores here")


def _add_admin_commands(sub: Sub) -> None:
    keys = _command(
        sub, "keys", "manage producer keys", "newsdesk keys add wire-afp", "newsdesk keys list"
    )
    actions = keys.add_subparsers(dest="action", required=True)
    add = _command(
        actions,
        "add",
        "create a key for a producer (printed once)",
        "newsdesk keys add wire-afp",
        "newsdesk keys add site-logs --scopes views --rate 2000",
        "newsdesk keys add wire-dpa --signing",
    )
    add.add_argument("name")
    add.add_argument("--scopes", default="articles,views", help="comma-separated")
    add.add_argument("--signing", action="store_true", help="also require HMAC body signatures")
    add.add_argument("--rate", type=int, default=None, help="requests per second allowed")
    _command(actions, "list", "list producers and their key ids", "newsdesk keys list")
    revoke = _command(
        actions, "revoke", "revoke every key of a producer", "newsdesk keys revoke wire-afp"
    )
    revoke.add_argument("name")
    build = _command(
        sub,
        "compile",
        "build the enricher's taggers as C extensions (mypyc), if a source changed",
        "newsdesk compile            # what ./dev venv runs",
        "newsdesk compile --force",
    )
    build.add_argument("--force", action="store_true", help="build even when up to date")
    build.add_argument("--check", action="store_true", help="exit 1 if missing or stale")
    build.add_argument("--jobs", type=int, default=2, help="C files compiled at once")
    _add_ops_commands(sub)


STREAMS = ("articles.raw", "articles.enriched", "views")
DLQ_ACTIONS = {
    "list": ("list dead letters", "newsdesk dlq list --stream views"),
    "show": ("one dead letter with its original payload", "newsdesk dlq show 1717000000000-0"),
    "retry": ("re-publish to the original stream", "newsdesk dlq retry --all --dry-run"),
    "purge": ("delete dead letters", "newsdesk dlq purge 1717000000000-0 1717000000001-0"),
}


SHARD_HELP = "only this shard's stream (NEWSDESK_SHARDS > 1); default: every shard's"


def _add_ops_commands(sub: Sub) -> None:
    _command(
        sub,
        "status",
        "lag, pending and dead letters per stream; service health",
        "newsdesk status",
        "NEWSDESK_KEY_PREFIX=staging newsdesk status | head -5",
    )
    dlq = _command(
        sub,
        "dlq",
        "inspect and retry dead letters",
        "newsdesk dlq list",
        "newsdesk dlq retry --all",
    )
    actions = dlq.add_subparsers(dest="action", required=True)
    for name, (text, example) in DLQ_ACTIONS.items():
        act = _command(actions, name, text, example)
        act.add_argument("--stream", choices=STREAMS, default="articles.raw")
        act.add_argument("--shard", type=int, default=None, help=SHARD_HELP)
        if name == "list":
            act.add_argument("--count", type=int, default=50)
        elif name == "show":
            act.add_argument("id")
        else:
            act.add_argument("ids", nargs="*")
            act.add_argument("--all", action="store_true")
            act.add_argument("--dry-run", action="store_true")
    top = _command(
        sub,
        "top",
        "print the popular, ranking or trending list as a table",
        "newsdesk top                          # the access ranking, 24h",
        "newsdesk top --section World --window 1h",
        "newsdesk top --trending person --window today",
    )
    top.add_argument("--section", default=None, help="popular in this section")
    top.add_argument("--trending", choices=("person", "org", "place", "topic"), default=None)
    top.add_argument("--window", choices=WINDOWS, default=None, help="default 24h (trending 1h)")
    top.add_argument("--limit", type=int, default=10)
    top.add_argument("--ranking-url", default=None, help="defaults to the local ranking port")
    replay = _command(
        sub,
        "replay",
        "re-deliver a stream to its group from ID or TIME",
        "newsdesk replay --stream articles.raw --from 2024-06-01T00:00:00Z",
    )
    replay.add_argument("--stream", choices=STREAMS, required=True)
    replay.add_argument("--from", dest="start", required=True, help="entry id or ISO time")
    replay.add_argument("--group", default=None)
    replay.add_argument("--shard", type=int, default=None, help=SHARD_HELP)
    replay.add_argument("--i-know-views-recount", action="store_true", help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description=__doc__,
        epilog="every command has --help with examples, e.g. newsdesk top --help",
    )
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
    try:
        code = resolve(args.command)(args, settings)
        sys.stdout.flush()  # here, where a closed pipe can still be handled
        return code
    except BrokenPipeError:
        # The reader went away (`newsdesk status | head -1`): not a failure of ours. Point
        # stdout at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
