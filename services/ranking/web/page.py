"""The dashboard page: one self-contained HTML document (style, script and the first data
inline), so it needs nothing from outside this service and draws at once, without a second
request; the script then keeps it current from `/v1/dashboard`."""

from __future__ import annotations

import re
from functools import cache
from html import escape
from importlib import resources

import orjson

from services.ranking.web.dashboard import WINDOWS, DashboardDoc

_MARKER = re.compile(r"/\*(STYLE|WINDOWS|WINDOW|DATA|SCRIPT)\*/")
WINDOW_LABELS = {"1h": "1 h", "24h": "24 h", "7d": "7 days", "today": "Today"}


@cache
def _asset(name: str) -> str:
    return (resources.files("services.ranking.web") / "static" / name).read_text()


def embedded_json(doc: DashboardDoc) -> str:
    """JSON that is safe inside a <script> element: `<`, `>` and `&` are escaped the way
    JSON allows, so no headline can close the element or open a comment."""
    raw = orjson.dumps(doc.model_dump(mode="json")).decode()
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def window_links(current: str, timezone: str) -> str:
    """Plain links, so switching works (as a reload) even where the script does not run."""
    links = []
    for window in WINDOWS:
        hint = f' title="since midnight, {escape(timezone)}"' if window == "today" else ""
        here = ' aria-current="page"' if window == current else ""
        links.append(
            f'<a href="?window={window}" data-window="{window}"{here}{hint}>'
            f"{WINDOW_LABELS[window]}</a>"
        )
    return "".join(links)


def render_page(doc: DashboardDoc) -> str:
    parts = {
        "STYLE": _asset("dashboard.css"),
        "WINDOW": escape(doc.window),
        "WINDOWS": window_links(doc.window, doc.timezone),
        "DATA": embedded_json(doc),
        "SCRIPT": _asset("dashboard.js"),
    }
    # One pass over the template: what is filled in is never scanned for markers again.
    return _MARKER.sub(lambda m: parts[m.group(1)], _asset("dashboard.html"))
