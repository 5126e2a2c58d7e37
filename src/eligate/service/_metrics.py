"""Prometheus metrics of one app, in a registry of its own.

Retries (stamina, one mechanism for every retry in the project) are counted here
too: :meth:`Metrics.on_retry` is a stamina retry hook, so the count is in the
registry ``/metrics`` serves, not in prometheus_client's global one that nothing
serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as _generate_latest

if TYPE_CHECKING:
    from stamina.instrumentation import RetryDetails

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class Metrics:
    """The app's counters and histograms; :meth:`render` is what ``/metrics`` serves."""

    __slots__ = ("idempotent_replays", "latency", "outcomes", "registry", "requests", "retries")

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "eligate_http_requests",
            "HTTP requests served, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "eligate_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["route", "method"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.outcomes = Counter(
            "eligate_eligibility_outcomes",
            "Eligibility answers, by payer, origin (payer, cache, fallback) and status.",
            ["payer", "origin", "status"],
            registry=self.registry,
        )
        self.idempotent_replays = Counter(
            "eligate_idempotent_replays",
            "Responses replayed for a repeated Idempotency-Key.",
            registry=self.registry,
        )

        self.retries = Counter(
            "eligate_retries",
            "Retries scheduled by stamina, by retried callable and the error that caused them.",
            ["callable", "error"],
            registry=self.registry,
        )

    def on_retry(self, details: RetryDetails) -> None:
        """A stamina on-retry hook: count the retry about to happen."""
        self.retries.labels(callable=details.name, error=type(details.caused_by).__name__).inc()

    def observe_request(self, *, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        self.requests.labels(route=route, method=method, status=str(status)).inc()
        self.latency.labels(route=route, method=method).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return _generate_latest(self.registry), CONTENT_TYPE_LATEST
