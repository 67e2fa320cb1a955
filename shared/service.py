"""The frame every service runs in: a FastAPI app, its consumer runners and upkeep.

FastAPI serves the HTTP routes and OpenAPI docs, and the AsyncAPI document FastStream
generates from the service's stream declarations beside them. The runners start in the
background with retries, so a service comes up (and reports 503 on readiness) while Redis is
away, then starts consuming by itself when Redis answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.health import health_router, mount_asyncapi_viewer
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.periodic import Periodic, cancel_requested
from shared.runtime import Runtime
from shared.trimming import trim_stream

log = get_logger(__name__)


async def _start_once(rt: Runtime) -> bool:
    try:
        await rt.redis.ping()
        for hook in rt.on_start:
            await hook()
        for runner in rt.runners:
            await runner.start()
    except Exception as exc:
        log.warning("service.start_failed", error=f"{type(exc).__name__}: {exc}")
        return False
    rt.started = True
    log.info("service.started", consumers=len(rt.runners))
    return True


async def _keep_starting(rt: Runtime) -> None:
    delay = 0.5
    while not cancel_requested() and not await _start_once(rt):
        await asyncio.sleep(delay)
        delay = min(delay * 2, 10.0)


async def _trim_streams(rt: Runtime) -> None:
    """The consuming service trims what it consumes, never below what a group still needs."""
    retention_ms = int(rt.settings.stream_retention_s * 1000)
    for stream in {s for s, _ in rt.groups}:
        try:
            removed = await trim_stream(rt.redis, stream, retention_ms=retention_ms)
        except Exception as exc:
            log.warning("stream.trim_failed", stream=stream, error=str(exc))
            continue
        if removed:
            log.info("stream.trimmed", stream=stream, removed=removed)


async def _poll_group_metrics(rt: Runtime) -> None:
    for stream, group in rt.groups:
        with contextlib.suppress(Exception):
            for info in await rt.redis.xinfo_groups(stream):
                if info["name"].decode() != group:
                    continue
                rt.metrics.pending.labels(stream, group).set(info.get("pending") or 0)
                rt.metrics.lag.labels(stream, group).set(info.get("lag") or 0)
            rt.metrics.dlq_length.labels(stream).set(await rt.redis.xlen(f"{stream}.dlq"))


def _upkeep(rt: Runtime) -> list[Periodic]:
    """A consuming service's own upkeep, as Periodic tasks: a loop that a swallowed
    cancellation kept alive would otherwise hold the process at exit (see Periodic)."""
    if not rt.groups:
        return []
    return [
        Periodic("group-metrics", lambda: _poll_group_metrics(rt), 5.0, at_once=True),
        Periodic(
            "stream-trim", lambda: _trim_streams(rt), rt.settings.trim_interval_s, at_once=False
        ),
    ]


async def bounded(step: Awaitable[object], name: str, timeout_s: float) -> None:
    """Awaits one step of a shutdown for at most `timeout_s`. A step still running then is
    left behind, logged with what every task awaits, so the service still closes Redis and
    exits: an upkeep task that outlived its cancellation once held a stopping ranking
    process for good, with no line saying which. (`asyncio.wait_for` would wait for the
    cancelled step to end, which is what must not be waited for.)"""
    task = asyncio.ensure_future(step)
    done, _pending = await asyncio.wait([task], timeout=timeout_s)
    if done:
        task.result()
        return
    log.error("service.stop_step_timeout", step=name, timeout_s=timeout_s, tasks=awaiting())


def awaiting() -> dict[str, list[str]]:
    """Every other task of the loop and the chain of coroutines it is suspended in, outermost
    first: `Task.get_stack` shows only the outermost frame of a suspended coroutine."""
    out: dict[str, list[str]] = {}
    for task in asyncio.all_tasks():
        if task is asyncio.current_task():
            continue
        chain: list[str] = []
        coro: Any = task.get_coro()
        while coro is not None:
            frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
            if frame is None:
                break
            code = frame.f_code
            chain.append(
                f"{code.co_qualname} ({code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno})"
            )
            coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        out[task.get_name()] = chain
    return out


def _step_name(hook: Callable[[], object]) -> str:
    """'Periodic.stop lists.refresh': the hook and, where its object has one, its name."""
    owner = getattr(getattr(hook, "__self__", None), "name", None)
    qualname = getattr(hook, "__qualname__", repr(hook))
    return f"{qualname} {owner}" if isinstance(owner, str) else qualname


def build_service_app(
    rt: Runtime, *, title: str, description: str, routers: Sequence[APIRouter] = ()
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Start at once when Redis answers; otherwise come up anyway (readiness says 503)
        # and keep trying in the background.
        if not await _start_once(rt):
            rt.tasks.append(asyncio.create_task(_keep_starting(rt)))
        upkeep = _upkeep(rt)
        for periodic in upkeep:
            await periodic.start()
        try:
            yield
        finally:
            # Graceful: stop reading, let in-flight batches finish and ack, then the rest.
            for runner in rt.runners:
                await runner.stop()
            limit = rt.settings.shutdown_timeout_s
            for hook in [*rt.on_stop, *(periodic.stop for periodic in upkeep)]:
                await bounded(hook(), _step_name(hook), limit)
            for task in rt.tasks:
                task.cancel()
            await bounded(asyncio.gather(*rt.tasks, return_exceptions=True), "tasks", limit)
            rt.started = False
            await rt.redis.aclose()
            log.info("service.stopped")

    # Swagger UI and ReDoc from the fastapi-offline package's files: no CDN, so /docs and
    # /redoc work offline and behind a proxy that allows nothing out.
    app = FastAPIOffline(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        swagger_ui_parameters={"persistAuthorization": True},
        # Metrics are Prometheus (/metrics) and logs structlog lines; FastAPI's native
        # OpenTelemetry hooks, with no provider configured, only looked for one on every
        # request (~2% of a single-article POST's CPU).
        telemetry=TelemetryConfig(tracing=False, metrics=False, logs=False),
    )
    app.state.runtime = rt
    app.add_middleware(HttpMiddleware, metrics=rt.metrics)
    mount_asyncapi_viewer(app)
    declare_bearer(app)
    app.include_router(health_router(rt, title=title, description=description))
    for router in routers:
        app.include_router(router)
    redis_unavailable_handler(app)
    return app


# Pages this service serves load nothing from elsewhere; the policy makes sure of it (ReDoc,
# for one, would fetch its logo from a CDN).
PAGE_POLICY = (
    b"default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    b"script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; "
    b"font-src 'self' data:; frame-ancestors 'self'"
)


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
Series = tuple[Any, Any]  # (counter child, histogram child) of one route, method and status


class HttpMiddleware:
    """Counts and times every request by route template and status, and gives every HTML
    page the policy above. Plain ASGI (no BaseHTTPMiddleware) with the label children
    cached: ~4 µs a request on ingest's hot path (~1% of one), not a task per request."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics
        # bounded: route templates x METHODS (+ OTHER) x statuses the app answers
        self._series: dict[tuple[str, str, int], Series] = {}

    def _of(self, route: str, method: str, status: int) -> Series:
        key = (route, method if method in METHODS else "OTHER", status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                self.metrics.http_requests.labels(key[0], key[1], str(status)),
                self.metrics.http_latency.labels(key[0], key[1]),
            )
        return series

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app raises before answering

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if _is_html(headers):
                    headers.append((b"content-security-policy", PAGE_POLICY))
                    message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            count, latency = self._of(route, scope["method"], status)
            count.inc()
            latency.observe(time.perf_counter() - started)


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    names = {name.lower(): value for name, value in headers}
    return (
        names.get(b"content-type", b"").startswith(b"text/html")
        and b"content-security-policy" not in names
    )


BEARER = "producerKey"


def declare_bearer(app: FastAPI) -> None:
    """Operations that can answer 401 need a producer key: the OpenAPI says how to send it
    (HTTP Bearer), so the docs' "Authorize" button makes try-it-out send one."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        guarded = [
            op
            for item in schema.get("paths", {}).values()
            for op in item.values()
            if isinstance(op, dict) and "401" in op.get("responses", {})
        ]
        if guarded:
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes[BEARER] = {
                "type": "http",
                "scheme": "bearer",
                "description": "A producer key: `newsdesk keys add NAME` prints one.",
            }
            for op in guarded:
                op["security"] = [{BEARER: []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


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
