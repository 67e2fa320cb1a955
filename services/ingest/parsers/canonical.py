"""The canonical article JSON itself (a site's own CMS): one object or a list of them."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from shared.errors import ParseError
from shared.models import Article

from .assembly import Context, Outcome, validation_error
from .ninjs import items, load


def parse(data: bytes, ctx: Context) -> list[Outcome]:
    found = items(load(data, ctx.charset))
    if not found:
        raise ParseError("the JSON list holds no articles")
    return [_outcome(obj) for obj in found]


def _outcome(obj: Any) -> Outcome:
    if not isinstance(obj, dict):
        return ParseError(f"expected an article object, got {type(obj).__name__}")
    try:
        return Article.model_validate(obj)
    except ValidationError as exc:
        return validation_error(exc)
