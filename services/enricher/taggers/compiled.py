"""Which copy of the taggers runs: C extensions that mypyc built from these very sources
(`newsdesk compile`), or the sources themselves.

Tagging is the enricher's CPU, and most of it is plain Python (walking tokens, looking words
up in sets): compiled, a process tags ~1.4x the articles per second (README, Measured). The
extensions sit in `_compiled/` beside the sources with a manifest of the sources' SHA-256
they were built from, and go first on the package's search path only if every one of those
sources is unchanged, no module was added, and this is the interpreter they were built for.
So an edited tagger never runs as its stale compiled self: it runs from source until the
next `newsdesk compile`. The two copies tag alike (a test compares them article by article);
NEWSDESK_COMPILED_TAGGERS=false runs the sources, to compare or to debug.

This module is never compiled itself: it decides whether compiled modules run.
"""

from __future__ import annotations

import hashlib
import json
import sys
import sysconfig
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
COMPILED_DIR = PACKAGE_DIR / "_compiled"
MANIFEST = "manifest.json"


class CompiledSettings(BaseSettings):
    """Read apart from `Settings`: the choice is made when the package is first imported,
    before any service has built its settings."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", extra="ignore")

    compiled_taggers: bool = True


def interpreter() -> dict[str, str]:
    """What an extension module is bound to: the Python version and its ABI tag."""
    return {
        "cache_tag": sys.implementation.cache_tag or "",
        "ext_suffix": str(sysconfig.get_config_var("EXT_SUFFIX") or ""),
    }


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def why_not(directory: Path = COMPILED_DIR, sources: Path = PACKAGE_DIR) -> str | None:
    """None when the compiled modules in `directory` may run; otherwise why they may not."""
    if not CompiledSettings().compiled_taggers:
        return "NEWSDESK_COMPILED_TAGGERS is false"
    try:
        manifest = json.loads((directory / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        return "not built (run `newsdesk compile`)"
    except (OSError, ValueError) as exc:
        return f"unreadable manifest: {exc}"
    if manifest.get("interpreter") != interpreter():
        return f"built for another Python ({manifest.get('interpreter')})"
    built: dict[str, str] = manifest.get("sources", {})
    changed = [
        name
        for name, sha in sorted(built.items())
        if not (sources / name).is_file() or digest(sources / name) != sha
    ]
    # A module added since the build would run from source beside compiled ones that may
    # now import it: the build is stale until it is compiled too (or listed as left out).
    known = built.keys() | set(manifest.get("left_out", []))
    changed += sorted(f"{p.name} (new)" for p in sources.glob("*.py") if p.name not in known)
    if changed or not built:
        return f"sources changed since `newsdesk compile`: {', '.join(changed) or 'none listed'}"
    return None


REASON = why_not()


def search_path(path: list[str]) -> list[str]:
    """The package's `__path__`, with the compiled modules first when they may run."""
    return path if REASON else [str(COMPILED_DIR), *path]


def running_compiled() -> bool:
    """Whether the taggers in this process are the compiled ones: asked of the module that
    runs them all, not of the manifest, so it holds whatever put them on the path."""
    from services.enricher.taggers import pipeline

    return str(pipeline.__file__).endswith(interpreter()["ext_suffix"])


def describe() -> str:
    """'compiled', or 'source (why)': what a bench or a log line says of this process."""
    return "compiled" if running_compiled() else f"source ({REASON})"
