"""Process guardian rules (PRC codes): is the running service healthy?

Thresholds (warning / critical), from the operations practice:
CPU 60/80 %, memory 70/85 %, disk 70/85 %, DB connection pool 70/85 %,
error rate 0.1/1 %, p95 latency 200/500 ms.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from guardians.protocol.models.inputs import HealthReport, ServiceHealth
from guardians.rules.base import Finding, RuleUnit, Severity

THRESHOLDS: dict[str, tuple[float, float]] = {
    "cpu_percent": (60.0, 80.0),
    "memory_percent": (70.0, 85.0),
    "disk_percent": (70.0, 85.0),
    "db_connections_percent": (70.0, 85.0),
    "error_rate_percent": (0.1, 1.0),
    "p95_latency_ms": (200.0, 500.0),
}


def level(metric: str, value: float) -> str:
    warn, crit = THRESHOLDS[metric]
    if value >= crit:
        return "critical"
    if value >= warn:
        return "warning"
    return "healthy"


def readings(service: ServiceHealth) -> dict[str, tuple[float, str]]:
    out: dict[str, tuple[float, str]] = {}
    for metric in THRESHOLDS:
        value = getattr(service.metrics, metric)
        if value is not None:
            out[metric] = (float(value), level(metric, float(value)))
    return out


def build_input(data: dict[str, Any]) -> HealthReport:
    return HealthReport.model_validate(data)


def _metric_findings(report: HealthReport, wanted: str) -> Iterator[Finding]:
    for i, svc in enumerate(report.services):
        for metric, (value, lvl) in readings(svc).items():
            if lvl != wanted:
                continue
            warn, crit = THRESHOLDS[metric]
            critical = wanted == "critical"
            yield Finding(
                "PRC101" if critical else "PRC102",
                f"{svc.name}: {metric} is {value:g} ({wanted}: warn at {warn:g}, critical at {crit:g})",
                severity=Severity.CRITICAL if critical else Severity.WARNING,
                blocking=critical,
                file="health_report.json",
                json_path=f"$.services[{i}].metrics.{metric}",
                subject="unhealthy" if critical else None,
                suggestion="bring the metric below its critical threshold before declaring the epic operational"
                if critical
                else "watch the metric; it is above its warning threshold",
            )


class MetricCritical(RuleUnit):
    """What: a service metric is at or above its critical threshold (CPU 80 %, memory
    85 %, disk 85 %, DB connections 85 %, error rate 1 %, p95 latency 500 ms).

    Why: a service running at critical saturation or error rate is not operational; a
    release must not be declared done on top of it.

    Fix: scale, roll back or fix the regression until every metric is below critical,
    then send a fresh health_report.json.
    """

    code: ClassVar[str] = "PRC101"
    name: ClassVar[str] = "process.metric-critical"
    severity: ClassVar[Severity] = Severity.CRITICAL
    safer: ClassVar[str] = "declare operational only when no metric is critical"

    @classmethod
    def check(cls, report: HealthReport) -> Iterator[Finding]:
        yield from _metric_findings(report, "critical")


class MetricWarning(RuleUnit):
    """What: a service metric is at or above its warning threshold (CPU 60 %, memory
    70 %, disk 70 %, DB connections 70 %, error rate 0.1 %, p95 latency 200 ms).

    Why: warnings do not block, but they are recorded so the trend is visible before it
    becomes an incident.

    Fix: investigate capacity or the regression; no action is required to proceed.
    """

    code: ClassVar[str] = "PRC102"
    name: ClassVar[str] = "process.metric-warning"
    severity: ClassVar[Severity] = Severity.WARNING
    safer: ClassVar[str] = "keep headroom below warning thresholds"

    @classmethod
    def check(cls, report: HealthReport) -> Iterator[Finding]:
        yield from _metric_findings(report, "warning")


class ServiceDown(RuleUnit):
    """What: a service reports status `down`.

    Why: a down service is critical by definition, whatever its last metrics said.

    Fix: restore the service (or roll back) and report it `up`.
    """

    code: ClassVar[str] = "PRC103"
    name: ClassVar[str] = "process.service-down"
    severity: ClassVar[Severity] = Severity.CRITICAL
    safer: ClassVar[str] = "roll back when a service goes down after a release"

    @classmethod
    def check(cls, report: HealthReport) -> Iterator[Finding]:
        for i, svc in enumerate(report.services):
            if svc.status == "down":
                yield cls.finding(
                    f"{svc.name} is down",
                    severity=Severity.CRITICAL,
                    file="health_report.json",
                    json_path=f"$.services[{i}].status",
                    subject="unhealthy",
                    suggestion="restore or roll back the service",
                )


class PortConflict(RuleUnit):
    """What: two services listen on the same TCP port on overlapping addresses.

    Why: only one of them can bind; the other crash-loops or, worse, traffic reaches
    the wrong service.

    Fix: give each service its own port (or distinct, non-wildcard addresses).
    """

    code: ClassVar[str] = "PRC104"
    name: ClassVar[str] = "process.port-conflict"
    severity: ClassVar[Severity] = Severity.CRITICAL
    safer: ClassVar[str] = "allocate ports from one registry"

    @classmethod
    def check(cls, report: HealthReport) -> Iterator[Finding]:
        for port, names in port_conflicts(report):
            yield cls.finding(
                f"port {port} is used by {', '.join(names)}",
                severity=Severity.CRITICAL,
                file="health_report.json",
                json_path="$.services",
                subject="port_conflict",
                suggestion="give each service its own port",
            )


def port_conflicts(report: HealthReport) -> list[tuple[int, list[str]]]:
    by_port: dict[int, list[ServiceHealth]] = {}
    for svc in report.services:
        if svc.port is not None:
            by_port.setdefault(svc.port, []).append(svc)
    out = []
    for port, svcs in sorted(by_port.items()):
        clash = [s.name for s in svcs if any(_overlap(s.host, o.host) for o in svcs if o is not s)]
        if len(clash) > 1:
            out.append((port, clash))
    return out


def _overlap(a: str, b: str) -> bool:
    wildcard = ("0.0.0.0", "::", "*", "")
    return a == b or a in wildcard or b in wildcard


RULES: tuple[type[Any], ...] = (MetricCritical, MetricWarning, ServiceDown, PortConflict)


def check_all(report: HealthReport) -> list[Finding]:
    return [f for rule in RULES for f in rule.check(report)]


def overall(report: HealthReport, findings: list[Finding]) -> str:
    if any(f.severity >= Severity.CRITICAL for f in findings):
        return "critical"
    if any(f.code == "PRC102" for f in findings) or any(s.status == "degraded" for s in report.services):
        return "warning"
    return "healthy"
