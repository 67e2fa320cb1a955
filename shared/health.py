"""Health, metrics and AsyncAPI routes, the same on every service.

Readiness is stricter than a Redis PING: a service whose consumers stopped is alive but
useless, so it must leave the load balancer (and `depends_on: service_healthy`) waiting.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse, JSONResponse
from faststream.specification import AsyncAPI, get_asyncapi_html
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.runtime import Runtime

PING_TIMEOUT_S = 1.0


async def readiness_reasons(rt: Runtime) -> list[str]:
    reasons: list[str] = []
    try:
        await asyncio.wait_for(rt.redis.ping(), timeout=PING_TIMEOUT_S)
    except Exception as exc:
        reasons.append(f"redis unreachable: {type(exc).__name__}: {exc}")
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
        # The page loads the AsyncAPI viewer from a CDN; /asyncapi.json works offline.
        return HTMLResponse(get_asyncapi_html(spec.to_specification(), try_it_out_path=None))

    return router
