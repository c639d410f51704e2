"""Prometheus metrics of ``guardians watch``, in a registry of their own.

Every metric lives in a private ``CollectorRegistry`` (not the process-wide
default), so several watchers in one process - tests - do not collide and
``/metrics`` shows only what the watcher owns.
"""

from __future__ import annotations

from typing import Any

from guardians.engine.decision import Decision

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.decisions = Counter(
            "guardians_decisions",
            "Decisions committed, by guardian and outcome.",
            ["agent", "outcome"],
            registry=r,
        )
        self.vetoes = Counter(
            "guardians_vetoes", "Vetoes committed, by guardian and subject.", ["agent", "subject"], registry=r
        )
        self.errors = Counter(
            "guardians_errors", "Faults while processing an epic or watching, by kind.", ["kind"], registry=r
        )
        self.latency = Histogram(
            "guardians_decision_latency_seconds",
            "Processing time of one decision (lease, read, evaluate, commit), by guardian.",
            ["agent"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "guardians_queue_depth", "Epics waiting to be looked at (hinted, deferred or retried).", registry=r
        )
        self.deferred = Gauge(
            "guardians_deferred_messages",
            "Directly written messages waiting for their mtime to settle.",
            registry=r,
        )
        self.epic_runs = Counter(
            "guardians_epic_runs",
            "Pipeline runs over one epic, by result (idle, decided, deferred, busy, error).",
            ["result"],
            registry=r,
        )
        self.scans = Counter("guardians_rescans", "Full rescans of every epic, by reason.", ["reason"], registry=r)
        self.last_scan = Gauge(
            "guardians_last_scan_timestamp_seconds", "Unix time of the last full rescan.", registry=r
        )
        self.observer_alive = Gauge(
            "guardians_observer_alive", "1 while the filesystem observer thread runs.", registry=r
        )
        self.epics = Gauge("guardians_epics", "Epics found by the last full rescan.", registry=r)

    def decision(self, decision: Decision, seconds: float) -> None:
        self.decisions.labels(decision.agent, decision.decision).inc()
        if decision.decision == "veto":
            self.vetoes.labels(decision.agent, decision.subject or "").inc()
        self.latency.labels(decision.agent).observe(seconds)

    def error(self, kind: str) -> None:
        self.errors.labels(kind).inc()

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), str(CONTENT_TYPE_LATEST)

    def value(self, name: str, labels: dict[str, str] | None = None) -> Any:
        """One sample's value (tests and /health)."""
        return self.registry.get_sample_value(name, labels or {})
