"""Raw stream entries: their fields, a model-decoding handler base, and how errors read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError

from shared.errors import NewsdeskError
from shared.payloads import entry_dict

M = TypeVar("M", bound=BaseModel)


def entry_fields(raw: Sequence[bytes] | Mapping[bytes, bytes] | None) -> Mapping[bytes, bytes]:
    """Fields as a raw XREADGROUP reply carries them (a flat list) or redis-py parsed them."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return raw
    if len(raw) == 2:
        return {raw[0]: raw[1]}
    return dict(zip(raw[::2], raw[1::2], strict=True))


def describe(exc: BaseException) -> str:
    """One line an operator reads in `newsdesk dlq list`: the field and the reason."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        return f"invalid {where}: {first['msg']} ({exc.error_count()} error(s))"
    if isinstance(exc, NewsdeskError):
        return str(exc)  # the project's own errors are written to be read as they are
    return f"{type(exc).__name__}: {exc}"


class Delivery(NamedTuple, Generic[M]):
    """A decoded entry: its id (to ack or dead-letter it) and its message."""

    entry_id: bytes
    message: M


class ModelEntries(Generic[M]):
    """Decodes entries into `model` however their producer wrote them (FastStream's
    envelope, raw JSON in `__data__`, plain fields); a refusal names the field."""

    def __init__(self, model: type[M], *, max_bytes: int) -> None:
        self.model = model
        self.max_bytes = max_bytes

    def decode(self, entry: Sequence[Any]) -> Delivery[M]:
        doc = entry_dict(dict(entry_fields(entry[1])), max_bytes=self.max_bytes)
        return Delivery(entry[0], self.model.model_validate(doc))

    @staticmethod
    def entry_id(item: Delivery[M]) -> bytes:
        return item.entry_id
