"""HTTP routes of ingest: POST /v1/articles and POST /v1/views."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError

from services.ingest.auth import AuthError, Producer, ProducerRegistry, Scope, check_signature
from services.ingest.documents import candidates, validation_errors
from services.ingest.publisher import ArticlePublisher, ViewPublisher, publish_candidates
from services.ingest.ratelimit import RateLimiter
from shared.errors import ParseError, UnsupportedFormatError
from shared.logging import get_logger
from shared.models import ViewEvent

log = get_logger(__name__)
_VIEWS = TypeAdapter(list[ViewEvent])

ARTICLE_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Article"},
                        {"type": "array", "items": {"$ref": "#/components/schemas/Article"}},
                        {"type": "object", "description": "a ninjs 1.x-3.x item or list"},
                    ]
                }
            },
            **{
                mime: {"schema": {"type": "string"}}
                for mime in (
                    "application/xml",
                    "text/xml",
                    "application/rss+xml",
                    "application/atom+xml",
                    "application/vnd.iptc.g2.newsitem+xml",
                    "application/vnd.iptc.g2.newsmessage+xml",
                    "application/nitf+xml",
                    "text/html",
                    "text/plain",
                )
            },
        },
    }
}
VIEWS_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/ViewEvent"}}
            }
        },
    }
}


def _unprocessable(errors: list[dict[str, str]]) -> HTTPException:
    return HTTPException(status_code=422, detail=errors)


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, detail=f"body of {declared} bytes exceeds the {limit}-byte limit")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise HTTPException(413, detail=f"body exceeds the {limit}-byte limit")
    return bytes(body)


class Gate:
    """Who is writing, whether they may, and the body they sent: checked in that order so
    an unauthenticated client learns nothing about size limits or payload rules."""

    def __init__(
        self,
        registry: ProducerRegistry | None,
        limiter: RateLimiter,
        *,
        max_body_bytes: int,
    ) -> None:
        self.registry = registry
        self.limiter = limiter
        self.max_body_bytes = max_body_bytes

    async def admit(self, request: Request, scope: Scope) -> tuple[Producer, bytes]:
        if self.registry is None:
            producer = Producer(name="default", key_hash="")
        else:
            try:
                producer = await self.registry.verify(request.headers.get("authorization"), scope)
            except AuthError as exc:
                raise HTTPException(exc.status, detail=exc.reason) from exc
        wait = await self.limiter.retry_after(producer.name, producer.rate_per_s)
        if wait is not None:
            raise HTTPException(
                429,
                detail=f"rate limit of producer {producer.name!r} exceeded",
                headers={"Retry-After": str(wait)},
            )
        body = await read_body(request, self.max_body_bytes)
        try:
            check_signature(producer, body, request.headers.get("x-newsdesk-signature"))
        except AuthError as exc:
            raise HTTPException(exc.status, detail=exc.reason) from exc
        return producer, body


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or unknown producer key"},
    403: {"description": "revoked key, or a key without this scope"},
    413: {"description": "body above the size limit"},
    415: {"description": "a content type ingest cannot read"},
    422: {"description": "invalid input: each error names the field and the reason"},
    429: {"description": "producer rate limit exceeded; see Retry-After"},
    503: {"description": "storage unavailable: nothing was accepted"},
}


def build_router(articles: ArticlePublisher, views: ViewPublisher, gate: Gate) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.post(
        "/articles",
        status_code=202,
        openapi_extra=ARTICLE_BODY_DOC,
        tags=["ingest"],
        responses=AUTH_RESPONSES,
    )
    async def post_articles(request: Request) -> JSONResponse:
        """Any wire format by Content-Type (or sniffed): canonical or ninjs JSON, NewsML-G2,
        NITF, NewsML 1.2, ANPA 1312, IPTC 7901, RSS/Atom (one article per item), HTML
        pages and scraped text pages."""
        producer, body = await gate.admit(request, "articles")
        try:
            found = await candidates(body, request.headers.get("content-type"))
        except UnsupportedFormatError as exc:
            raise HTTPException(415, detail=exc.reason) from exc
        except ParseError as exc:
            raise _unprocessable([{"field": exc.field or "body", "reason": exc.reason}]) from exc
        if not found:
            raise _unprocessable([{"field": "body", "reason": "the document holds no article"}])
        if len(found) == 1 and found[0].item.article is None:
            metrics = request.app.state.runtime.metrics
            metrics.articles_received.labels("invalid", found[0].item.format).inc()
            raise _unprocessable([e.as_dict() for e in found[0].errors])
        results = await publish_candidates(articles, found, producer.name)
        counted = request.app.state.runtime.metrics.articles_received
        for candidate, result in zip(found, results, strict=True):
            counted.labels(result["status"], candidate.item.format).inc()
        return JSONResponse({"results": results}, status_code=202)

    @router.post(
        "/views",
        status_code=202,
        openapi_extra=VIEWS_BODY_DOC,
        tags=["ingest"],
        responses=AUTH_RESPONSES,
    )
    async def post_views(request: Request) -> dict[str, int]:
        producer, body = await gate.admit(request, "views")
        try:
            doc = orjson.loads(body)
            docs = doc if isinstance(doc, list) else [doc]
            events = _VIEWS.validate_python(docs)
        except orjson.JSONDecodeError as exc:
            raise _unprocessable([{"field": "body", "reason": f"not valid JSON: {exc}"}]) from exc
        except ValidationError as exc:
            raise _unprocessable([e.as_dict() for e in validation_errors(exc)]) from exc
        for event in events:
            event.producer = producer.name
        client_ids = [isinstance(d, dict) and "event_id" in d for d in docs]
        accepted = await views.publish(list(zip(events, client_ids, strict=True)))
        log.info("views.accepted", count=accepted, duplicates=len(events) - accepted)
        counted = request.app.state.runtime.metrics.views_received
        counted.labels("accepted").inc(accepted)
        counted.labels("duplicate").inc(len(events) - accepted)
        return {"accepted": accepted, "duplicates": len(events) - accepted}

    return router
