"""HTTP routes of ingest: POST /v1/articles and POST /v1/views."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError

from services.ingest.auth import AuthError, Producer, ProducerRegistry, Scope
from services.ingest.documents import candidates, validation_errors
from services.ingest.publisher import (
    ArticlePublisher,
    OutcomeUnknownError,
    ViewPublisher,
    publish_candidates,
)
from services.ingest.ratelimit import RateLimiter
from services.ingest.signatures import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from shared.errors import ParseError, UnsupportedFormatError
from shared.logging import get_logger
from shared.models import ViewEvent

log = get_logger(__name__)
_VIEWS = TypeAdapter(list[ViewEvent])
IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.\-]{1,128}")

WRITE_HEADERS_DOC: list[dict[str, Any]] = [
    {
        "name": IDEMPOTENCY_HEADER,
        "in": "header",
        "required": False,
        "description": "the same on every retry of a request: the retry writes nothing twice",
        "schema": {"type": "string", "pattern": f"^{_IDEMPOTENCY_KEY.pattern}$"},
    },
    *(
        {"name": name, "in": "header", "required": False, "description": text, "schema": schema}
        for name, text, schema in [
            (TIMESTAMP_HEADER, "signed requests: Unix seconds", {"type": "string"}),
            (NONCE_HEADER, "signed requests: new for every request", {"type": "string"}),
            (
                SIGNATURE_HEADER,
                'signed requests: sha256=<hex HMAC of "<timestamp>.<nonce>.<body>">',
                {"type": "string"},
            ),
        ]
    ),
]
ARTICLE_BODY_DOC: dict[str, Any] = {
    "parameters": WRITE_HEADERS_DOC,
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
    },
}
VIEWS_BODY_DOC: dict[str, Any] = {
    "parameters": WRITE_HEADERS_DOC,
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/ViewEvent"}}
            }
        },
    },
}


def _unprocessable(errors: list[dict[str, str]]) -> HTTPException:
    return HTTPException(status_code=422, detail=errors)


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, detail=f"body of {declared} bytes exceeds the {limit}-byte limit")
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, detail=f"body exceeds the {limit}-byte limit")
    return b"".join(parts)


def request_token(request: Request, body: bytes) -> str | None:
    """The Idempotency-Key joined with a digest of the body: the same key sent with another
    body is another request, never mistaken for a retry of the first."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(key.strip()):
        raise _unprocessable(
            [{"field": IDEMPOTENCY_HEADER, "reason": "1-128 characters of A-Z a-z 0-9 _ . -"}]
        )
    return f"{key.strip()}.{hashlib.sha256(body).hexdigest()[:16]}"


def _too_many(count: int, limit: int, what: str, setting: str) -> HTTPException:
    return HTTPException(
        413, detail=f"the request holds {count} {what}; at most {limit} per request ({setting})"
    )


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
            wait = await self.limiter.retry_after(producer.name, producer.rate_per_s)
        else:
            try:
                producer, count = await self.registry.verify(
                    request.headers.get("authorization"), scope, window=self.limiter.window()
                )
            except AuthError as exc:
                raise HTTPException(exc.status, detail=exc.reason) from exc
            wait = self.limiter.over(count, producer.rate_per_s)
        if wait is not None:
            raise HTTPException(
                429,
                detail=f"rate limit of producer {producer.name!r} exceeded",
                headers={"Retry-After": str(wait)},
            )
        body = await read_body(request, self.max_body_bytes)
        if self.registry is not None:
            try:
                await self.registry.check_signature(producer, body, request.headers)
            except AuthError as exc:
                raise HTTPException(exc.status, detail=exc.reason) from exc
        return producer, body


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or unknown producer key; a bad, stale or reused signature"},
    403: {"description": "revoked key, or a key without this scope"},
    413: {"description": "body above the size limit, or more items than a request may hold"},
    415: {"description": "a content type ingest cannot read"},
    422: {"description": "invalid input: each error names the field and the reason"},
    429: {"description": "producer rate limit exceeded; see Retry-After"},
    503: {
        "description": 'storage unavailable: `"outcome": "none"`, nothing was written; '
        '`"outcome": "unknown"`, a write went unanswered and may have been applied (a retry '
        "with the same Idempotency-Key or event ids writes nothing twice)"
    },
}


