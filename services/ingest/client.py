"""A small client for producers: publish one article or many, send views, retrying safely.

Every call carries an `Idempotency-Key` (the same on each of its attempts), so a retry after
an answer that never came, or after a 503 whose write may have run, stores nothing twice:
ingest recognises the request's chunks of views and its article versions and answers what it
answered the first time. A producer with a signing secret signs every attempt anew.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson

from services.ingest.signatures import signed_headers

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 30.0
CONTENT_TYPES = {
    ".json": "application/json",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".tst": "text/plain",
}


class IngestError(Exception):
    """Ingest refused the request (4xx) or stayed unavailable after every retry."""

    def __init__(self, status: int | None, detail: Any) -> None:
        super().__init__(f"ingest answered {status}: {detail}")
        self.status = status
        self.detail = detail


def content_type_for(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


class IngestClient:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        signing_secret: str | None = None,
        retries: int = 5,
        backoff_s: float = 0.2,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout_s, transport=transport
        )
        self.signing_secret = signing_secret
        self.retries = retries
        self.backoff_s = backoff_s

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> IngestClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def publish(self, article: Mapping[str, Any]) -> list[dict[str, Any]]:
        return self.publish_many([article])

    def publish_many(self, articles: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return self.publish_bytes(orjson.dumps(list(articles)), "application/json")

    def publish_bytes(self, body: bytes, content_type: str) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = self._post("/v1/articles", body, content_type).json()[
            "results"
        ]
        return results

    def publish_file(self, path: Path) -> list[dict[str, Any]]:
        return self.publish_bytes(path.read_bytes(), content_type_for(path))

    def send_views(self, views: Sequence[Mapping[str, Any]]) -> int:
        """How many views ingest accepted (views whose own `event_id` it saw before are not)."""
        response = self._post("/v1/views", orjson.dumps(list(views)), "application/json")
        accepted: int = response.json()["accepted"]
        return accepted

    def _post(self, path: str, body: bytes, content_type: str) -> httpx.Response:
        key = uuid.uuid4().hex  # one request, however many attempts it takes
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            headers = {"Content-Type": content_type, "Idempotency-Key": key}
            if self.signing_secret:
                headers |= signed_headers(self.signing_secret, body)
            try:
                response = self._http.post(path, content=body, headers=headers)
            except httpx.TransportError as exc:
                last, wait = exc, None
            else:
                if response.status_code not in RETRY_STATUSES:
                    if response.status_code >= 400:
                        raise IngestError(response.status_code, _detail(response))
                    return response
                last, wait = IngestError(response.status_code, _detail(response)), response
            if attempt < self.retries:
                time.sleep(self._delay(attempt, wait))
        if isinstance(last, IngestError):
            raise last
        raise IngestError(None, str(last))

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        """The backoff, or the server's Retry-After when it asks for longer: one wait, never
        the one and then the other."""
        backoff = self.backoff_s * 2.0**attempt
        asked = response.headers.get("Retry-After", "") if response is not None else ""
        if asked.isdigit():
            return max(backoff, min(float(asked), MAX_RETRY_AFTER_S))
        return backoff


def _detail(response: httpx.Response) -> Any:
    try:
        doc = response.json()
    except ValueError:
        return response.text
    # A proxy in front of ingest may answer with any JSON, not only ingest's {"detail": ...}.
    return doc.get("detail", doc) if isinstance(doc, dict) else doc
