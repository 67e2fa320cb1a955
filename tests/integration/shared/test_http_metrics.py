"""/metrics on every service counts requests and latencies per route (the template, not the
raw path); ingest adds articles by outcome and format and views accepted or duplicate; HTML
pages carry a policy that loads nothing from elsewhere."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from services.ingest.app import build_app as build_ingest
from services.ranking.app import build_app as build_ranking
from shared.settings import Settings
from tests.conftest import running


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def article(guid: str) -> dict[str, object]:
    return {"guid": guid, "headline": f"Headline {guid}", "body_text": "Body."}


async def test_ingest_counts_requests_articles_and_views(settings: Settings) -> None:
    async with running(build_ingest(settings)) as http:
        assert (await http.post("/v1/articles", json=article("m1"))).status_code == 202
        assert (await http.post("/v1/articles", json=article("m1"))).status_code == 202
        bad = await http.post("/v1/articles", json={"guid": "m2", "published_at": "soon"})
        assert bad.status_code == 422
        views = [{"article_id": "a", "event_id": "e1"}, {"article_id": "a", "event_id": "e1"}]
        assert (await http.post("/v1/views", json=views)).status_code == 202
        text = (await http.get("/metrics")).text

    requests = samples(text, "newsdesk_http_requests_total")
    assert requests[(("method", "POST"), ("route", "/v1/articles"), ("status", "202"))] == 2
    assert requests[(("method", "POST"), ("route", "/v1/articles"), ("status", "422"))] == 1
    assert requests[(("method", "POST"), ("route", "/v1/views"), ("status", "202"))] == 1
    latency = samples(text, "newsdesk_http_request_seconds_count")
    assert latency[(("method", "POST"), ("route", "/v1/articles"))] == 3
    got = samples(text, "newsdesk_ingest_articles_total")
    assert got[(("format", "json"), ("status", "accepted"))] == 1
    assert got[(("format", "json"), ("status", "duplicate"))] == 1
    assert got[(("format", "json"), ("status", "invalid"))] == 1
    seen = samples(text, "newsdesk_ingest_views_total")
    assert seen[(("outcome", "accepted"),)] == 1
    assert seen[(("outcome", "duplicate"),)] == 1


async def test_routes_are_counted_by_template_and_pages_get_the_policy(
    settings: Settings,
) -> None:
    async with running(build_ranking(settings)) as http:
        for n in range(3):
            assert (await http.get(f"/v1/articles/nope{n}")).status_code == 404
        assert (await http.get("/no/such/path")).status_code == 404
        await http.request("BREW", "/health/live")  # any method a client makes up
        page = await http.get("/")
        docs = await http.get("/docs")
        data = await http.get("/v1/dashboard")
        text = (await http.get("/metrics")).text
    requests = samples(text, "newsdesk_http_requests_total")
    by_id = (("method", "GET"), ("route", "/v1/articles/{article_id}"), ("status", "404"))
    assert requests[by_id] == 3
    assert requests[(("method", "GET"), ("route", "unmatched"), ("status", "404"))] == 1
    assert not any("nope" in value for key in requests for _, value in key)
    assert {dict(key)["method"] for key in requests} <= {"GET", "OTHER"}
    for html in (page, docs):
        assert html.status_code == 200
        assert "default-src 'self'" in html.headers["content-security-policy"]
    assert "content-security-policy" not in data.headers
