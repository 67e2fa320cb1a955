"""A sparkline of an article's views per bucket, as a small SVG drawn on the server.

The SVG holds numbers only (no text from articles), so the page can show it as an image
without any escaping question; shown as an `<img>`, it runs no script either.
"""

from __future__ import annotations

from collections.abc import Sequence

WIDTH = 96
HEIGHT = 24
PAD = 2.0
LINE = "#0b57d0"
FILL_OPACITY = "0.12"


def _points(series: Sequence[int], width: int, height: int) -> list[tuple[float, float]]:
    top = max(series) or 1
    step = (width - 2 * PAD) / max(len(series) - 1, 1)
    usable = height - 2 * PAD
    return [(PAD + n * step, height - PAD - usable * value / top) for n, value in enumerate(series)]


def sparkline_svg(series: Sequence[int], *, width: int = WIDTH, height: int = HEIGHT) -> str:
    """A polyline over the series with the area under it shaded and the last value dotted;
    an empty series gives an empty string (nothing to draw)."""
    if not series:
        return ""
    values = list(series) if len(series) > 1 else [series[0], series[0]]
    pts = _points(values, width, height)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    base = height - PAD
    area = f"{pts[0][0]:.1f},{base:.1f} {line} {pts[-1][0]:.1f},{base:.1f}"
    last_x, last_y = pts[-1]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="none">'
        f'<polygon points="{area}" fill="{LINE}" fill-opacity="{FILL_OPACITY}"/>'
        f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="1.5" '
        'stroke-linejoin="round" stroke-linecap="round"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2" fill="{LINE}"/></svg>'
    )
