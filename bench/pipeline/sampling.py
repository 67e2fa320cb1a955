"""Optional: where a service spends its time during a phase, sampled with py-spy (not a
dependency; `pip install py-spy` in the venv) in its raw collapsed-stack format."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

_LINE = re.compile(r"\s*\(([^()]*?)(?::\d+)?\)$")
# Frames every sample of a worker thread or the event loop passes through: not where time goes.
PLUMBING = ("(threading.py)", "(thread.py)", "(base_events.py)", "(events.py)", "(runners.py)")


def py_spy() -> str | None:
    here = Path(sys.executable).with_name("py-spy")
    return str(here) if here.exists() else shutil.which("py-spy")


class Sampler:
    def __init__(self, pid: int, out: Path, rate_hz: int = 100) -> None:
        binary = py_spy()
        if binary is None:
            raise SystemExit("--py-spy needs py-spy: .venv/bin/pip install py-spy")
        self.out = out
        argv = [binary, "record", "--pid", str(pid), "--format", "raw", "--output", str(out)]
        argv += ["--rate", str(rate_hz), "--nonblocking"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> dict[str, Any]:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)
        return summarize(self.out.read_text()) if self.out.exists() else {}


def frame_name(frame: str) -> str:
    """`fn (path/to/file.py:12)` -> `fn (file.py)`: one row per function, not per line."""
    match = _LINE.search(frame)
    if not match:
        return frame.strip()
    return f"{frame[: match.start()].strip()} ({Path(match.group(1)).name})"


def summarize(raw: str, top: int = 15) -> dict[str, Any]:
    """Share of samples per function: inclusive (on the stack) and self (the leaf)."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [frame_name(f) for f in stack.split(";")]
        total += int(count)
        leaf[frames[-1]] += int(count)
        for name in set(frames):
            if not name.endswith(PLUMBING):
                inclusive[name] += int(count)

    def shares(counts: Counter[str]) -> list[tuple[str, float]]:
        return [(name, n / total) for name, n in counts.most_common(top)] if total else []

    return {"samples": total, "inclusive": shares(inclusive), "self": shares(leaf)}
