"""Turns a request body into candidate articles, one outcome per item.

The body is read by the wire parsers (content type first, sniffing otherwise), so a producer
pushes whatever its wire speaks. A batch is judged item by item: one invalid article in a
feed of a hundred is reported as invalid and the other ninety-nine go on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from pydantic import ValidationError

from services.ingest.parsers import ParsedItem, parse_bytes

# Parsing a big feed or page takes milliseconds: off the event loop, so health checks and
# other requests keep being answered.
THREAD_THRESHOLD_BYTES = 32 * 1024


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class Candidate:
    """An item of the request: an article to publish, or the errors that refused it."""

    item: ParsedItem
    errors: list[FieldError] = field(default_factory=list)

    @property
    def guid(self) -> str | None:
        return self.item.article.guid if self.item.article else None

    @property
    def version(self) -> int | None:
        return self.item.article.version if self.item.article else None


def validation_errors(exc: ValidationError) -> list[FieldError]:
    return [
        FieldError(field=".".join(str(p) for p in err["loc"]) or "body", reason=err["msg"])
        for err in exc.errors()
    ]


def _candidate(item: ParsedItem) -> Candidate:
    if item.error is None:
        return Candidate(item)
    return Candidate(item, [FieldError(item.error.field or "body", item.error.reason)])


async def candidates(
    body: bytes, content_type: str | None, *, filename: str | None = None
) -> list[Candidate]:
    """Raises UnsupportedFormatError (415) or ParseError (422) for an unreadable body."""
    if len(body) > THREAD_THRESHOLD_BYTES:
        items = await asyncio.to_thread(
            parse_bytes, body, content_type=content_type, filename=filename
        )
    else:
        items = parse_bytes(body, content_type=content_type, filename=filename)
    return [_candidate(item) for item in items]
