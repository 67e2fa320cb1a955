"""Runs one service under uvicorn. Services are named by import string so that starting one
service (or `newsdesk --help`) never imports the others' code."""

from __future__ import annotations

import contextlib
import gc
import importlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import cast

import uvicorn
from fastapi import FastAPI

from newsdesk.orphans import die_with_parent
from shared.logging import configure_logging
from shared.settings import Settings

SERVICES: dict[str, str] = {
    "ingest": "services.ingest.app:build_app",
    "enricher": "services.enricher.app:build_app",
    "ranking": "services.ranking.app:build_app",
}


def load_factory(service: str) -> Callable[[Settings], FastAPI]:
    module_name, _, attr = SERVICES[service].partition(":")
    module = importlib.import_module(module_name)
    return cast(Callable[[Settings], FastAPI], getattr(module, attr))


class GracefulServer(uvicorn.Server):
    """Exits normally after a graceful stop.

    uvicorn re-raises the captured SIGTERM once shutdown is complete, which makes the process
    die "by signal" even though every entry was finished and acked; a supervisor (and
    docker) would read that as a failure.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


GC_GEN0_THRESHOLD = 50_000


def tune_gc() -> None:
    """Objects made at start-up (models, gazetteers, Lua script texts) are frozen out of the
    collector, and the young generation is collected every 50,000 allocations rather than
    700: the hot loops allocate short-lived objects by the thousand per batch, and the
    default collections cost ranking's views loop ~15% of its throughput (bench_ranking)."""
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, 20, 100)


def _from_env(service: str) -> FastAPI:
    """What each uvicorn worker process builds: the same NEWSDESK_* settings, and a worker
    that stops (gracefully, by SIGTERM) when the process that started it dies, even by
    SIGKILL, instead of living on as an orphan consumer."""
    die_with_parent()
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format, service=service)
    app = load_factory(service)(settings)
    tune_gc()
    return app


def ingest_from_env() -> FastAPI:
    """App factory of ingest's worker processes."""
    return _from_env("ingest")


def enricher_from_env() -> FastAPI:
    """App factory of the enricher's worker processes."""
    return _from_env("enricher")


def workers_of(service: str, settings: Settings) -> int:
    """HTTP parsing (ingest) and tagging (enricher) are CPU-bound: several processes share
    the port. Ingest's idempotency ledger and rate limits live in Redis, and each enricher
    process is its own consumer of the group, placing stories in the shared Redis index."""
    return {"ingest": settings.ingest_workers, "enricher": settings.enricher_workers}.get(
        service, 1
    )


def _run_workers(service: str, settings: Settings) -> int:
    uvicorn.run(
        f"newsdesk.runner:{service}_from_env",
        factory=True,
        host=settings.host,
        port=settings.port_for(service),
        workers=workers_of(service, settings),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
    )
    return 0


def run_service(service: str, settings: Settings) -> int:
    """Blocks until SIGTERM/SIGINT; uvicorn then runs the lifespan shutdown, which stops the
    broker gracefully (in-flight entries finish and are acked)."""
    configure_logging(settings.log_level, settings.log_format, service=service)
    if workers_of(service, settings) > 1:
        return _run_workers(service, settings)
    app = load_factory(service)(settings)
    tune_gc()
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port_for(service),
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
        access_log=False,
    )
    server = GracefulServer(config)
    server.run()
    return 0 if server.started else 1
