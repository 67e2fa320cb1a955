"""No newsdesk process outlives the one that started it, even when that one is SIGKILLed."""

from __future__ import annotations

import ctypes
import signal
import sys

PR_SET_PDEATHSIG = 1  # prctl option, <linux/prctl.h>


def die_with_parent() -> None:
    """On Linux the calling process gets SIGTERM (a graceful stop) when its parent dies, so
    no orphan keeps consuming or holding its port; elsewhere nothing happens. Called in a
    child as `preexec_fn`, or first thing in a uvicorn worker."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
