"""The frame every service runs in: a FastAPI app that owns a FastStream broker.

FastAPI serves the HTTP routes and OpenAPI docs; the broker's subscribers consume the
streams and its AsyncAPI document is served beside them. The broker starts in the
background with retries, so a service comes up (and reports 503 on readiness) while Redis is
away, then starts consuming by itself when Redis answers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.redis import RedisBroker
from pydantic import BaseModel
from redis.exceptions import RedisError

from shared.health import health_router
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.settings import Settings
from shared.trimming import trim_stream

log = get_logger(__name__)

Hook = Callable[[], Awaitable[None]]
Check = Callable[[], str | None]


@dataclass
class Runtime:
    """What a running service holds; routes and health checks read it, tests inspect it."""

    name: str
    settings: Settings
    broker: RedisBroker
    redis: aioredis.Redis
    metrics: ServiceMetrics
    groups: Sequence[tuple[str, str]] = ()
    on_start: Sequence[Hook] = ()
    # Run first on shutdown, while Redis is still open: loops outside the broker finish and
    # ack their work here.
    on_stop: Sequence[Hook] = ()
    # Loops outside the broker (ranking's views loop) say here why they are not ready.
    checks: Sequence[Check] = ()
    started: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def consumes(self) -> bool:
        return bool(self.broker.subscribers)


async def _start_once(rt: Runtime) -> bool:
    try:
        await rt.redis.ping()
        for hook in rt.on_start:
            await hook()
        await rt.broker.start()
    except Exception as exc:
        log.warning("broker.start_failed", error=f"{type(exc).__name__}: {exc}")
        return False
    rt.started = True
    log.info("service.started", subscribers=len(rt.broker.subscribers))
    return True


async def _keep_starting(rt: Runtime) -> None:
    delay = 0.5
    while not await _start_once(rt):
        await asyncio.sleep(delay)
        delay = min(delay * 2, 10.0)


async def _watch_subscribers(rt: Runtime, interval_s: float = 2.0) -> None:
    """Restarts a subscriber that stopped itself (FastStream stops on NOGROUP after Redis
    lost its data); `start()` recreates the group."""
    while True:
        await asyncio.sleep(interval_s)
        if not rt.started:
            continue
        for sub in rt.broker.subscribers:
            if sub.running:
                continue
            try:
                await rt.redis.ping()
                await sub.start()
                log.warning("subscriber.restarted", subscriber=str(sub))
            except Exception as exc:
                log.warning("subscriber.restart_failed", error=str(exc))


async def _trim_streams(rt: Runtime) -> None:
    """The consuming service trims what it consumes, never below what a group still needs."""
    retention_ms = int(rt.settings.stream_retention_s * 1000)
    while True:
        await asyncio.sleep(rt.settings.trim_interval_s)
        for stream in {s for s, _ in rt.groups}:
            try:
                removed = await trim_stream(rt.redis, stream, retention_ms=retention_ms)
            except Exception as exc:
                log.warning("stream.trim_failed", stream=stream, error=str(exc))
                continue
            if removed:
                log.info("stream.trimmed", stream=stream, removed=removed)


async def _poll_group_metrics(rt: Runtime, interval_s: float = 5.0) -> None:
    while True:
        for stream, group in rt.groups:
            with contextlib.suppress(Exception):
                for info in await rt.redis.xinfo_groups(stream):
                    if info["name"].decode() != group:
                        continue
                    rt.metrics.pending.labels(stream, group).set(info.get("pending") or 0)
                    rt.metrics.lag.labels(stream, group).set(info.get("lag") or 0)
                rt.metrics.dlq_length.labels(stream).set(await rt.redis.xlen(f"{stream}.dlq"))
        await asyncio.sleep(interval_s)


def build_service_app(
    rt: Runtime, *, title: str, description: str, routers: Sequence[APIRouter] = ()
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Start at once when Redis answers; otherwise come up anyway (readiness says 503)
        # and keep trying in the background.
        if not await _start_once(rt):
            rt.tasks.append(asyncio.create_task(_keep_starting(rt)))
        if rt.consumes:
            rt.tasks.append(asyncio.create_task(_watch_subscribers(rt)))
        if rt.groups:
            rt.tasks.append(asyncio.create_task(_poll_group_metrics(rt)))
            rt.tasks.append(asyncio.create_task(_trim_streams(rt)))
        try:
            yield
        finally:
            for hook in rt.on_stop:
                await hook()
            for task in rt.tasks:
                task.cancel()
            await asyncio.gather(*rt.tasks, return_exceptions=True)
            # Graceful: stop reading, let in-flight handlers finish and ack.
            await rt.broker.stop()
            rt.started = False
            await rt.redis.aclose()
            log.info("service.stopped")

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = rt
    app.include_router(health_router(rt, title=title, description=description))
    for router in routers:
        app.include_router(router)
    redis_unavailable_handler(app)
    return app


def document_models(app: FastAPI, models: Sequence[type[BaseModel]]) -> None:
    """Routes that read raw bodies (several content types) still document their JSON shapes."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            doc = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(doc.pop("$defs", {}))
            components[model.__name__] = doc
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def redis_unavailable_handler(app: FastAPI) -> None:
    """While Redis is away a request is answered 503, never 202. This answer is for errors
    before any write was sent (`"outcome": "none"`); a service whose write may have run
    anyway raises its own RedisError subclass and answers `"outcome": "unknown"`."""

    @app.exception_handler(RedisError)
    async def _on_redis_error(_: Request, exc: RedisError) -> JSONResponse:
        log.warning("redis.unavailable", error=str(exc))
        return JSONResponse(
            {
                "detail": f"storage unavailable, nothing was accepted: {type(exc).__name__}",
                "outcome": "none",
            },
            status_code=503,
            headers={"Retry-After": "1"},
        )
