"""`views` stream entries to the few fields counting reads.

The common entry (plain JSON in `__data__`, what `POST /v1/views` writes) goes straight to
pydantic-core's JSON validator, ~4 µs, where FastStream's envelope parser would parse it
twice first. Anything else (FastStream's envelopes, plain fields, invalid JSON) is unwrapped
as `shared.payloads` reads every stream and validated as a `ViewEvent` too, so every shape
obeys the same rules and a refusal names the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import orjson
from pydantic import ValidationError

from shared.models import ViewEvent
from shared.payloads import DATA_FIELD, PoisonEntryError, entry_json


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
    """The entry as parsed JSON, read like `shared.payloads.entry_json` reads it."""
    try:
        doc = orjson.loads(entry_json(dict(fields), max_bytes=max_bytes))
    except orjson.JSONDecodeError as exc:
        raise PoisonEntryError(f"entry is not JSON: {exc}") from exc
    if isinstance(doc, dict) and isinstance(doc.get("data"), str):
        try:  # FastStream's legacy JSON envelope {"data": "...", "headers": {...}}
            doc = orjson.loads(doc["data"].encode())
        except orjson.JSONDecodeError as exc:
            raise PoisonEntryError(f"entry is not JSON: {exc}") from exc
    return doc


def _poison(exc: ValidationError) -> PoisonEntryError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "message"
    return PoisonEntryError(f"invalid {where}: {first['msg']}")


_validate_json = ViewEvent.__pydantic_validator__.validate_json


def quick_view(entry: Sequence[Any], max_bytes: int) -> View | None:
    """The common entry, straight from a raw XREADGROUP reply ([id, [b'__data__', json]]),
    as `decode_view` would read it; None for anything else, which `decode_other` then reads
    (and refuses with its reason). Skipping the field dict and the model's classmethod saves
    ~1.5 µs a view, a tenth of what the views loop spends in Python."""
    fields = entry[1]
    if fields is None or len(fields) != 2 or fields[0] != DATA_FIELD or len(fields[1]) > max_bytes:
        return None
    try:
        event = _validate_json(fields[1])
    except ValidationError:
        return None
    return View(entry[0], event.article_id, event.ts.timestamp(), event.reader_id,
                event.user_agent)  # fmt: skip


def decode_view(entry_id: bytes | str, fields: Mapping[bytes, bytes], max_bytes: int) -> View:
    """One entry to a View, or PoisonEntryError (dead-letter it) saying why not."""
    raw = fields.get(DATA_FIELD)
    if raw is not None and len(fields) == 1:
        view = quick_view((entry_id, (DATA_FIELD, raw)), max_bytes)
        if view is not None:
            return view
    return decode_other(entry_id, fields, max_bytes)


def decode_other(entry_id: bytes | str, fields: Mapping[bytes, bytes], max_bytes: int) -> View:
    """What `quick_view` leaves: envelopes and plain fields read, poison refused by name."""
    doc = _document(fields, max_bytes)
    if not isinstance(doc, dict):
        raise PoisonEntryError(f"entry is JSON {type(doc).__name__}, expected an object")
    try:
        return View.of(entry_id, ViewEvent.model_validate(doc))
    except ValidationError as exc:
        raise _poison(exc) from exc
