"""Process guardian rules (PRC codes): is the running service healthy?

Thresholds (warning / critical), from the operations practice:
CPU 60/80 %, memory 70/85 %, disk 70/85 %, DB connection pool 70/85 %,
error rate 0.1/1 %, p95 latency 200/500 ms.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from guardians.probe.analysis import Analysis
from guardians.probe.config import DEFAULT_THRESHOLDS, ProbeConfig
from guardians.protocol.models.inputs import HealthReport, ServiceHealth
from guardians.rules.base import Finding, RuleUnit, Severity

THRESHOLDS = DEFAULT_THRESHOLDS
Pair = tuple[float, float]


@dataclass(frozen=True)
class HealthInput:
    """A health report and the project's probe config (thresholds, required metrics per service)."""

    report: HealthReport
    config: ProbeConfig = field(default_factory=ProbeConfig)

    def limits(self, service: str) -> dict[str, Pair]:
        return self.config.thresholds_for(service)


def level(metric: str, value: float, limits: dict[str, Pair] | None = None) -> str:
    warn, crit = (limits or THRESHOLDS)[metric]
    if value >= crit:
        return "critical"
    if value >= warn:
        return "warning"
    return "healthy"


def readings(service: ServiceHealth, limits: dict[str, Pair] | None = None) -> dict[str, tuple[float, str]]:
    out: dict[str, tuple[float, str]] = {}
    for metric in THRESHOLDS:
        value = getattr(service.metrics, metric)
        if value is not None:
            out[metric] = (float(value), level(metric, float(value), limits))
    return out


def build_input(data: dict[str, Any]) -> HealthInput:
    from guardians.probe.config import parse

    body = {k: v for k, v in data.items() if k != "probe_config"}
    return HealthInput(HealthReport.model_validate(body), parse(data.get("probe_config"), "probe_config"))


