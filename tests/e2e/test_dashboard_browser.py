"""The dashboard in headless Chromium (Debian's package, as `./dev` installs it), against a
ranking process fed through its streams: what a reader sees, at desktop width and at 420 px.

Screenshots go to build/ for a person to look at; the assertions are on the rendered DOM.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from newsdesk.redis_server import free_port
from shared.keys import Keys
from shared.models import Article, EnrichedArticle, Entity, Tags, Topic, ViewEvent
from tests.waiting import eventually_sync

pytestmark = pytest.mark.e2e
playwright = pytest.importorskip("playwright.sync_api")  # in the dev extras: never skipped

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NOW = datetime.now(UTC)
SEED_HEADLINE = (
    "Japan’s Kishida, South Korea’s Yoon Confirm to Cooperate Against N. Korea in San Francisco"
)


def story(
    aid: str,
    headline: str,
    section: str,
    *,
    url: str | None,
    dateline: str | None = None,
    language: str = "en",
    people: tuple[str, ...] = (),
    places: tuple[str, ...] = (),
    published_at: datetime | None = None,
) -> EnrichedArticle:
    entities = [Entity(type="person", name=p, text=p, start=0, end=1) for p in people]
    entities += [Entity(type="place", name=p, text=p, start=0, end=1) for p in places]
    art = Article(
        guid=f"urn:dash:{aid}",
        headline=headline,
        section=section,
        url=url,
        dateline=dateline,
        language=language,
        published_at=published_at or NOW - timedelta(hours=1),
    )
    return EnrichedArticle(
        event_id=f"ev-{aid}",
        id=aid,
        producer="dash",
        received_at=NOW,
        enricher_version="t",
        content_hash=art.content_hash(),
        article=art,
        tags=Tags(
            language=language,
            entities=entities,
            topics=[Topic(code="medtop:11000000", label="politics", score=0.9)],
        ),
    )


STORIES = [
    story(
        "seed",
        SEED_HEADLINE,
        "World",
        url="https://news.example/world/kishida-yoon",
        dateline="SAN FRANCISCO",
        people=("Fumio Kishida", "Yoon Suk Yeol"),
        places=("San Francisco",),
        published_at=datetime(2023, 11, 17, 7, 5, tzinfo=UTC),
    ),
    story(
        "hankang",
        "한강, 한국 작가 최초 노벨문학상 수상",
        "문화",
        url="https://news.example/culture/han-kang",
        dateline="서울",
        language="ko",
        people=("Han Kang",),
    ),
    story(
        "ishiba",
        "石破茂氏、自民党総裁に選出　決選投票で高市氏を破る",
        "Politics",
        url="https://news.example/politics/ishiba",
        dateline="東京",
        language="ja",
        people=("Shigeru Ishiba",),
    ),
    story("sneaky", "A headline whose link is a script", "World", url="javascript:alert(1)"),
    story("nolink", "A wire story without a web page", "Business", url=None, dateline="FRANKFURT"),
    story(
        "earlier",
        "Read hours ago, quiet since",
        "World",
        url="https://news.example/world/earlier",
        dateline="TAIPEI",
        places=("Taipei",),
    ),
]
# views now (inside every window) except "earlier": three hours ago, so 24h lists it, 1h not.
VIEWS_NOW = {"seed": 9, "hankang": 6, "ishiba": 5, "sneaky": 3, "nolink": 2}
VIEWS_EARLIER = {"earlier": 7}


def post_views(client: redis.Redis, keys: Keys, counts: dict[str, int], at: datetime) -> None:
    for aid, count in counts.items():
        for n in range(count):
            view = ViewEvent(article_id=aid, reader_id=f"{aid}-{at.timestamp()}-{n}", ts=at)
            client.xadd(keys.views, {"__data__": view.model_dump_json()})


@pytest.fixture
def ranking(prefix: str, redis_url: str, tmp_path: Path) -> Iterator[str]:
    """A ranking process with the stories above counted; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "NEWSDESK_REDIS_URL": redis_url,
        "NEWSDESK_KEY_PREFIX": prefix,
        "NEWSDESK_RANKING_PORT": str(port),
        "NEWSDESK_LOG_FORMAT": "json",
        "NEWSDESK_TIMEZONE": "Asia/Tokyo",
    }
    log = open(tmp_path / "ranking.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "ranking"], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    keys = Keys(prefix)
    client = redis.Redis.from_url(redis_url)
    try:
        eventually_sync(lambda: _ready(base), timeout_s=30)
        for item in STORIES:
            client.xadd(keys.enriched, {"__data__": item.model_dump_json()})
        eventually_sync(lambda: _known(base, [s.id for s in STORIES]), timeout_s=30)
        post_views(client, keys, VIEWS_NOW, NOW)
        post_views(client, keys, VIEWS_EARLIER, NOW - timedelta(hours=3))
        eventually_sync(lambda: _counted(base), timeout_s=30)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        client.close()


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _known(base: str, ids: list[str]) -> bool:
    return all(httpx.get(f"{base}/v1/articles/{a}", timeout=2).status_code == 200 for a in ids)


def _counted(base: str) -> bool:
    doc = httpx.get(f"{base}/v1/dashboard?window=24h", timeout=2).json()
    # Trending is cached for a few seconds in Redis: wait until it saw the views too.
    counted = len(doc["ranking"]) == len(STORIES) and doc["ranking"][0]["views"] == 9
    return counted and bool(doc["trending"]["person"])


@pytest.fixture
def browser() -> Iterator[Any]:
    assert Path(CHROMIUM).exists(), "Chromium is missing: ./dev test installs Debian's package"
    with playwright.sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chrome
        chrome.close()


def open_page(browser: Any, base: str, width: int, path: str = "/?window=24h") -> Any:
    # bypass_csp: the page forbids eval, which Playwright's wait_for_function uses.
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="en-GB",
        timezone_id="Asia/Tokyo",
        bypass_csp=True,
    )
    page = context.new_page()
    page.goto(base + path)
    page.wait_for_selector("#ranking li.row")
    return page


