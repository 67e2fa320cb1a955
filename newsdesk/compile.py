"""`newsdesk compile`: builds the enricher's taggers as C extensions with mypyc.

mypyc (part of mypy) compiles the taggers' own type-checked sources, so nothing is rewritten
by hand and the sources stay the reference: `services.enricher.taggers.compiled` runs the
extensions only while every source they came from is unchanged. The build needs mypy and a
C compiler with the Python headers (the development venv and the image's build stage have
both); a process without the extensions runs the sources, slower but alike.

    newsdesk compile            # build when a source changed since the last build
    newsdesk compile --force    # build anyway
    newsdesk compile --check    # exit 1, saying why, when the build is missing or stale
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from services.enricher.taggers import compiled
from shared.settings import Settings

# Every tagger module but these, which gain nothing or cannot be compiled as they are.
NOT_COMPILED = {
    "__init__": "puts the compiled modules on the path",
    "compiled": "decides whether the compiled modules run",
    "duplicates": "its Protocols are runtime-checkable, which mypyc's classes cannot be; "
    "its cost is numpy's MinHash",
    "yake_import": "runs once, at import, and swaps sys.modules entries while it does",
}
GROUP = "services.enricher.taggers.native"  # the shared library: native__mypyc.*.so


def modules(package: Path = compiled.PACKAGE_DIR) -> list[Path]:
    return sorted(p for p in package.glob("*.py") if p.stem not in NOT_COMPILED)


def left_out(package: Path = compiled.PACKAGE_DIR) -> list[str]:
    """The package's modules a build leaves as source, by name (the manifest lists them, so a
    module added later is told from one left out on purpose)."""
    return sorted(p.name for p in package.glob("*.py") if p.stem in NOT_COMPILED)


def build(*, jobs: int = 2) -> Path:
    """Compiles every tagger module and puts the build in place of `_compiled/` whole.

    The manifest records the sources as they were before the build, so one edited meanwhile
    leaves the build stale rather than described as its own; and the build is staged beside
    `_compiled/` and renamed into place, so no process ever finds half of one there.
    """
    from mypyc.build import mypycify  # the build's own dependencies: imported only here
    from setuptools import setup

    sources = modules()
    manifest = {
        "interpreter": compiled.interpreter(),
        "sources": {p.name: compiled.digest(p) for p in sources},
        "left_out": left_out(),
    }
    root = compiled.PACKAGE_DIR.parents[2]  # the folder holding `services/`
    work = Path(tempfile.mkdtemp(prefix="newsdesk-compile-"))
    staged = compiled.COMPILED_DIR.with_name(f"{compiled.COMPILED_DIR.name}.new-{os.getpid()}")
    try:
        extensions = mypycify(
            [str(p.relative_to(root)) for p in sources],
            opt_level="3",
            group_name=GROUP,
            target_dir=str(work / "c"),
        )
        setup(
            name="newsdesk-taggers",
            ext_modules=extensions,
            script_args=[
                "--quiet",
                "build_ext",
                f"--build-lib={work / 'lib'}",
                f"--build-temp={work / 'temp'}",
                f"--parallel={jobs}",
            ],
        )
        built = work / "lib" / compiled.PACKAGE_DIR.relative_to(root)
        staged.mkdir()
        for extension in built.glob("*" + compiled.interpreter()["ext_suffix"]):
            shutil.copy2(extension, staged / extension.name)
        (staged / compiled.MANIFEST).write_text(json.dumps(manifest, indent=1))
        swap_in(staged, compiled.COMPILED_DIR)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staged, ignore_errors=True)
    return compiled.COMPILED_DIR


def swap_in(staged: Path, target: Path) -> None:
    """`target` replaced by `staged` with two renames (each atomic): a process importing the
    taggers meanwhile finds the old build, none (and runs the sources), or the new one."""
    old = target.with_name(f"{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    try:
        staged.rename(target)
    finally:
        shutil.rmtree(old, ignore_errors=True)


def cmd_compile(args: argparse.Namespace, settings: Settings) -> int:
    reason = compiled.why_not()
    if args.check:
        print(f"newsdesk compile: {reason or 'up to date'}", file=sys.stderr)
        return 1 if reason else 0
    if not args.force and reason is None:
        print(f"newsdesk compile: up to date ({compiled.COMPILED_DIR})", file=sys.stderr)
        return 0
    print(f"newsdesk compile: {len(modules())} tagger modules with mypyc ...", file=sys.stderr)
    started = time.monotonic()
    try:
        out = build(jobs=args.jobs)
    except (SystemExit, Exception) as exc:  # setuptools reports a compiler error by exiting
        print(f"newsdesk compile: failed ({exc}); the taggers run from source", file=sys.stderr)
        return 1
    print(f"newsdesk compile: built {out} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0
