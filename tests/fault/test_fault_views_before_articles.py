"""Breaking news through the whole system: readers click each article right after its 202,
while the enricher is stalled and ranking is SIGKILLed. Every view must be counted, once."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import httpx
import pytest

from tests.fault.conftest import FaultRow
from tests.fault.harness import System
from tests.waiting import eventually_sync

pytestmark = pytest.mark.fault

ARTICLES = 50
VIEWS_EACH = 120
STALL_S = 10


def article(n: int) -> dict[str, object]:
    return {
        "guid": f"urn:race:{n}",
        "headline": f"Breaking story {n} as it develops",
        "section": "World",
        "body_text": f"TOKYO — Story {n} develops by the minute. " * 20,
    }


def views(n: int, article_id: str) -> list[dict[str, object]]:
    return [
        {"article_id": article_id, "event_id": f"race-{n}-{k}", "reader_id": f"r{n}-{k}"}
        for k in range(VIEWS_EACH)
    ]


def total(http: httpx.Client, system: System, article_id: str) -> int:
    resp = http.get(system.url("ranking", f"/v1/articles/{article_id}"))
    return int(resp.json()["views"]) if resp.status_code == 200 else -1


def test_views_posted_right_after_their_article_are_all_counted(
    any_system: System, record: Callable[..., FaultRow]
) -> None:
    system = any_system
    headers = {"Authorization": f"Bearer {system.api_key}"}
    enricher = system.procs["enricher"]
    enricher.send_signal(signal.SIGSTOP)  # a stalled enricher: no article reaches ranking
    stalled_at = time.monotonic()
    ids: list[str] = []
    with httpx.Client(timeout=10, headers=headers) as http:
        for n in range(ARTICLES):
            resp = http.post(system.url("ingest", "/v1/articles"), json=article(n))
            assert resp.status_code == 202, resp.text
            article_id = resp.json()["results"][0]["id"]
            ids.append(article_id)
            posted = http.post(system.url("ingest", "/v1/views"), json=views(n, article_id))
            assert posted.status_code == 202, posted.text
            if n == ARTICLES // 2:
                system.kill("ranking")  # with views held and views still coming
                system.start("ranking")
        time.sleep(max(0.0, STALL_S - (time.monotonic() - stalled_at)))
        system.wait_ready("ranking")
        early = [total(http, system, i) for i in ids]
        enricher.send_signal(signal.SIGCONT)
        eventually_sync(
            lambda: all(total(http, system, i) >= VIEWS_EACH for i in ids),
            timeout_s=120,
            interval_s=0.5,
        )
        time.sleep(1)  # a late double count would show by now
        got = {i: total(http, system, i) for i in ids}
    sent = ARTICLES * VIEWS_EACH
    where = "Redis Cluster, 3 shards" if system.external_url else "one Redis"
    record(
        fault=f"views posted right after each article's 202, enricher stalled {STALL_S} s, "
        f"ranking SIGKILLed midway ({where})",
        tried=1,
        accepted=sent,
        lost=sum(max(VIEWS_EACH - g, 0) for g in got.values()),
        duplicated=sum(max(g - VIEWS_EACH, 0) for g in got.values()),
        note=f"{sum(got.values())} counted; during the stall ranking knew "
        f"{sum(1 for e in early if e >= 0)} of {ARTICLES} articles",
    )
    assert all(e == -1 for e in early)  # the stall was real: no article had reached ranking
    assert got == dict.fromkeys(ids, VIEWS_EACH)
