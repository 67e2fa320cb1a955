"""API and stream docs work offline: Swagger UI, ReDoc and the AsyncAPI viewer come from
installed packages and render in headless Chromium without a request leaving the service;
ingest's OpenAPI declares the Bearer producer key, so try-it-out can send one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from newsdesk.redis_server import free_port
from tests.e2e.test_dashboard_browser import BUILD, CHROMIUM, CHROMIUM_ARGS, _ready
from tests.waiting import eventually_sync

pytestmark = pytest.mark.e2e
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def ingest(prefix: str, redis_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "NEWSDESK_REDIS_URL": redis_url,
        "NEWSDESK_KEY_PREFIX": prefix,
        "NEWSDESK_INGEST_PORT": str(port),
    }
    log = open(tmp_path / "ingest.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "ingest"], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        eventually_sync(lambda: _ready(base), timeout_s=30)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_openapi_declares_the_producer_key_on_the_writes(ingest: str) -> None:
    doc = httpx.get(f"{ingest}/openapi.json", timeout=5).json()
    assert doc["components"]["securitySchemes"]["producerKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A producer key: `newsdesk keys add NAME` prints one.",
    }
    for path in ("/v1/articles", "/v1/views"):
        assert doc["paths"][path]["post"]["security"] == [{"producerKey": []}]
    assert "security" not in doc["paths"]["/health/ready"]["get"]


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ("/docs", ".swagger-ui .opblock"),
        ("/redoc", "[role=search], .api-content"),
        ("/asyncapi", "asyncapi-viewer"),
    ],
)
def test_docs_render_with_nothing_from_outside(ingest: str, path: str, rendered: str) -> None:
    """Nothing is fetched from elsewhere: a request for another host is allowed only when
    the page's policy blocked it before it left (ReDoc's logo does that)."""
    requested: list[str] = []
    blocked: set[str] = set()
    local = (ingest, "data:", f"blob:{ingest}")
    with playwright.sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page: Any = chrome.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda r: requested.append(r.url))
        page.on(
            "requestfailed",
            lambda r: (
                blocked.add(r.url)
                if (r.failure or "").lower() in ("csp", "net::err_blocked_by_csp")
                else None
            ),
        )
        response = page.goto(ingest + path)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(rendered, timeout=20_000)
        if path == "/asyncapi":
            shadow = "document.querySelector('asyncapi-viewer').shadowRoot?.textContent || ''"
            eventually_sync(lambda: "articles.raw" in page.evaluate(shadow), timeout_s=20)
        if path == "/docs":
            assert page.query_selector(".swagger-ui .authorize") is not None
        BUILD.mkdir(exist_ok=True)
        page.screenshot(path=str(BUILD / f"docs{path.replace('/', '-')}.png"))
        chrome.close()
    outside = [url for url in requested if not url.startswith(local) and url not in blocked]
    assert outside == []
