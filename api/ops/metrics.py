"""Prometheus metrics of one api process, through the standard client library.

A registry per app (tests build many apps in one process). Route templates, never
raw paths, label the HTTP figures: a path can hold a conversation id.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 21)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "gongyou_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.request_seconds = Histogram(
            "gongyou_http_request_seconds",
            "HTTP request time",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.turns = Counter(
            "gongyou_turns", "Worker messages by channel and outcome", ["channel", "outcome"], registry=self.registry
        )
        self.rasa_seconds = Histogram(
            "gongyou_rasa_seconds",
            "Time Rasa took per turn",
            ["replica", "ok"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.knowledge_version = Gauge(
            "gongyou_knowledge_version",
            "Revision of the published knowledge this process serves",
            registry=self.registry,
        )

    def turn(self, channel: str, outcome: str) -> None:
        self.turns.labels(channel, outcome).inc()

    def rasa(self, replica: str, seconds: float, ok: bool) -> None:
        self.rasa_seconds.labels(replica, "yes" if ok else "no").observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
