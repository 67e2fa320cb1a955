"""How a stream entry's fields become one JSON document, whoever wrote it.

FastStream writes one field `__data__` in its binary envelope; producers outside FastStream may
XADD raw JSON into `__data__`, or plain fields. All three are read the same way so a producer
can pick whatever its language has.
"""

from __future__ import annotations

from typing import Any

import orjson
from faststream.redis.parser.binary import BinaryMessageFormatV1

from shared.errors import PermanentError

DATA_FIELD = b"__data__"


class PoisonEntryError(PermanentError):
    """A stream entry no reader could ever decode."""


def entry_json(fields: dict[bytes, bytes], *, max_bytes: int) -> bytes:
    """Returns the entry's JSON body, unwrapped from FastStream's envelope when present."""
    raw = fields.get(DATA_FIELD)
    if raw is None:
        try:
            plain = {k.decode(): v.decode() for k, v in fields.items()}
        except UnicodeDecodeError as exc:
            raise PoisonEntryError(f"entry fields are not UTF-8: {exc}") from exc
        return orjson.dumps(plain)
    if len(raw) > max_bytes:
        raise PoisonEntryError(f"entry of {len(raw)} bytes exceeds the {max_bytes}-byte limit")
    body, _headers = BinaryMessageFormatV1.parse(raw)
    return body


def entry_dict(fields: dict[bytes, bytes], *, max_bytes: int) -> dict[str, Any]:
    body = entry_json(fields, max_bytes=max_bytes)
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PoisonEntryError(f"entry is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise PoisonEntryError(f"entry is JSON {type(doc).__name__}, expected an object")
    return doc
