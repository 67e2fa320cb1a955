"""Turns a request body into candidate articles, one outcome per item.

A batch is judged item by item: one invalid article in a list of a hundred is reported as
invalid and the other ninety-nine go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from shared.errors import ParseError
from shared.models import Article


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class Candidate:
    """An item of the request: an article to publish, or the errors that refused it."""

    article: Article | None
    errors: list[FieldError] = field(default_factory=list)
    guid: str | None = None
    version: int | None = None


def validation_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        out.append(
            FieldError(
                field=f"{prefix}{loc}" if loc else prefix.rstrip(".") or "body", reason=err["msg"]
            )
        )
    return out


def load_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ParseError(f"not valid JSON: {exc}", field="body") from exc


def canonical_candidates(doc: Any) -> list[Candidate]:
    items = doc if isinstance(doc, list) else [doc]
    if not items:
        raise ParseError("empty list: send at least one article", field="body")
    return [_candidate(item) for item in items]


def _candidate(item: Any) -> Candidate:
    if not isinstance(item, dict):
        return Candidate(
            None, [FieldError("body", f"expected an object, got {type(item).__name__}")]
        )
    guid = item.get("guid") if isinstance(item.get("guid"), str) else None
    version = item.get("version") if isinstance(item.get("version"), int) else None
    try:
        article = Article.model_validate(item)
    except ValidationError as exc:
        return Candidate(None, validation_errors(exc), guid, version)
    return Candidate(article, [], article.guid, article.version)
