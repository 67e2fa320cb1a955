"""A small client for producers: publish one article or many, retrying safely.

Retries are safe because ingest is idempotent on (producer, guid, version): a retry of a
publish that did land comes back "duplicate", never as a second copy.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
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
        retries: int = 5,
        backoff_s: float = 0.2,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout_s, transport=transport
        )
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
        response = self._post("/v1/articles", json=list(articles))
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def publish_bytes(self, body: bytes, content_type: str) -> list[dict[str, Any]]:
        response = self._post("/v1/articles", content=body, headers={"Content-Type": content_type})
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def publish_file(self, path: Path) -> list[dict[str, Any]]:
        return self.publish_bytes(path.read_bytes(), content_type_for(path))

    def send_views(self, views: Sequence[Mapping[str, Any]]) -> int:
        accepted: int = self._post("/v1/views", json=list(views)).json()["accepted"]
        return accepted

    def _post(self, path: str, **kwargs: Any) -> httpx.Response:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                response = self._http.post(path, **kwargs)
            except httpx.TransportError as exc:
                last = exc
            else:
                if response.status_code not in RETRY_STATUSES:
                    if response.status_code >= 400:
                        raise IngestError(response.status_code, _detail(response))
                    return response
                last = IngestError(response.status_code, _detail(response))
                if delay := response.headers.get("Retry-After"):
                    time.sleep(min(float(delay) if delay.isdigit() else 1.0, 30.0))
            if attempt < self.retries:
                time.sleep(self.backoff_s * (2**attempt))
        if isinstance(last, IngestError):
            raise last
        raise IngestError(None, str(last))


def _detail(response: httpx.Response) -> Any:
    try:
        doc = response.json()
    except ValueError:
        return response.text
    # A proxy in front of ingest may answer with any JSON, not only ingest's {"detail": ...}.
    return doc.get("detail", doc) if isinstance(doc, dict) else doc
