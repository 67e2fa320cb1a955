"""`newsdesk up` as a real process tree against a private Redis: the seed article goes in,
gets enriched, collects views and tops "Popular in World"; SIGTERM ends it all cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from newsdesk.redis_server import RedisProcess, free_port
from shared.keys import GROUP_ENRICHER, GROUP_RANKING, Keys
from tests.conftest import DATA
from tests.waiting import eventually_sync

pytestmark = pytest.mark.e2e


def seed_article() -> dict[str, object]:
    """Built from the scraped seed page: headline line, caption line, time line, body."""
    lines = (DATA / "seed" / "kishida-yoon-san-francisco.txt").read_text().splitlines()
    body = lines[3 : lines.index('"World" POPULAR ARTICLE')]
    return {
        "guid": "urn:newsdesk:e2e:kishida-yoon",
        "version": 1,
        "headline": lines[0],
        "section": "World",
        "published_at": "2023-11-17T07:05:00Z",
        "body_text": "\n".join(body),
    }


@pytest.fixture
def system(
    private_redis: RedisProcess, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, str]]]:
    ports = {name: str(free_port()) for name in ("INGEST", "ENRICHER", "RANKING")}
    env = {
        **os.environ,
        "NEWSDESK_REDIS_URL": private_redis.url,
        "NEWSDESK_KEY_PREFIX": f"e2e{uuid.uuid4().hex[:6]}",
        "NEWSDESK_LOG_FORMAT": "json",
        **{f"NEWSDESK_{name}_PORT": port for name, port in ports.items()},
        "E2E_LOG": str(tmp_path / "up.log"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "up", "--data-dir", str(tmp_path / "nd")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "up.log", "wb"),  # noqa: SIM115 - closed with the process
    )
    yield proc, env
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def url(env: dict[str, str], service: str, path: str) -> str:
    return f"http://127.0.0.1:{env[f'NEWSDESK_{service.upper()}_PORT']}{path}"


def all_ready(env: dict[str, str]) -> bool:
    try:
        return all(
            httpx.get(url(env, s, "/health/ready"), timeout=1).status_code == 200
            for s in ("ingest", "enricher", "ranking")
        )
    except httpx.HTTPError:
        return False


def test_seed_article_tops_popular_in_world_and_stop_is_clean(
    system: tuple[subprocess.Popen[bytes], dict[str, str]], private_redis: RedisProcess
) -> None:
    proc, env = system
    log_path = Path(env["E2E_LOG"])
    eventually_sync(lambda: all_ready(env), timeout_s=60)
    made = subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", "keys", "add", "e2e-wire"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    auth = {"Authorization": f"Bearer {made.stdout.split()[-1]}"}

    posted = httpx.post(
        url(env, "ingest", "/v1/articles"), json=seed_article(), headers=auth, timeout=10
    )
    assert posted.status_code == 202, posted.text
    (result,) = posted.json()["results"]
    assert result["status"] == "accepted"
    article_url = url(env, "ranking", f"/v1/articles/{result['id']}")
    eventually_sync(lambda: httpx.get(article_url, timeout=2).status_code == 200, timeout_s=30)

    views = [{"article_id": result["id"], "reader_id": f"reader-{n}"} for n in range(10)]
    sent = httpx.post(url(env, "ingest", "/v1/views"), json=views, headers=auth, timeout=10)
    assert sent.json()["accepted"] == 10

    def top_item() -> dict[str, object] | None:
        items = httpx.get(url(env, "ranking", "/v1/popular?section=world"), timeout=2).json()[
            "items"
        ]
        return items[0] if items and items[0]["views"] == 10 else None

    item = eventually_sync(top_item, timeout_s=30)
    assert item["rank"] == 1
    assert item["id"] == result["id"]
    assert item["headline"] == seed_article()["headline"]
    assert all_ready(env)
    # The scraped seed page itself, posted as text/plain, reaches ranking with its metadata.
    page = (DATA / "seed" / "kishida-yoon-san-francisco.txt").read_bytes()
    as_text = httpx.post(
        url(env, "ingest", "/v1/articles"),
        content=page,
        headers={**auth, "Content-Type": "text/plain; charset=utf-8"},
        timeout=10,
    )
    assert as_text.status_code == 202, as_text.text
    page_id = as_text.json()["results"][0]["id"]
    page_url = url(env, "ranking", f"/v1/articles/{page_id}")
    eventually_sync(lambda: httpx.get(page_url, timeout=2).status_code == 200, timeout_s=30)
    ranked = httpx.get(page_url, timeout=2).json()
    assert ranked["section"] == "World"
    assert ranked["published_at"] == "2023-11-17T07:05:00Z"
    assert ranked["dateline"] == "SAN FRANCISCO"

    table = subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", "top", "--section", "World", "--window", "24h"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"World" popular articles (24h)' in table
    assert "  1      10" in table
    assert str(seed_article()["headline"]) in table

    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 10

    # No secret in any log line: the producer key never reaches the logs.
    assert auth["Authorization"].split()[-1] not in log_path.read_text()

    keys = Keys(env["NEWSDESK_KEY_PREFIX"])
    client = redis.Redis.from_url(private_redis.url)
    for stream, group in [
        (keys.raw, GROUP_ENRICHER),
        (keys.enriched, GROUP_RANKING),
        (keys.views, GROUP_RANKING),
    ]:
        (info,) = [g for g in client.xinfo_groups(stream) if g["name"].decode() == group]
        assert info["pending"] == 0, (stream, info)
    client.close()
