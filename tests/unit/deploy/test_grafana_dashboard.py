"""docs/grafana-dashboard.json queries only metrics the services export."""

from __future__ import annotations

import json
import re
from pathlib import Path

from shared.metrics import ServiceMetrics

ROOT = Path(__file__).resolve().parents[3]


def exported_names() -> set[str]:
    names: set[str] = set()
    for metric in ServiceMetrics("any").registry.collect():
        names.add(metric.name)
        names.update({f"{metric.name}_total", f"{metric.name}_bucket", f"{metric.name}_count"})
    return names


def test_every_panel_queries_an_exported_metric() -> None:
    doc = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in doc["panels"] for t in p["targets"]]
    used = {name for e in exprs for name in re.findall(r"\b(newsdesk_[a-z_]+)", e)}
    assert used
    assert used <= exported_names(), used - exported_names()
    assert "newsdesk_http_requests_total" in used
    assert "newsdesk_group_lag" in used
    assert "newsdesk_dlq_length" in used
