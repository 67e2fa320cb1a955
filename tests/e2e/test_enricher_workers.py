"""NEWSDESK_ENRICHER_WORKERS: several enricher processes share its port, each its own
consumer of the group; every article is published once, and the workers end with the
process that started them, even when it is SIGKILLed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis

from services.ingest.client import IngestClient
from shared.keys import GROUP_ENRICHER
from shared.models import EnrichedArticle
from shared.payloads import entry_json
from tests.fault.harness import System
from tests.waiting import eventually_sync

pytestmark = pytest.mark.e2e

ARTICLES = 60


def article(n: int) -> dict[str, Any]:
    return {
        "guid": f"urn:workers:{n}",
        "headline": f"Workers story {n}: the central bank holds rates before the election",
        "body_text": f"TOKYO — Story {n}. The Bank of Japan left rates unchanged on Tuesday.",
        "published_at": "2024-10-01T00:00:00Z",
    }


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for whoever adopted it to reap it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_enricher_workers_share_the_group_and_die_with_their_parent(tmp_path: Path) -> None:
    sut = System(root=tmp_path, extra_env={"NEWSDESK_ENRICHER_WORKERS": "2"})
    try:
        sut.up()
        client = redis.Redis.from_url(sut.redis_url)
        raw = sut.keys.raw
        with IngestClient(sut.url("ingest", ""), api_key=sut.api_key) as ingest:
            for start in range(0, ARTICLES, 5):
                ingest.publish_many([article(n) for n in range(start, start + 5)])

        def published() -> list[EnrichedArticle]:
            rows = client.xrange(sut.keys.enriched)
            return [
                EnrichedArticle.model_validate_json(entry_json(fields, max_bytes=1 << 30))
                for _, fields in rows
            ]

        eventually_sync(lambda: len(published()) >= ARTICLES, timeout_s=60)
        assert sorted(e.article.guid for e in published()) == sorted(
            f"urn:workers:{n}" for n in range(ARTICLES)
        )  # each once
        (group,) = client.xinfo_groups(raw)
        assert group["pending"] == 0
        # Redis serves blocked readers first come, first served: both workers got batches.
        assert len(client.xinfo_consumers(raw, GROUP_ENRICHER)) == 2
        workers = children(sut.procs["enricher"].pid)
        assert len(workers) >= 2  # uvicorn's workers (and its resource tracker, if any)
        sut.kill("enricher")
        eventually_sync(lambda: not any(alive(w) for w in workers), timeout_s=30)
    finally:
        sut.down()
