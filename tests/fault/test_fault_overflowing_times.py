"""Times that overflow when converted to UTC ("0001-01-01T00:00:00+14:00"), sent to the running
system every way they can arrive: over HTTP they are 422 naming the item's field (never a 500,
never a whole batch); written straight to the streams, the entry is refused by name while its
neighbours go on."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import orjson
import pytest
import redis

from tests.fault.conftest import FaultRow
from tests.fault.harness import System
from tests.fault.test_fault_kill_services import article
from tests.waiting import eventually_sync

pytestmark = pytest.mark.fault

OVERFLOWING = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


def test_overflowing_times_are_refused_per_item_by_name(
    system: System, record: Callable[..., FaultRow]
) -> None:
    headers = {"Authorization": f"Bearer {system.api_key}"}
    with httpx.Client(headers=headers, timeout=30) as http:
        views = [
            http.post(
                system.url("ingest", "/v1/views"),
                json=[{"article_id": "a1"}, {"article_id": "a1", "ts": ts}],
            )
            for ts in OVERFLOWING
        ]
        batch = http.post(
            system.url("ingest", "/v1/articles"),
            json=[
                article(1),
                {**article(2), "published_at": OVERFLOWING[0]},
                {**article(3), "versioncreated": OVERFLOWING[1]},
                article(4),
            ],
        )
    results = batch.json()["results"]
    record(
        fault="times that overflow UTC, over HTTP (2 view posts, 1 article batch)",
        tried=3,
        accepted=sum(r["status"] == "accepted" for r in results),
        lost=0,
        duplicated=0,
        note=f"views answered {[v.status_code for v in views]}, batch {batch.status_code}",
    )
    for answer in views:
        assert answer.status_code == 422
        assert [e["field"] for e in answer.json()["detail"]] == ["1.ts"]
    assert batch.status_code == 202
    assert [r["status"] for r in results] == ["accepted", "invalid", "invalid", "accepted"]
    assert results[1]["errors"][0]["field"] == "published_at"
    assert results[2]["errors"][0]["field"] == "versioncreated"


def test_an_overflowing_entry_on_a_stream_never_holds_its_neighbours(
    system: System, record: Callable[..., FaultRow]
) -> None:
    """Written straight to `articles.raw` and `views` (producers may XADD views themselves):
    each such entry ends in the dead-letter stream naming the field; the entries around it
    are handled, and nothing stays pending."""
    client = redis.Redis.from_url(system.redis_url)
    raw_stream, views = system.keys.raw, system.keys.views
    started = time.monotonic()
    for ts in OVERFLOWING:
        bad_view = orjson.dumps({"event_id": f"bad-{ts}", "article_id": "a1", "ts": ts})
        client.xadd(views, {"__data__": orjson.dumps({"article_id": "a1", "event_id": "g1"})})
        client.xadd(views, {"__data__": bad_view})
        client.xadd(views, {"__data__": orjson.dumps({"article_id": "a1", "event_id": f"g{ts}"})})
    with httpx.Client(timeout=30) as http:
        posted = http.post(
            system.url("ingest", "/v1/articles"),
            json=article(7),
            headers={"Authorization": f"Bearer {system.api_key}"},
        )
    assert posted.status_code == 202
    ((_, fields),) = client.xrange(raw_stream, count=1)
    poison = orjson.loads(fields[b"__data__"])
    poison["article"]["published_at"] = OVERFLOWING[0]
    client.xadd(raw_stream, {"__data__": orjson.dumps(poison)})

    def settled() -> bool:
        dead = client.xlen(f"{views}.dlq") == 2 and client.xlen(f"{raw_stream}.dlq") == 1
        return dead and all(
            g["pending"] == 0 for stream in (views, raw_stream) for g in client.xinfo_groups(stream)
        )

    eventually_sync(settled, timeout_s=120, interval_s=0.2)
    took = time.monotonic() - started
    errors = [
        fields[b"error"].decode()
        for stream in (f"{views}.dlq", f"{raw_stream}.dlq")
        for _, fields in client.xrange(stream)
    ]
    record(
        fault="times that overflow UTC, written straight to views and articles.raw",
        tried=3,
        accepted=0,
        lost=0,
        duplicated=0,
        note=f"dead-lettered by name in {took:.1f} s: {errors}",
    )
    client.close()
    assert all("ts" in e or "published_at" in e for e in errors), errors
    assert not any("Overflow" in e for e in errors), errors