def _metric_findings(inp: HealthInput, wanted: str) -> Iterator[Finding]:
    for i, svc in enumerate(inp.report.services):
        limits = inp.limits(svc.name)
        for metric, (value, lvl) in readings(svc, limits).items():
            if lvl != wanted:
                continue
            warn, crit = limits[metric]
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
    def check(cls, inp: HealthInput) -> Iterator[Finding]:
        yield from _metric_findings(inp, "critical")


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
    def check(cls, inp: HealthInput) -> Iterator[Finding]:
        yield from _metric_findings(inp, "warning")


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
    def check(cls, inp: HealthInput) -> Iterator[Finding]:
        for i, svc in enumerate(inp.report.services):
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
    def check(cls, inp: HealthInput) -> Iterator[Finding]:
        for port, names in port_conflicts(inp.report):
            yield cls.finding(
                f"port {port} is used by {', '.join(names)}",
                severity=Severity.CRITICAL,
                file="health_report.json",
                json_path="$.services",
                subject="port_conflict",
                suggestion="give each service its own port",
            )
        probed = (inp.report.model_extra or {}).get("port_conflicts") or []
        for i, item in enumerate(probed[:100] if isinstance(probed, list) else []):
            if isinstance(item, dict) and "held by" in str(item.get("reason", "")):
                yield cls.finding(
                    str(item["reason"])[:500],
                    severity=Severity.CRITICAL,
                    file="health_report.json",
                    json_path=f"$.port_conflicts[{i}]",
                    subject="port_conflict",
                    suggestion="stop the unexpected process or move the service to a free port",
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


class MetricsMissing(RuleUnit):
    """What: a service reports status `unknown`, or lacks a metric its thresholds need
    (from its kind of probe in the project's probe config; any metric at all for a
    service the config does not know).

    Why: missing data must fail closed. A report with `"metrics": {}` says nothing
    about health; reading it as healthy would let a broken release through.

    Fix: run `guardians probe EPIC` so every service is measured, or fix the probe that
    timed out. Until then the epic waits and the tech lead is told.
    """

    code: ClassVar[str] = "PRC105"
    name: ClassVar[str] = "process.metrics-missing"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "treat missing health data as inconclusive, never as healthy"

    @classmethod
    def check(cls, inp: HealthInput) -> Iterator[Finding]:
        for i, svc in enumerate(inp.report.services):
            if svc.status == "down":
                continue
            have = set(readings(svc))
            needed = inp.config.required_for(svc.name)
            missing = [m for m in needed if m not in have] if needed is not None else []
            why = ""
            if svc.status == "unknown":
                error = (svc.model_extra or {}).get("error")
                why = f"status unknown{f' ({str(error)[:200]})' if error else ''}"
            elif missing:
                why = f"missing {', '.join(missing)}"
            elif needed is None and not have:
                why = "no metrics at all"
            if why:
                yield cls.finding(
                    f"{svc.name}: {why}: health is inconclusive",
                    severity=Severity.ERROR,
                    blocking=False,
                    file="health_report.json",
                    json_path=f"$.services[{i}].metrics",
                    subject="health_inconclusive",
                    suggestion="run guardians probe so every service is measured",
                )


class CanaryFailed(RuleUnit):
    """What: the canary analysis of the health series failed: a metric failed more often
    than `failure_limit` allows, a service went down, or probes errored more than
    `consecutive_error_limit` times in a row.

    Why: the canary's job is to catch a bad release on a small share of traffic before
    it reaches everyone; its verdict is the rollback trigger.

    Fix: roll the canary back, fix the regression, deploy again and re-run
    `guardians probe EPIC --watch`.
    """

    code: ClassVar[str] = "PRC106"
    name: ClassVar[str] = "process.canary-failed"
    severity: ClassVar[Severity] = Severity.CRITICAL
    safer: ClassVar[str] = "roll back automatically when the canary analysis fails"

    @classmethod
    def check(cls, analysis: Analysis) -> Iterator[Finding]:
        for run in analysis.runs:
            if run.phase == "failed":
                shown = ", ".join(f"#{s['sample']} {s['outcome']} ({s['value']})" for s in run.failed_samples[:10])
                yield cls.finding(
                    f"canary {run.service}.{run.metric} failed: {run.failed} failed, {run.error} error(s) "
                    f"in {analysis.samples} sample(s): {shown}",
                    severity=Severity.CRITICAL,
                    file="health_series.jsonl",
                    json_path=f"$.services[?(@.name=='{run.service}')].metrics.{run.metric}",
                    subject="canary_failed",
                    suggestion="roll back the canary and fix the regression",
                )


class CanaryInconclusive(RuleUnit):
    """What: the canary analysis is inconclusive: measurements between the success and
    failure bounds exceeded `inconclusive_limit`, or a metric was never measured.

    Why: neither promote nor roll back on a guess; a human decides.

    Fix: the epic waits and the tech lead is told: extend the canary (more samples),
    or decide by hand.
    """

    code: ClassVar[str] = "PRC107"
    name: ClassVar[str] = "process.canary-inconclusive"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "let a human decide an inconclusive canary"

    @classmethod
    def check(cls, analysis: Analysis) -> Iterator[Finding]:
        if analysis.phase != "inconclusive":
            return
        if not analysis.runs:
            yield _inconclusive(analysis.reason or "no samples")
        for run in analysis.runs:
            if run.phase == "inconclusive":
                yield _inconclusive(
                    f"canary {run.service}.{run.metric}: {run.inconclusive} inconclusive, {run.successful} "
                    f"successful, {run.error} error(s) in {analysis.samples} sample(s)"
                )


def _inconclusive(message: str) -> Finding:
    return Finding(
        "PRC107",
        message,
        severity=Severity.ERROR,
        blocking=False,
        file="health_series.jsonl",
        json_path="$",
        subject="health_inconclusive",
        suggestion="extend the canary or decide by hand",
    )


class UnsignedHealthEvidence(RuleUnit):
    """What: under a trust anchor, health_report.json or health_series.jsonl carries no valid
    guardians signature (`<file>.sig`), so nothing shows that `guardians probe` measured it.

    Why: agents can write any file under the root; a health report that merely says the
    services are fine is a claim, not a measurement. With a trust anchor configured, only
    what the guardians' own probe wrote and signed counts as evidence.

    Fix: run `guardians probe EPIC` (or `--watch` for a canary) where the guardians' signing
    key is available (`GUARDIANS_SIGNING_KEY`), then resend the handoff.
    """

    code: ClassVar[str] = "PRC108"
    name: ClassVar[str] = "process.unsigned-evidence"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "let `guardians probe` write and sign the health evidence"

    @classmethod
    def check(cls, problems: list[tuple[str, str]]) -> Iterator[Finding]:
        """``problems``: (file, why its signature does not hold) from the trust check."""
        for file, why in problems:
            yield cls.finding(
                why,
                file=file,
                json_path="$",
                subject="unsigned_evidence",
                suggestion="run `guardians probe` with the guardians' signing key, then resend the handoff",
            )


RULES: tuple[type[Any], ...] = (MetricCritical, MetricWarning, ServiceDown, PortConflict, MetricsMissing)
CANARY_RULES: tuple[type[Any], ...] = (CanaryFailed, CanaryInconclusive)
# Checked before either path reads its evidence (under a trust anchor only).
EVIDENCE_RULES: tuple[type[Any], ...] = (UnsignedHealthEvidence,)


def check_all(inp: HealthInput) -> list[Finding]:
    return [f for rule in RULES for f in rule.check(inp)]


def check_canary(analysis: Analysis) -> list[Finding]:
    return [f for rule in CANARY_RULES for f in rule.check(analysis)]


def overall(report: HealthReport, findings: list[Finding]) -> str:
    if any(f.severity >= Severity.CRITICAL for f in findings):
        return "critical"
    if any(f.code in ("PRC105", "PRC107") for f in findings):
        return "inconclusive"
    if any(f.code == "PRC102" for f in findings) or any(s.status == "degraded" for s in report.services):
        return "warning"
    return "healthy"
