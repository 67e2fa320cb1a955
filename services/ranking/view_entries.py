"""`views` stream entries to the few fields counting reads, at a few µs an entry.

A pydantic `ViewEvent` per view costs ~2.5 µs and FastStream's envelope parser parses raw
JSON twice; at tens of thousands of views a second that is the budget of the whole loop. So
the common shape (one JSON object, string fields, an ISO timestamp with a zone) is checked
by hand against the same rules as `ViewEvent`, and anything unusual is handed to
`ViewEvent` itself: both accept exactly the same entries and read the same values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson
from faststream.redis.parser.binary import BinaryMessageFormatV1
from pydantic import ValidationError

from shared.models import SCHEMA_VERSION, ViewEvent
from shared.payloads import DATA_FIELD, PoisonEntryError, entry_json

_ENVELOPE = BinaryMessageFormatV1.IDENTITY_HEADER
# The timestamp shape producers send, which both this module and pydantic read alike
_ISO_WITH_ZONE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)\Z", re.ASCII
)
# field -> longest value ViewEvent accepts (None: no limit); all optional but article_id
_TEXT_FIELDS: dict[str, int | None] = {
    "event_id": 128,
    "reader_id": 256,
    "user_agent": 1024,
    "referrer": 2048,
    "producer": None,
}


class View(NamedTuple):
    """One view as counting sees it; `ts` in Unix seconds."""

    entry_id: bytes | str
    article_id: str
    ts: float
    reader_id: str | None = None
    user_agent: str | None = None

    @classmethod
    def of(cls, entry_id: bytes | str, event: ViewEvent) -> View:
        return cls(entry_id, event.article_id, event.ts.timestamp(), event.reader_id,
                   event.user_agent)  # fmt: skip


def _document(fields: Mapping[bytes, bytes], max_bytes: int) -> Any:
    """The entry as parsed JSON, read like `shared.payloads.entry_json` reads it; the common
    case (plain JSON in `__data__`) is parsed once, where FastStream's parser tries twice."""
    raw = fields.get(DATA_FIELD)
    if raw is None or len(raw) > max_bytes or raw.startswith(_ENVELOPE):
        raw = entry_json(dict(fields), max_bytes=max_bytes)
    try:
        doc = orjson.loads(raw)
        if isinstance(doc, dict) and isinstance(doc.get("data"), str):
            # FastStream's legacy JSON envelope {"data": "...", "headers": {...}}
            doc = orjson.loads(doc["data"].encode())
    except orjson.JSONDecodeError as exc:
        raise PoisonEntryError(f"entry is not JSON: {exc}") from exc
    return doc


def _fast(doc: dict[str, Any]) -> tuple[str, float, str | None, str | None] | None:
    """The common shape checked by hand; None means "let ViewEvent judge it"."""
    article_id = doc.get("article_id")
    if type(article_id) is not str or not 0 < len(article_id) <= 128:
        return None
    version = doc.get("schema_version", SCHEMA_VERSION)
    if type(version) is not int or not 1 <= version <= SCHEMA_VERSION:
        return None
    for name, longest in _TEXT_FIELDS.items():
        value = doc.get(name)
        if value is not None and (
            type(value) is not str or (longest is not None and len(value) > longest)
        ):
            return None
    if "event_id" in doc and not doc["event_id"]:
        return None  # ViewEvent refuses an empty or null event id
    ts = doc.get("ts")
    if ts is None and "ts" not in doc:
        when = datetime.now(UTC).timestamp()
    elif type(ts) is str and _ISO_WITH_ZONE.match(ts):
        try:
            when = datetime.fromisoformat(ts).timestamp()
        except ValueError:
            return None
    else:
        return None
    return article_id, when, doc.get("reader_id"), doc.get("user_agent")


def decode_view(entry_id: bytes | str, fields: Mapping[bytes, bytes], max_bytes: int) -> View:
    """One entry to a View, or PoisonEntryError (dead-letter it) saying why not."""
    doc = _document(fields, max_bytes)
    if not isinstance(doc, dict):
        raise PoisonEntryError(f"entry is JSON {type(doc).__name__}, expected an object")
    fast = _fast(doc)
    if fast is not None:
        return View(entry_id, *fast)
    try:
        return View.of(entry_id, ViewEvent.model_validate(doc))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        raise PoisonEntryError(f"invalid {where}: {first['msg']}") from exc


def entry_fields(raw: Sequence[bytes] | Mapping[bytes, bytes] | None) -> Mapping[bytes, bytes]:
    """Fields as a raw XREADGROUP reply carries them (a flat list) or redis-py parsed them."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return raw
    if len(raw) == 2:
        return {raw[0]: raw[1]}
    return dict(zip(raw[::2], raw[1::2], strict=True))
