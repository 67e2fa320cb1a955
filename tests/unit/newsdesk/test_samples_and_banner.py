"""What `./dev run` loads and prints: samples like the seed page, views shaped like
readership, and a banner with every address and command the README lists."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsdesk.banner import RedisInUse, banner_lines, redact
from newsdesk.samples import shaped_views
from services.ingest.client import content_type_for
from services.ingest.parsers import parse_bytes
from services.ingest.publish_cli import collect_files
from shared.settings import Settings
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "samples"
NOW = datetime(2024, 12, 1, 12, 0, tzinfo=UTC)


def test_samples_start_with_the_seed_page_as_scraped_and_all_have_a_section() -> None:
    files = collect_files([str(SAMPLES)])
    assert files[0].read_bytes() == (DATA / "seed" / "kishida-yoon-san-francisco.txt").read_bytes()
    articles = []
    for path in files:
        items = parse_bytes(path.read_bytes(), content_type=content_type_for(path), now=NOW)
        assert items, path
        for item in items:
            assert item.article is not None, (path, item.error)
            articles.append((path.name, item.article))
    assert len(articles) >= 12
    assert all(a.section for _, a in articles), [n for n, a in articles if not a.section]
    # Every sample but the seed page links to its web page (the page as scraped has no URL).
    unlinked = [name for name, a in articles if not (a.url or "").startswith("https://")]
    assert unlinked == [files[0].name]
    assert articles[0][1].section == "World"


def test_shaped_views_favour_the_first_article_and_spread_over_days() -> None:
    ids = [f"a{n}" for n in range(12)]
    views = shaped_views(ids, NOW, total=600)
    per_article = Counter(v["article_id"] for v in views)
    assert per_article.most_common(1)[0][0] == "a0"
    assert sum(per_article.values()) in range(590, 611)
    ages = [NOW - datetime.fromisoformat(v["ts"]) for v in views]
    assert all(timedelta(0) <= age <= timedelta(hours=72) for age in ages)
    first = [NOW - datetime.fromisoformat(v["ts"]) for v in views if v["article_id"] == "a0"]
    assert all(age <= timedelta(hours=1) for age in first)  # the lead story broke just now
    assert any(age > timedelta(hours=24) for age in ages)  # 24h and 7d lists differ
    assert len({v["event_id"] for v in views}) == len(views)
    assert views == shaped_views(ids, NOW, total=600)  # deterministic


def test_banner_names_every_address_the_readme_lists_and_the_key() -> None:
    settings = Settings(ingest_port=8000, enricher_port=8001, ranking_port=8002)
    private = RedisInUse("redis://127.0.0.1:6379/0", Path(".newsdesk/redis"), "everysec")
    text = "\n".join(banner_lines(settings, private, "ndk_secret"))
    for expected in (
        "http://127.0.0.1:8002/\n",
        "http://127.0.0.1:8002/v1/popular?section=world&limit=5",
        "http://127.0.0.1:8002/v1/ranking?limit=5",
        "/v1/trending?type=person",
        "http://127.0.0.1:8000/docs",
        "http://127.0.0.1:8001/docs",
        "http://127.0.0.1:8002/docs",
        "/redoc",
        "/asyncapi",
        "/health/ready",
        "/metrics",
        "newsdesk status",
        "redis://127.0.0.1:6379/0",
        "private redis-server",
        "appendfsync everysec",
        "publish FILE|DIR|URL --api-key ndk_secret",
    ):
        assert expected in text + "\n", expected
    shared = RedisInUse("redis://:pw@cache.example:6380/2", None, "everysec")
    other = "\n".join(banner_lines(settings, shared, None))
    assert "redis://:***@cache.example:6380/2" in other
    assert "pw" not in other.replace("publish", "")
    assert "keys add NAME" in other


def test_redact_keeps_user_host_port_and_db() -> None:
    assert redact("redis://app:s3cret@r.example:6379/1") == "redis://app:***@r.example:6379/1"
    assert redact("unix:///run/redis.sock") == "unix:///run/redis.sock"
