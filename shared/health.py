"""Health, metrics and AsyncAPI routes, the same on every service.

Readiness is stricter than a Redis PING: a service whose consumers stopped is alive but
useless, so it must leave the load balancer (and `depends_on: service_healthy`) waiting.
A Redis out of memory (maxmemory, noeviction) still answers PING but refuses every write,
so readiness writes a small expiring key; a stalled Redis answers nothing, so the write
has a deadline well inside a probe's usual 1 s timeout.
"""

from __future__ import annotations

import asyncio
from html import escape
from typing import Any

from asyncapi_viewer import assets as viewer_assets
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from faststream.specification import AsyncAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import ResponseError

from shared.runtime import Runtime

ASYNCAPI_ASSETS = "/static-asyncapi"
WRITE_TIMEOUT_S = 0.5
HEALTH_KEY_TTL_MS = 10_000


def health_key(rt: Runtime) -> str:
    """One key per service, under the prefix's hash tag like every other newsdesk key."""
    return f"{{{rt.settings.key_prefix}}}:health:{rt.name}"


async def redis_problem(rt: Runtime, timeout_s: float = WRITE_TIMEOUT_S) -> str | None:
    """Why Redis cannot take this service's writes now, or None: a SET with a short TTL
    must succeed within `timeout_s`."""
    try:
        await asyncio.wait_for(
            rt.redis.set(health_key(rt), "1", px=HEALTH_KEY_TTL_MS), timeout=timeout_s
        )
    except TimeoutError:
        return f"redis did not answer a write within {timeout_s:g} s (stalled or overloaded)"
    except ResponseError as exc:
        return f"redis refuses writes ({type(exc).__name__}): {exc}"
    except Exception as exc:
        return f"redis unreachable: {type(exc).__name__}: {exc}"
    return None


async def readiness_reasons(rt: Runtime) -> list[str]:
    reasons: list[str] = []
    if problem := await redis_problem(rt):
        reasons.append(problem)
    if not rt.started:
        reasons.append("not started")
    else:
        reasons += [problem for r in rt.runners if (problem := r.health())]
        reasons += [problem for check in rt.checks if (problem := check())]
    return reasons


def health_router(rt: Runtime, *, title: str, description: str) -> APIRouter:
    router = APIRouter()
    spec = AsyncAPI(rt.broker, title=f"{title} streams", version="0.1.0", description=description)

    @router.get("/health/live", tags=["health"])
    async def live() -> dict[str, str]:
        return {"status": "ok", "service": rt.name}

    @router.get(
        "/health/ready",
        tags=["health"],
        responses={503: {"description": "not ready, with the reasons"}},
    )
    async def ready() -> JSONResponse:
        reasons = await readiness_reasons(rt)
        if reasons:
            body: dict[str, Any] = {"status": "unavailable", "service": rt.name, "reasons": reasons}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ok", "service": rt.name})

    @router.get("/metrics", tags=["health"], response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(rt.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json", tags=["docs"])
    async def asyncapi_json() -> Response:
        return Response(spec.to_specification().to_json(), media_type="application/json")

    @router.get("/asyncapi", tags=["docs"], response_class=HTMLResponse)
    async def asyncapi_page() -> HTMLResponse:
        return HTMLResponse(asyncapi_page_html(f"{title} streams"))

    return router


def mount_asyncapi_viewer(app: FastAPI) -> None:
    """The AsyncAPI viewer's files from the asyncapi-viewer package, served here: the page
    works offline (FastStream's own page loads its viewer from a CDN)."""
    app.mount(ASYNCAPI_ASSETS, StaticFiles(directory=viewer_assets.STATIC_DIR), name="asyncapi")


def asyncapi_page_html(title: str) -> str:
    """A page that renders /asyncapi.json with the packaged viewer (relative URLs, so it
    works behind a path prefix too)."""
    assets = ASYNCAPI_ASSETS.lstrip("/")
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<link rel=stylesheet href="{assets}/{viewer_assets.VIEWER_THEME}">'
        f'<script src="{assets}/{viewer_assets.VIEWER_IIFE}"></script></head>'
        '<body><asyncapi-viewer src="asyncapi.json" sidebar></asyncapi-viewer></body></html>'
    )
