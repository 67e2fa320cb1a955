"""The views hot loop's decoder must accept exactly what `ViewEvent` accepts, read the same
values, and say why it refuses an entry (the reason goes to the dead-letter stream)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest
from faststream.redis.parser.binary import BinaryMessageFormatV1
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.ranking.domain.view_entries import View, decode_view, quick_view
from shared.consumer.entries import entry_fields
from shared.models import SCHEMA_VERSION, ViewEvent
from shared.payloads import PoisonEntryError

LIMIT = 64 * 1024
DOC = {
    "event_id": "ev-1",
    "article_id": "a1",
    "ts": "2024-06-05T12:30:00+09:00",
    "reader_id": "r1",
    "user_agent": "Mozilla/5.0",
}
EXPECTED = View(b"1-0", "a1", 1717558200.0, "r1", "Mozilla/5.0")


def envelope(doc: dict[str, Any]) -> bytes:
    return asyncio.run(
        BinaryMessageFormatV1.encode(
            message=doc, reply_to=None, headers={"x": "1"}, correlation_id="c"
        )
    )


@pytest.mark.parametrize(
    "fields",
    [
        {b"__data__": orjson.dumps(DOC)},  # what POST /v1/views XADDs
        {b"__data__": envelope(DOC)},  # FastStream's publisher
        {b"__data__": orjson.dumps({"data": orjson.dumps(DOC).decode(), "headers": {}})},
        {k.encode(): v.encode() for k, v in DOC.items()},  # plain fields
    ],
    ids=["plain-json", "faststream-binary", "faststream-legacy-json", "flat-fields"],
)
def test_every_entry_shape_reads_the_same(fields: dict[bytes, bytes]) -> None:
    assert decode_view(b"1-0", fields, LIMIT) == EXPECTED
    quick = quick_view([b"1-0", [x for kv in fields.items() for x in kv]], LIMIT)
    assert quick in (None, EXPECTED)  # the quick path reads the same, or leaves it


def test_the_quick_path_takes_plain_json_and_leaves_the_rest() -> None:
    plain = orjson.dumps(DOC)
    assert quick_view([b"1-0", [b"__data__", plain]], LIMIT) == EXPECTED
    assert quick_view([b"1-0", [b"__data__", envelope(DOC)]], LIMIT) is None
    assert quick_view([b"1-0", [b"__data__", plain, b"x", b"1"]], LIMIT) is None
    assert quick_view([b"1-0", [b"other", plain]], LIMIT) is None
    assert quick_view([b"1-0", [b"__data__", plain]], len(plain) - 1) is None
    assert quick_view([b"1-0", None], LIMIT) is None


def test_a_missing_time_is_the_time_read() -> None:
    before = time.time()
    view = decode_view(b"1-0", {b"__data__": b'{"article_id": "a1"}'}, LIMIT)
    assert before <= view.ts <= time.time()
    assert (view.reader_id, view.user_agent) == (None, None)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({b"__data__": b"{not json"}, "entry is not JSON"),
        ({b"__data__": b"[1, 2]"}, "entry is JSON list, expected an object"),
        ({b"__data__": b'{"reader_id": "r1"}'}, "invalid article_id: Field required"),
        ({b"__data__": b'{"article_id": ""}'}, "invalid article_id"),
        ({b"__data__": b'{"article_id": 7}'}, "invalid article_id"),
        (
            {b"__data__": orjson.dumps({"article_id": "a", "schema_version": SCHEMA_VERSION + 1})},
            "invalid schema_version",
        ),
        ({b"__data__": b'{"article_id": "a", "ts": "2024-06-05T12:30:00"}'}, "invalid ts"),
        ({b"__data__": b'{"article_id": "a", "ts": "yesterday"}'}, "invalid ts"),
        ({b"__data__": b'{"article_id": "a", "event_id": null}'}, "invalid event_id"),
        ({b"__data__": b'{"article_id": "a", "user_agent": ["x"]}'}, "invalid user_agent"),
        ({b"__data__": b"{" + b" " * LIMIT + b"}"}, "exceeds the 65536-byte limit"),
        ({b"article_id": b"\xff\xfe"}, "entry fields are not UTF-8"),
    ],
)
def test_poison_entries_say_which_field_and_why(fields: dict[bytes, bytes], reason: str) -> None:
    with pytest.raises(PoisonEntryError, match=reason):
        decode_view(b"1-0", fields, LIMIT)


def test_fields_from_a_raw_reply_or_a_parsed_one() -> None:
    assert entry_fields([b"__data__", b"{}"]) == {b"__data__": b"{}"}
    assert entry_fields([b"a", b"1", b"b", b"2"]) == {b"a": b"1", b"b": b"2"}
    assert entry_fields({b"a": b"1"}) == {b"a": b"1"}
    assert entry_fields(None) == {}


# Parity with ViewEvent over generated documents: values of the right and the wrong kinds.
TEXT = st.one_of(
    st.text(max_size=12),
    st.text(min_size=120, max_size=140),
    st.none(),
    st.integers(-99, 99),
    st.just(""),
)
TIMES = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),  # naive: refused
    st.sampled_from(["2024-06-05T03:30:00Z", "2024-06-05T03:30:00.123456+00:00", "2024-13-01"]),
    st.integers(0, 2_000_000_000),
    st.none(),
)
DOCS = st.fixed_dictionaries(
    {},
    optional={
        "article_id": TEXT,
        "event_id": TEXT,
        "reader_id": TEXT,
        "user_agent": TEXT,
        "referrer": TEXT,
        "producer": TEXT,
        "schema_version": st.one_of(st.integers(-1, SCHEMA_VERSION + 1), st.text(max_size=2)),
        "ts": TIMES,
    },
)


@settings(max_examples=400, deadline=None)
@given(DOCS)
def test_decoding_agrees_with_the_view_event_model(doc: dict[str, Any]) -> None:
    fields = {b"__data__": orjson.dumps(doc)}
    try:
        event = ViewEvent.model_validate(doc)
    except ValidationError:
        with pytest.raises(PoisonEntryError):
            decode_view(b"1-0", fields, LIMIT)
        assert quick_view([b"1-0", [b"__data__", fields[b"__data__"]]], LIMIT) is None
        return
    view = decode_view(b"1-0", fields, LIMIT)
    quick = quick_view([b"1-0", [b"__data__", fields[b"__data__"]]], LIMIT)
    assert quick is None or quick._replace(ts=0) == view._replace(ts=0)
    assert quick is None or quick.ts == pytest.approx(view.ts, abs=5 if "ts" not in doc else 0)
    expected = View.of(b"1-0", event)
    assert view._replace(ts=0) == expected._replace(ts=0)
    assert view.ts == pytest.approx(expected.ts, abs=5 if "ts" not in doc else 1e-6)
