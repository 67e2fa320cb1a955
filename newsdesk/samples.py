"""`newsdesk up --samples DIR`: the sample files posted through ingest as a producer would,
then demo reader views over the accepted articles, shaped like readership.

Files go in name order, so the first file's article gets the most views and leads its
section and the access ranking (`samples/00-…` is the scraped seed page).
"""

from __future__ import annotations

import math
import os
import random
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from newsdesk.processes import cli
from services.ingest.client import IngestClient, IngestError, content_type_for
from services.ingest.publish_cli import collect_files, wait_until_ranked

SAMPLE_PRODUCER = "samples"
TOTAL_VIEWS = 600
DECAY_MEAN_H = 3.0  # readers come soon after a story breaks, then fewer and fewer


@dataclass
class Loaded:
    api_key: str
    accepted: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    views: int = 0


def shaped_views(
    ids: list[str], now: datetime, *, total: int = TOTAL_VIEWS, seed: int = 7
) -> list[dict[str, Any]]:
    """Article k (in posting order) gets views in proportion to 1/(k+1), as readership is
    (Zipf); its story "broke" (k * 9) % 70 hours ago (the first one now) and its views
    thin out after that, so the 1h, 24h and 7d lists differ. Deterministic for a seed."""
    rng = random.Random(seed)  # noqa: S311 - demo traffic, not a secret
    weights = [1.0 / (k + 1) for k in range(len(ids))]
    scale = total / sum(weights) if weights else 0.0
    views: list[dict[str, Any]] = []
    for k, (article, weight) in enumerate(zip(ids, weights, strict=True)):
        broke_h = (k * 9) % 70 + 0.25
        for n in range(max(1, round(weight * scale))):
            after_h = min(rng.expovariate(1 / DECAY_MEAN_H), broke_h)
            at = now - timedelta(hours=broke_h - after_h)
            views.append(
                {
                    "article_id": article,
                    "reader_id": f"sample-{article[:8]}-{n}",
                    "event_id": f"sample-{article[:8]}-{n}-{math.floor(now.timestamp())}",
                    "ts": at.isoformat(),
                }
            )
    return views


def _newsdesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(*args), check=False, text=True, capture_output=True, env=env)  # noqa: S603


def producer_key(redis_url: str) -> str:
    """A fresh key for the "samples" producer (the previous run's is revoked)."""
    env = {**os.environ, "NEWSDESK_REDIS_URL": redis_url}
    _newsdesk("keys", "revoke", SAMPLE_PRODUCER, env=env)
    made = _newsdesk("keys", "add", SAMPLE_PRODUCER, env=env)
    if made.returncode != 0:
        raise RuntimeError(f"could not create the samples producer key: {made.stderr.strip()}")
    return made.stdout.split()[-1]


def load_samples(folder: Path, *, ingest_url: str, ranking_url: str, api_key: str) -> Loaded:
    """Posts every file, then the views once ranking knows the articles (ranking counts only
    views of articles it has)."""
    loaded = Loaded(api_key=api_key)
    with IngestClient(ingest_url, api_key=api_key) as client:
        for path in collect_files([str(folder)]):
            try:
                results = client.publish_bytes(path.read_bytes(), content_type_for(path))
            except (IngestError, httpx.HTTPError, OSError) as exc:
                loaded.problems.append(f"{path.name}: {exc}")
                continue
            for result in results:
                if result["status"] in ("accepted", "duplicate"):
                    loaded.accepted.append(result["id"])
                else:
                    loaded.problems.append(f"{path.name}: {result['status']} {result['errors']}")
        known = wait_until_ranked(ranking_url, loaded.accepted, timeout_s=60.0)
        if known:
            loaded.views = client.send_views(shaped_views(known, datetime.now().astimezone()))
    return loaded
