"""SIGKILL every service at random moments under a mixed load of articles and views, start
it again, drain, and check that nothing accepted was lost or counted twice."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from faststream.redis.parser.binary import BinaryMessageFormatV1

from services.ingest.client import IngestClient, IngestError
from shared.keys import GROUP_ENRICHER, GROUP_RANKING
from shared.models import EnrichedArticle
from tests.fault.conftest import FaultRow
from tests.fault.harness import SERVICES, System
from tests.waiting import eventually_sync

pytestmark = pytest.mark.fault

ARTICLES = 240
KILL_ROUNDS = 5
SECTIONS = ("World", "Politics", "Business", "Sports")


def article(n: int) -> dict[str, Any]:
    return {
        "guid": f"urn:fault:{n}",
        "version": 1,
        "headline": f"Fault story {n} about the central bank and the election",
        "section": SECTIONS[n % len(SECTIONS)],
        "body_text": (
            f"TOKYO — Story number {n}. The Bank of Japan left rates unchanged on Tuesday, "
            "officials said, as Prime Minister Shigeru Ishiba prepared for an election."
        ),
        "published_at": "2024-10-01T00:00:00Z",
    }


class Load:
    """Posts articles, then views of articles ranking already shows, retrying until answered."""

    def __init__(self, sut: System) -> None:
        self.sut = sut
        self.client = IngestClient(
            sut.url("ingest", ""), api_key=sut.api_key, retries=40, backoff_s=0.05
        )
        self.accepted: dict[str, str] = {}
        self.views_sent: Counter[str] = Counter()
        self.ranked: list[str] = []
        self.done = threading.Event()
        self.errors: list[str] = []

    def post_articles(self) -> None:
        for n in range(ARTICLES):
            while True:
                try:
                    (result,) = self.client.publish(article(n))
                    break
                except IngestError as exc:
                    if exc.status is not None and exc.status < 500:
                        self.errors.append(str(exc))
                        break
            if result["status"] in ("accepted", "duplicate"):
                self.accepted[result["id"]] = result["guid"]
            time.sleep(0.01)

    def post_views(self) -> None:
        rng = random.Random(7)
        batch_no = 0
        while not self.done.is_set() or batch_no < 20:
            self._learn_ranked()
            if not self.ranked:
                time.sleep(0.1)
                continue
            batch_no += 1
            views = [
                {
                    "article_id": rng.choice(self.ranked),
                    "event_id": f"b{batch_no}-{i}",
                    "reader_id": f"r{batch_no}-{i}",
                }
                for i in range(25)
            ]
            while True:
                try:
                    self.client.send_views(views)
                    break
                except IngestError:
                    time.sleep(0.1)
            self.views_sent.update(v["article_id"] for v in views)
            time.sleep(0.02)

    def _learn_ranked(self) -> None:
        for article_id in list(self.accepted)[len(self.ranked) : len(self.ranked) + 20]:
            try:
                url = self.sut.url("ranking", f"/v1/articles/{article_id}")
                if httpx.get(url, timeout=1).status_code != 200:
                    return
            except httpx.HTTPError:
                return
            self.ranked.append(article_id)


def kill_at_random(sut: System, rounds: int) -> int:
    rng = random.Random(42)
    kills = 0
    for _ in range(rounds):
        for service in SERVICES:
            time.sleep(rng.uniform(0.3, 1.5))
            sut.kill(service)
            kills += 1
            sut.start(service)
            sut.wait_ready(service)
    return kills


def drained(sut: System) -> bool:
    """Every group has read to the end of its stream and acked everything it read.

    XINFO's `lag` can be unknown (None) after a restart, so the last delivered id is
    compared with the stream's last id instead of trusting it."""
    client = redis.Redis.from_url(sut.redis_url)
    try:
        for stream, group in [
            (sut.keys.raw, GROUP_ENRICHER),
            (sut.keys.enriched, GROUP_RANKING),
            (sut.keys.views, GROUP_RANKING),
        ]:
            last = client.xinfo_stream(stream)["last-generated-id"]
            (info,) = [g for g in client.xinfo_groups(stream) if g["name"].decode() == group]
            if info["pending"] or info["last-delivered-id"] != last:
                return False
        return True
    finally:
        client.close()


def enriched_ids(sut: System) -> Counter[str]:
    client = redis.Redis.from_url(sut.redis_url)
    try:
        rows = client.xrange(sut.keys.enriched)
    finally:
        client.close()
    return Counter(
        EnrichedArticle.model_validate_json(BinaryMessageFormatV1.parse(f[b"__data__"])[0]).id
        for _, f in rows
    )


def test_sigkill_each_service_under_load(system: System, record: Callable[..., FaultRow]) -> None:
    load = Load(system)
    writers = [
        threading.Thread(target=load.post_articles),
        threading.Thread(target=load.post_views),
    ]
    for thread in writers:
        thread.start()
    kills = kill_at_random(system, KILL_ROUNDS)
    writers[0].join(timeout=300)
    load.done.set()
    writers[1].join(timeout=300)
    system.wait_ready()
    eventually_sync(lambda: drained(system), timeout_s=120, interval_s=0.5)

    seen = enriched_ids(system)
    lost_enriched = [a for a in load.accepted if seen[a] == 0]
    duplicated = [a for a, count in seen.items() if count > 1]
    views_wrong = {}
    for article_id, sent in load.views_sent.items():
        got = httpx.get(system.url("ranking", f"/v1/articles/{article_id}"), timeout=5).json()
        if got["views"] != sent:
            views_wrong[article_id] = (sent, got["views"])
    dead = redis.Redis.from_url(system.redis_url).xlen(system.keys.raw + ".dlq")
    record(
        fault=f"SIGKILL ingest, enricher, ranking at random ({KILL_ROUNDS} times each)",
        tried=kills,
        accepted=len(load.accepted),
        lost=len(lost_enriched),
        duplicated=len(duplicated),
        note=f"{sum(load.views_sent.values())} views over {len(load.views_sent)} articles; "
        f"{len(views_wrong)} totals off",
    )
    assert not load.errors
    assert len(load.accepted) == ARTICLES
    assert kills >= 5 * len(SERVICES)
    assert not lost_enriched
    assert not duplicated
    assert not views_wrong
    assert sum(load.views_sent.values()) > 0
    assert dead == 0
