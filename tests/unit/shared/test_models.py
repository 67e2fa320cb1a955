"""The message contracts: what they accept, what they refuse and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
import pytest
from pydantic import ValidationError

from shared.models import (
    EARLIEST,
    LATEST,
    MAX_VERSION,
    SCHEMA_VERSION,
    Article,
    EnrichedArticle,
    RawArticle,
    Tags,
    ViewEvent,
    article_id,
)


def test_article_id_is_stable_per_producer_and_guid() -> None:
    assert article_id("ap", "urn:1") == article_id("ap", "urn:1")
    assert article_id("ap", "urn:1") != article_id("reuters", "urn:1")
    assert article_id("ap", "urn:1") != article_id("ap", "urn:2")


def test_article_times_are_normalised_to_utc() -> None:
    art = Article.model_validate(
        {"guid": "g", "headline": "h", "published_at": "2023-11-17T16:05:00+09:00"}
    )
    assert art.published_at == datetime(2023, 11, 17, 7, 5, tzinfo=UTC)


def test_naive_timestamp_is_refused_with_the_field_named() -> None:
    with pytest.raises(ValidationError) as err:
        Article.model_validate({"guid": "g", "published_at": "2023-11-17T16:05:00"})
    assert err.value.errors()[0]["loc"] == ("published_at",)
    assert "time zone" in str(err.value)


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"headline": "no guid"}, "guid"),
        ({"guid": ""}, "guid"),
        ({"guid": "g", "version": -1}, "version"),
        ({"guid": "g", "pubstatus": "cancelled"}, "pubstatus"),
        ({"guid": "g", "urgency": 12}, "urgency"),
    ],
)
def test_invalid_article_names_the_field(doc: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        Article.model_validate(doc)
    assert err.value.errors()[0]["loc"][0] == field


def test_headline_is_one_line() -> None:
    assert Article(guid="g", headline="  Two\n lines ").headline == "Two lines"


def test_content_hash_ignores_metadata_but_not_text() -> None:
    a = Article(guid="g", headline="H", body_text="B", version=1)
    assert (
        a.content_hash() == Article(guid="g", headline="H", body_text="B", version=2).content_hash()
    )
    assert a.content_hash() != Article(guid="g", headline="H", body_text="B2").content_hash()


def test_view_event_defaults_fill_what_producers_leave_out() -> None:
    view = ViewEvent.model_validate({"article_id": "a1"})
    assert view.event_id
    assert view.ts.tzinfo is not None
    assert view.schema_version == SCHEMA_VERSION
    with pytest.raises(ValidationError) as err:
        ViewEvent.model_validate({"reader_id": "r"})
    assert err.value.errors()[0]["loc"] == ("article_id",)


def test_message_from_a_newer_writer_is_refused() -> None:
    doc = {"article_id": "a", "schema_version": SCHEMA_VERSION + 1}
    with pytest.raises(ValidationError) as err:
        ViewEvent.model_validate(doc)
    assert err.value.errors()[0]["loc"] == ("schema_version",)


def test_enriched_round_trips_through_json() -> None:
    art = Article(guid="g", headline="H")
    raw = RawArticle(id="x", producer="p", content_hash=art.content_hash(), article=art)
    enriched = EnrichedArticle(
        event_id=raw.event_id,
        id=raw.id,
        producer=raw.producer,
        received_at=raw.received_at,
        enricher_version="1",
        content_hash=raw.content_hash,
        article=art,
        tags=Tags(language="en", word_count=3),
    )
    again = EnrichedArticle.model_validate_json(enriched.model_dump_json())
    assert again == enriched


def test_ideographic_space_in_a_headline_is_kept() -> None:
    assert (
        Article(guid="g", headline="能登半島地震\u3000輪島で火災\n").headline
        == "能登半島地震\u3000輪島で火災"
    )


OVERFLOWING = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


@pytest.mark.parametrize("ts", [*OVERFLOWING, "9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z"])
def test_a_time_outside_the_range_is_a_validation_error_naming_the_field(ts: str) -> None:
    """Never OverflowError (a 500 over HTTP, an entry redelivered forever on a stream)."""
    with pytest.raises(ValidationError) as err:
        ViewEvent.model_validate({"article_id": "a", "ts": ts})
    (error,) = err.value.errors()
    assert error["loc"] == ("ts",)
    assert "out of range" in error["msg"]


@pytest.mark.parametrize("ts", OVERFLOWING)
def test_stream_entries_with_overflowing_times_fail_validation_by_field(ts: str) -> None:
    """What consumers decode: the message JSON of a view and of a raw article."""
    view = b'{"article_id": "a", "ts": "%s"}' % ts.encode()
    with pytest.raises(ValidationError) as err:
        ViewEvent.model_validate_json(view)
    assert err.value.errors()[0]["loc"] == ("ts",)
    raw = RawArticle(id="x", producer="p", content_hash="h", article=Article(guid="g"))
    doc = raw.model_dump(mode="json")
    doc["article"]["published_at"] = ts
    with pytest.raises(ValidationError) as err:
        RawArticle.model_validate_json(orjson.dumps(doc))
    assert err.value.errors()[0]["loc"] == ("article", "published_at")


def test_the_edges_of_the_range_are_accepted_in_any_zone() -> None:
    early = ViewEvent.model_validate({"article_id": "a", "ts": "0001-01-03T14:00:00+14:00"})
    late = ViewEvent.model_validate({"article_id": "a", "ts": "9999-12-29T10:00:00-13:59"})
    assert early.ts == EARLIEST
    assert late.ts < LATEST
    for moment in (early.ts, late.ts):
        for zone in ("Pacific/Kiritimati", "Etc/GMT+12", "Asia/Tokyo"):
            local = moment.astimezone(ZoneInfo(zone))
            assert local.date() - timedelta(days=1) < local.date() + timedelta(days=1)


@pytest.mark.parametrize("version", [MAX_VERSION + 1, 2**63, 2**64])
def test_versions_past_what_lua_compares_exactly_are_refused(version: int) -> None:
    """Lua numbers are doubles: 2**53 + 1 would read as 2**53, a different version as equal."""
    assert float(MAX_VERSION + 1) == float(MAX_VERSION + 2)
    with pytest.raises(ValidationError) as err:
        Article(guid="g", version=version)
    assert err.value.errors()[0]["loc"] == ("version",)
    assert Article(guid="g", version=MAX_VERSION).version == MAX_VERSION