def ids(page: Any, selector: str) -> list[str]:
    return list(page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.id)"))


def test_dashboard_draws_linked_lists_switches_windows_and_refreshes(
    ranking: str, browser: Any, prefix: str, redis_url: str
) -> None:
    BUILD.mkdir(exist_ok=True)
    page = open_page(browser, ranking, 1280)
    page.screenshot(path=str(BUILD / "dashboard-desktop.png"), full_page=True)

    # The access ranking: every story, most read first, the views the API counts.
    assert ids(page, "#ranking li.row") == [
        "seed",
        "earlier",
        "hankang",
        "ishiba",
        "sneaky",
        "nolink",
    ]
    views = page.eval_on_selector_all(
        "#ranking li.row .views strong", "els => els.map(e => e.textContent)"
    )
    assert views == ["9", "7", "6", "5", "3", "2"]
    # Links: http(s) only. The javascript: URL and the missing one are plain text.
    hrefs = page.eval_on_selector_all("a.headline", "els => els.map(e => e.getAttribute('href'))")
    assert len(hrefs) == 8  # 4 linked stories in the ranking, again in their sections
    assert all(h.startswith(("https://", "http://")) for h in hrefs)
    assert page.query_selector_all("a[href^='javascript']") == []
    sneaky = page.query_selector("#ranking li[data-id=sneaky] .headline")
    assert sneaky.evaluate("e => e.tagName") == "SPAN"
    seed = page.query_selector("#ranking li[data-id=seed]")
    assert seed.query_selector("a.headline").inner_text() == SEED_HEADLINE
    # Published time in the reader's zone (Tokyo here), the dateline and a sparkline.
    assert "17 Nov 2023, 16:05" in seed.query_selector("time").inner_text()
    assert seed.query_selector(".dateline").inner_text() == "SAN FRANCISCO"
    assert seed.query_selector("img.spark").get_attribute("src").startswith("data:image/svg+xml")
    hankang = page.query_selector("#ranking li[data-id=hankang] .headline")
    assert hankang.inner_text() == "한강, 한국 작가 최초 노벨문학상 수상"
    assert hankang.get_attribute("lang") == "ko"
    # Popular per section: "World" first (most read), the seed story leading it.
    sections = page.eval_on_selector_all(
        "section.popular", "els => els.map(e => e.dataset.section)"
    )
    assert sections[0] == "World"
    assert {"World", "문화", "Politics", "Business"} <= set(sections)
    assert ids(page, "section.popular[data-section=World] li.row")[0] == "seed"
    # Trending lists and the pipeline strip.
    assert "Fumio Kishida" in page.inner_text("#trending-person")
    assert "San Francisco" in page.inner_text("#trending-place")
    streams = page.eval_on_selector_all(".stream", "els => els.map(e => e.dataset.stream)")
    assert {"articles.raw", "articles.enriched", "views"} <= set(streams)
    assert "dead letters" in page.inner_text("#streams")

    # The switcher: 1 h drops the story read three hours ago, without a reload.
    page.evaluate("window.__still_here = true")
    page.click("nav.windows a[data-window='1h']")
    page.wait_for_selector("body[data-window='1h']")
    assert "earlier" not in ids(page, "#ranking li.row")
    assert page.url.endswith("?window=1h")
    assert page.query_selector("nav.windows a[aria-current=page]").inner_text() == "1 h"
    trending_places = page.inner_text("#trending-place")
    assert "Taipei" not in trending_places  # trending honours the window too

    # Auto-refresh: new views reach the page by themselves, still without a reload.
    client = redis.Redis.from_url(redis_url)
    post_views(client, Keys(prefix), {"nolink": 20}, datetime.now(UTC))
    client.close()
    page.wait_for_function(
        "document.querySelector('#ranking li.row')?.dataset.id === 'nolink'", timeout=20_000
    )
    assert page.evaluate("window.__still_here") is True
    assert int(page.get_attribute("body", "data-refreshes")) >= 1
    page.screenshot(path=str(BUILD / "dashboard-desktop-1h.png"), full_page=True)


def test_dashboard_fits_420px_and_shows_story_versions(ranking: str, browser: Any) -> None:
    BUILD.mkdir(exist_ok=True)
    page = open_page(browser, ranking, 420)
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    page.screenshot(path=str(BUILD / "dashboard-420.png"), full_page=True)

    # Story collapse: a row with `versions` > 1 says how many more versions it stands for;
    # rows without the field (lists before collapse) draw as before.
    def with_versions(route: Any) -> None:
        doc = json.loads(route.fetch().text())
        doc["ranking"][0]["versions"] = 3
        route.fulfill(json=doc)

    page.route("**/v1/dashboard?*", with_versions)
    before = int(page.get_attribute("body", "data-refreshes"))
    page.wait_for_function(f"Number(document.body.dataset.refreshes) > {before}", timeout=20_000)
    badge = page.query_selector("#ranking li.row .versions")
    assert badge is not None
    assert badge.inner_text() == "+2 versions"
    assert len(page.query_selector_all(".versions")) == 1
