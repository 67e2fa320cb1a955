"""100,000 view events consumed while the ranking process is SIGKILLed again and again:
every per-article total must equal the events sent for it — no loss, no double count."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable

import httpx
import orjson
import pytest
import redis

from shared.keys import GROUP_RANKING
from shared.models import Article, EnrichedArticle, Tags
from tests.fault.conftest import FaultRow
from tests.fault.harness import System
from tests.waiting import eventually_sync

pytestmark = pytest.mark.fault

ARTICLES = 500
VIEWS = 100_000
KILLS = 3
FEED_PER_S = 3_000  # ~33 s of traffic
BURST = 8_000


def enriched(n: int) -> bytes:
    art = Article(guid=f"urn:views:{n}", headline=f"Story {n}", section=("World", "Sports")[n % 2])
    return (
        EnrichedArticle(
            event_id=f"e{n}",
            id=f"a{n}",
            producer="fault",
            received_at="2024-01-01T00:00:00Z",
            enricher_version="fault",
            content_hash=art.content_hash(),
            article=art,
            tags=Tags(language="en"),
        )
        .model_dump_json()
        .encode()
    )


def zipf_views(rng: random.Random) -> list[tuple[str, bytes]]:
    ids = [f"a{n}" for n in range(ARTICLES)]
    weights = [1 / (rank + 1) for rank in range(ARTICLES)]
    chosen = rng.choices(ids, weights=weights, k=VIEWS)
    return [
        (
            article,
            orjson.dumps(
                {
                    "event_id": f"v{i}",
                    "article_id": article,
                    "reader_id": f"r{i}",
                    "ts": "2030-01-01T00:00:00Z",
                }
            ),
        )
        for i, article in enumerate(chosen)
    ]


def feed(system: System, payloads: list[bytes]) -> None:
    """Bursts of BURST views at FEED_PER_S on average: each burst is several batches of
    work, so a kill that waits for pending entries lands while batches are in flight."""
    client = redis.Redis.from_url(system.redis_url)
    pipe = client.pipeline(transaction=False)
    started = time.monotonic()
    for start in range(0, len(payloads), BURST):
        for payload in payloads[start : start + BURST]:
            pipe.xadd(system.keys.views, {"__data__": payload})
        pipe.execute()
        ahead = started + (start + BURST) / FEED_PER_S - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    client.close()


def pending(client: redis.Redis, sut: System) -> int:
    return int(client.xpending(sut.keys.views, GROUP_RANKING)["pending"])


def consumed(client: redis.Redis, sut: System) -> int:
    (info,) = [g for g in client.xinfo_groups(sut.keys.views) if g["name"] == b"ranking"]
    return int(info.get("entries-read") or 0) - int(info["pending"])


def test_views_counted_exactly_once_across_ranking_kills(
    system: System, record: Callable[..., FaultRow]
) -> None:
    client = redis.Redis.from_url(system.redis_url)
    pipe = client.pipeline(transaction=False)
    for n in range(ARTICLES):
        pipe.xadd(system.keys.enriched, {"__data__": enriched(n)})
    pipe.execute()
    eventually_sync(
        lambda: (
            httpx.get(system.url("ranking", f"/v1/articles/a{ARTICLES - 1}")).status_code == 200
        ),
        timeout_s=60,
    )
    views = zipf_views(random.Random(3))
    sent = Counter(article for article, _ in views)
    # Views arrive at a steady rate, as reader traffic does, so that every kill lands while
    # batches are being read, counted and folded (ranking drains a backlog in seconds).
    feeder = threading.Thread(target=feed, args=(system, [p for _, p in views]), daemon=True)
    feeder.start()

    rng = random.Random(11)
    kills, in_flight = 0, []
    # A kill can land just after a batch was counted; only kills that leave read entries
    # pending (caught in flight) count toward KILLS, and the others are tried again.
    while sum(1 for p in in_flight if p) < KILLS and kills < 3 * KILLS:
        target = consumed(client, system) + rng.randint(2_000, 5_000)
        eventually_sync(
            lambda t=target: consumed(client, system) >= t and pending(client, system) > 0,  # type: ignore[misc]
            timeout_s=120,
            interval_s=0.001,
        )
        system.kill("ranking")
        in_flight.append(pending(client, system))  # read, not yet counted and acked
        kills += 1
        system.start("ranking")
        system.wait_ready("ranking")
    feeder.join()
    started = time.monotonic()
    eventually_sync(
        lambda: (
            consumed(client, system) >= VIEWS
            and client.xpending(system.keys.views, GROUP_RANKING)["pending"] == 0
        ),
        timeout_s=300,
        interval_s=0.5,
    )
    drain_s = time.monotonic() - started

    wrong = {}
    with httpx.Client(timeout=5) as http:
        for article, count in sent.items():
            got = http.get(system.url("ranking", f"/v1/articles/{article}")).json()["views"]
            if got != count:
                wrong[article] = (count, got)
    counted = VIEWS - sum(s - g for s, g in wrong.values())
    record(
        fault="SIGKILL ranking while it consumes 100,000 views (Zipf over 500 articles)",
        tried=kills,
        accepted=VIEWS,
        lost=sum(max(s - g, 0) for s, g in wrong.values()),
        duplicated=sum(max(g - s, 0) for s, g in wrong.values()),
        note=f"{counted} counted; pending at the kills {in_flight}; "
        f"drained {drain_s:.0f}s after the last kill",
    )
    client.close()
    assert kills >= 3
    assert sum(1 for p in in_flight if p) >= KILLS, f"kills caught no work in flight: {in_flight}"
    assert not wrong
