"""What `newsdesk up` prints once everything is ready: every address and command the README
lists, which Redis is in use, and the producer key to publish with."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from newsdesk.runner import SERVICES
from shared.settings import Settings


@dataclass(frozen=True)
class RedisInUse:
    url: str
    private_dir: Path | None  # set when `up` started its own redis-server
    fsync: str
    cluster: bool = False  # `up --cluster`: a private 3-node Redis Cluster


def redact(url: str) -> str:
    """A Redis URL without its password."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def cli_command() -> str:
    """How to run `newsdesk` from here: the venv's script, relative when under the cwd."""
    script = Path(sys.executable).parent / "newsdesk"
    if not script.exists():
        return f"{sys.executable} -m newsdesk.cli"
    try:
        return (
            os.path.relpath(script) if not os.path.relpath(script).startswith("..") else str(script)
        )
    except ValueError:  # another drive (Windows)
        return str(script)


def banner_lines(settings: Settings, redis: RedisInUse, api_key: str | None) -> list[str]:
    host = settings.host if settings.host not in ("0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
    base = {s: f"http://{host}:{settings.port_for(s)}" for s in SERVICES}
    rank, cli = base["ranking"], cli_command()
    where = (
        f"private redis-server started by `up` (AOF, appendfsync {redis.fsync}, data in "
        f"{redis.private_dir})"
        if redis.private_dir
        else "already running; `up` did not start one"
    )
    if redis.cluster:
        where = (
            f"private 3-node Redis Cluster started by `up --cluster`, data in {redis.private_dir}"
        )
    lines = [
        "ready.",
        f"  redis          {redact(redis.url)}  ({where})",
        f"  dashboard      {rank}/",
        f"  lists (JSON)   {rank}/v1/popular?section=world&limit=5",
        f"                 {rank}/v1/ranking?limit=5",
        f"                 {rank}/v1/trending?type=person",
        f"                 {rank}/v1/dashboard  (everything the dashboard shows)",
    ]
    for n, service in enumerate(SERVICES):
        label = "API docs" if n == 0 else ""
        lines.append(f"  {label:<14} {base[service]}/docs  (ReDoc: /redoc)  {service}")
    lines += [
        f"  stream docs    {base['ingest']}/asyncapi  (and /asyncapi.json; same on every port)",
        f"  health         {base['ingest']}/health/ready  (and /health/live, /metrics; every port)",
        f"  status         {cli} status",
        f"  top lists      {cli} top --section World",
    ]
    if api_key:
        lines += [
            f"  publish        {cli} publish FILE|DIR|URL --api-key {api_key}",
            '                 (the "samples" producer\'s key, new each run; your own: '
            f"{cli} keys add NAME)",
        ]
    else:
        lines.append(f"  publish        {cli} keys add NAME, then {cli} publish FILE --api-key KEY")
    lines.append("  stop           Ctrl-C (in-flight work is finished and acked)")
    return lines