@dataclass(frozen=True)
class ItemLimits:
    """How many items one request may hold (NEWSDESK_MAX_*_PER_REQUEST)."""

    views: int
    articles: int


def build_router(
    articles: ArticlePublisher, views: ViewPublisher, gate: Gate, limits: ItemLimits
) -> APIRouter:
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
        token = request_token(request, body)
        try:
            found = await candidates(body, request.headers.get("content-type"))
        except UnsupportedFormatError as exc:
            raise HTTPException(415, detail=exc.reason) from exc
        except ParseError as exc:
            raise _unprocessable([{"field": exc.field or "body", "reason": exc.reason}]) from exc
        if not found:
            raise _unprocessable([{"field": "body", "reason": "the document holds no article"}])
        if len(found) > limits.articles:
            raise _too_many(
                len(found), limits.articles, "articles", "NEWSDESK_MAX_ARTICLES_PER_REQUEST"
            )
        if len(found) == 1 and found[0].item.article is None:
            metrics = request.app.state.runtime.metrics
            metrics.articles_received.labels("invalid", found[0].item.format).inc()
            raise _unprocessable([e.as_dict() for e in found[0].errors])
        results = await publish_candidates(articles, found, producer.name, request=token)
        counted = request.app.state.runtime.metrics.articles_received
        for candidate, result in zip(found, results, strict=True):
            counted.labels(result["status"], candidate.item.format).inc()
        if len(results) == 1 and results[0]["status"] == "invalid":
            raise _unprocessable(results[0]["errors"])
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
        token = request_token(request, body)
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise _unprocessable([{"field": "body", "reason": f"not valid JSON: {exc}"}]) from exc
        docs = doc if isinstance(doc, list) else [doc]
        if len(docs) > limits.views:
            raise _too_many(len(docs), limits.views, "views", "NEWSDESK_MAX_VIEWS_PER_REQUEST")
        try:
            events = _VIEWS.validate_python(docs)
        except ValidationError as exc:
            raise _unprocessable([e.as_dict() for e in validation_errors(exc)]) from exc
        for event in events:
            event.producer = producer.name
        client_ids = [isinstance(d, dict) and "event_id" in d for d in docs]
        accepted, duplicates = await views.publish(
            list(zip(events, client_ids, strict=True)), producer=producer.name, request=token
        )
        log.info("views.accepted", count=accepted, duplicates=duplicates)
        counted = request.app.state.runtime.metrics.views_received
        counted.labels("accepted").inc(accepted)
        counted.labels("duplicate").inc(duplicates)
        return {"accepted": accepted, "duplicates": duplicates}

    return router


def outcome_unknown_handler(app: FastAPI) -> None:
    """A write that went unanswered may have been applied: saying "nothing was accepted"
    would invite a retry that stores it twice, so the answer says what is known."""

    @app.exception_handler(OutcomeUnknownError)
    async def _on_outcome_unknown(_: Request, exc: OutcomeUnknownError) -> JSONResponse:
        log.warning("request.outcome_unknown", error=str(exc), written=exc.written)
        return JSONResponse(
            {
                "detail": (
                    f"storage did not answer a write ({exc}): the request may have been "
                    f"written in part or in whole ({exc.written} items were before the error). "
                    f"Retrying it with the same {IDEMPOTENCY_HEADER} (or view event ids) writes "
                    "nothing twice; without them a retry may store views twice."
                ),
                "outcome": "unknown",
                "written": exc.written,
            },
            status_code=503,
            headers={"Retry-After": "1"},
        )
