"""Prometheus metrics every service exports, on a registry of its own.

A registry per app (not the global one) lets tests build several apps in one process.
Group lag and pending are refreshed by a background poll, since Prometheus collectors are
synchronous and must not block on Redis.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        r = self.registry
        self.handled = Counter(
            "newsdesk_entries_handled_total",
            "Stream entries handled successfully",
            ["stream"],
            registry=r,
        )
        self.failed = Counter(
            "newsdesk_entries_failed_total",
            "Stream entries that failed, by what happened to them",
            ["stream", "outcome"],
            registry=r,
        )
        self.latency = Histogram(
            "newsdesk_handler_seconds",
            "Time spent handling one batch of stream entries",
            ["stream"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.lag = Gauge(
            "newsdesk_group_lag",
            "Entries not yet delivered to the group",
            ["stream", "group"],
            registry=r,
        )
        self.pending = Gauge(
            "newsdesk_group_pending",
            "Entries delivered but not acked",
            ["stream", "group"],
            registry=r,
        )
        self.dlq_length = Gauge(
            "newsdesk_dlq_length", "Entries in the dead-letter stream", ["stream"], registry=r
        )
        # HTTP, counted by the app frame's middleware: by route template (never the raw
        # path, whose ids would make a series per article), method and status.
        self.http_requests = Counter(
            "newsdesk_http_requests_total",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "newsdesk_http_request_seconds",
            "Time from a request's arrival to the end of its answer",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        # ingest: what producers sent over HTTP and what became of it
        self.articles_received = Counter(
            "newsdesk_ingest_articles_total",
            "Articles posted, by outcome (accepted, duplicate, stale, invalid) and wire format",
            ["status", "format"],
            registry=r,
        )
        self.views_received = Counter(
            "newsdesk_ingest_views_total",
            "Views posted, by outcome (accepted, duplicate: an event id seen before)",
            ["outcome"],
            registry=r,
        )
