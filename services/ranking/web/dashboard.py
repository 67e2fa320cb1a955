"""The dashboard page at `/`: the lists a site would show, rendered server-side.

Plain HTML with no scripts or external assets, so it works offline and behind any proxy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from services.ranking.domain.results import RankedItem

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}
h1{font-size:1.4rem} h2{font-size:1.1rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(22rem,1fr));gap:1.5rem}
ol{padding-left:1.4rem} li{margin:.3rem 0} .views{color:#666;font-size:.85em}
"""


def _items(items: Sequence[RankedItem]) -> str:
    if not items:
        return "<p class=views>no views yet</p>"
    rows = []
    for item in items:
        title = escape(item.headline or item.id)
        link = f'<a href="{escape(item.url)}">{title}</a>' if item.url else title
        rows.append(f"<li>{link} <span class=views>{item.views} views</span></li>")
    return "<ol>" + "".join(rows) + "</ol>"


def render_dashboard(
    window: str,
    ranking: Sequence[RankedItem],
    popular: Mapping[str, Sequence[RankedItem]],
    trending: Mapping[str, Sequence[RankedItem]],
) -> str:
    blocks = [f"<section><h2>Access ranking</h2>{_items(ranking)}</section>"]
    blocks += [
        f"<section><h2>&quot;{escape(section)}&quot; popular articles</h2>{_items(items)}</section>"
        for section, items in popular.items()
    ]
    blocks += [
        f"<section><h2>Trending {escape(kind)}</h2>{_items(items)}</section>"
        for kind, items in trending.items()
    ]
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>newsdesk ranking</title>"
        f"<style>{_STYLE}</style></head><body><h1>newsdesk — window {escape(window)}</h1>"
        f"<div class=grid>{''.join(blocks)}</div>"
        '<p class=views>API: <a href="/docs">/docs</a> · <a href="/asyncapi">/asyncapi</a>'
        "</p></body></html>"
    )
