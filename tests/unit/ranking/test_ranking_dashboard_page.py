"""The dashboard's pure parts: sparklines, section choice, and the page's embedded data."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from services.ranking.domain.results import RankedItem
from services.ranking.web.dashboard import DashboardDoc, DashboardRow, pick_sections
from services.ranking.web.page import embedded_json, render_page
from services.ranking.web.sparkline import sparkline_svg


def item(rank: int, section: str | None, views: int, headline: str = "h") -> RankedItem:
    return RankedItem(
        rank=rank, id=f"a{rank}", headline=headline, section=section, views=views, score=0
    )


def doc(headline: str) -> DashboardDoc:
    row = DashboardRow(**item(1, "World", 3, headline).model_dump())
    return DashboardDoc(
        window="24h",
        windows=["1h", "24h", "7d", "today"],
        timezone="Asia/Tokyo",
        generated_at=datetime(2024, 1, 1, tzinfo=UTC),
        ranking=[row],
        popular=[],
        trending={},
        streams=[],
    )


def test_sparkline_scales_to_the_peak_and_draws_every_bucket() -> None:
    svg = sparkline_svg([0, 5, 10, 0], width=100, height=20)
    (line,) = re.findall(r'<polyline points="([^"]+)"', svg)
    points = [tuple(map(float, p.split(","))) for p in line.split()]
    assert len(points) == 4
    assert points[2][1] == 2.0  # the peak touches the top padding
    assert points[0][1] == points[3][1] == 18.0  # zeros sit on the base line
    assert points[0][0] < points[1][0] < points[2][0] < points[3][0]
    assert sparkline_svg([]) == ""
    assert "<polyline" in sparkline_svg([7])  # one bucket is a flat line, not an error


def test_sections_ordered_by_views_with_one_spelling_each() -> None:
    items = [
        item(1, "World", 10),
        item(2, "sports", 4),
        item(3, "world ", 3),
        item(4, "Sports", 12),
        item(5, None, 50),
        item(6, "  ", 50),
        item(7, "Culture", 1),
    ]
    assert pick_sections(items) == ["sports", "World", "Culture"]
    assert pick_sections(items, limit=1) == ["sports"]


def test_embedded_data_cannot_close_the_script_element() -> None:
    hostile = "</script><script>alert(1)</script><!-- & /*SCRIPT*/"
    page = render_page(doc(hostile))
    data = re.search(r'<script type="application/json" id="dash-data">(.*?)</script>', page, re.S)
    assert data is not None
    assert json.loads(data.group(1))["ranking"][0]["headline"] == hostile
    assert "alert(1)</script>" not in page
    # The marker in the headline stays text (the script is filled in once, at its place).
    assert page.count("/*SCRIPT*/") == 1
    assert page.count('"use strict"') == 1
    assert "<" not in embedded_json(doc(hostile))


def test_page_is_self_contained_and_marks_the_current_window() -> None:
    page = render_page(doc("Headline"))
    assert 'data-window="24h" aria-current="page"' in page
    assert 'href="?window=1h"' in page
    # No asset from elsewhere: no absolute http(s) URL in a src or href.
    assert not re.search(r'(src|href)="(https?:)?//', page)
