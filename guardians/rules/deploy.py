"""Deploy guardian rules (DEP codes): is the change production ready?

Every rule reads a :class:`DeployInput` and yields findings; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from guardians.protocol.models.inputs import OperationsSpec, Plan, Review
from guardians.rules.base import Finding, RuleUnit, Severity


@dataclass(frozen=True)
class DeployInput:
    plan: Plan
    review: Review
    migration_risk: str = "low"  # from migration_review.json
    migration_destructive: bool = False

    @property
    def ops(self) -> OperationsSpec:
        return self.plan.operations or OperationsSpec()


def build_input(plan: dict[str, Any], review: dict[str, Any], migration: dict[str, Any] | None = None) -> DeployInput:
    """Construct from plain dicts (used by rule case files and tests)."""
    migration = migration or {}
    return DeployInput(
        Plan.model_validate(plan),
        Review.model_validate(review),
        str(migration.get("risk", "low")),
        bool(migration.get("destructive", False)),
    )


class HealthChecksMissing(RuleUnit):
    """What: plan.json `operations.health_checks` does not define both a readiness and a
    liveness probe.

    Why: without readiness, broken instances receive traffic during a rollout; without
    liveness, a hung process is never restarted. Staged deploys gate on these probes.

    Fix: add `operations.health_checks.readiness` and `.liveness`, each with an
    `endpoint`, `interval`, `timeout` and thresholds.
    """

    code: ClassVar[str] = "DEP101"
    name: ClassVar[str] = "deploy.health-checks"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "define readiness and liveness probes before deploying"

    @classmethod
    def check(cls, inp: DeployInput) -> Iterator[Finding]:
        hc = inp.ops.health_checks
        missing = [p for p in ("readiness", "liveness") if hc is None or getattr(hc, p) is None]
        if missing:
            yield cls.finding(
                f"no {' and no '.join(missing)} probe defined",
                file="plan.json",
                json_path="$.operations.health_checks",
                subject="missing_health_checks",
                suggestion="add operations.health_checks.readiness and .liveness with endpoint, interval, timeout",
            )


class RollbackPlanMissing(RuleUnit):
    """What: plan.json has no `rollback_plan` with trigger conditions and a procedure.

    Why: a release that cannot be undone quickly turns every incident into an outage.
    This veto can never be overridden.

    Fix: add `rollback_plan.trigger_conditions` (when to roll back), `procedure`
    (ordered steps) and `time_to_rollback`.
    """

    code: ClassVar[str] = "DEP102"
    name: ClassVar[str] = "deploy.rollback-plan"
    severity: ClassVar[Severity] = Severity.CRITICAL
    safer: ClassVar[str] = "write the rollback procedure before the release"

    @classmethod
    def check(cls, inp: DeployInput) -> Iterator[Finding]:
        rb = inp.plan.rollback_plan
        if rb is None or not rb.trigger_conditions or not rb.procedure:
            yield cls.finding(
                "no rollback plan with trigger conditions and a procedure",
                severity=Severity.CRITICAL,
                file="plan.json",
                json_path="$.rollback_plan",
                subject="no_rollback_plan",
                suggestion="add rollback_plan.trigger_conditions and rollback_plan.procedure",
            )


class MonitoringMissing(RuleUnit):
    """What: plan.json `operations.monitoring` lists no metrics or no alerts.

    Why: a canary or a soak period is only meaningful when someone (or something) is
    watching; without alerts, a failing release is discovered by users.

    Fix: list the service's key metrics (error rate, latency, saturation) and at least
    one alert on them in `operations.monitoring`.
    """

    code: ClassVar[str] = "DEP103"
    name: ClassVar[str] = "deploy.monitoring"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "ship metrics and alerts with the change"

    @classmethod
    def check(cls, inp: DeployInput) -> Iterator[Finding]:
        mon = inp.ops.monitoring
        missing = [k for k in ("metrics", "alerts") if mon is None or not getattr(mon, k)]
        if missing:
            yield cls.finding(
                f"no {' and no '.join(missing)} defined",
                file="plan.json",
                json_path="$.operations.monitoring",
                subject="missing_monitoring",
                suggestion="add operations.monitoring.metrics and operations.monitoring.alerts",
            )


class SecurityFindingOpen(RuleUnit):
    """What: review.json reports a security finding of severity high or critical.

    Why: a known high or critical vulnerability must not reach production; the quality
    agent's security veto cannot be overridden by the guardians.

    Fix: fix the vulnerability (or have it re-rated) and update `review.json`
    `security_scan.findings`.
    """

    code: ClassVar[str] = "DEP104"
    name: ClassVar[str] = "deploy.security-finding"
    severity: ClassVar[Severity] = Severity.CRITICAL
    safer: ClassVar[str] = "fix high and critical findings before release"

    @classmethod
    def check(cls, inp: DeployInput) -> Iterator[Finding]:
        scan = inp.review.security_scan
        if scan is None:
            return
        for i, f in enumerate(scan.findings):
            if f.severity in ("high", "critical"):
                yield cls.finding(
                    f"{f.severity} security finding: {f.title or 'untitled'}",
                    severity=Severity.CRITICAL,
                    file="review.json",
                    json_path=f"$.security_scan.findings[{i}]",
                    subject="security_issue",
                    suggestion="fix the vulnerability and update review.json",
                )


class ResourcesUndefined(RuleUnit):
    """What: plan.json `operations.resources` does not define cpu, memory and replicas.

    Why: without requests the scheduler cannot place the service safely, autoscaling
    has no baseline, and capacity problems appear only under load.

    Fix: set `operations.resources.cpu`, `.memory` and `.replicas` (and optionally
    `.scaling` with min, max and target_cpu).
    """

    code: ClassVar[str] = "DEP105"
    name: ClassVar[str] = "deploy.resources"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "declare resource requests and replica count"

    @classmethod
    def check(cls, inp: DeployInput) -> Iterator[Finding]:
        res = inp.ops.resources
        missing = [k for k in ("cpu", "memory", "replicas") if res is None or getattr(res, k) is None]
        if missing:
            yield cls.finding(
                f"resource requirements undefined: {', '.join(missing)}",
                file="plan.json",
                json_path="$.operations.resources",
                subject="not_production_ready",
                suggestion="set operations.resources.cpu, memory and replicas",
            )


class StagingNotValidated(RuleUnit):
    """What: plan.json `operations.staging_validation` is missing or did not pass.

    Why: production must never be the first environment a change runs in; staging is
    where migrations, config and integration are proven.

    Fix: run the change in staging and record `operations.staging_validation` with
    `passed: true` and the tests that ran.
    """

    code: ClassVar[str] = "DEP106"
    name: ClassVar[str] = "deploy.staging-validation"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "validate every change in staging first"

    @classmethod
    def check(cls, inp: DeployInput) -> Iterator[Finding]:
        sv = inp.ops.staging_validation
        if sv is None or not sv.passed:
            yield cls.finding(
                "no passing staging validation" if sv is None else "staging validation did not pass",
                file="plan.json",
                json_path="$.operations.staging_validation",
                subject="not_production_ready",
                suggestion="validate in staging and set operations.staging_validation.passed to true",
            )


class UnboundedScaling(RuleUnit):
    """What: `operations.resources.scaling` has min greater than max, or min of 0 for a
    production service.

    Why: an autoscaler that may scale a production service to zero, or whose bounds
    contradict each other, causes outages under the first traffic spike.

    Fix: set `scaling.min` ≥ 1 and ≤ `scaling.max`.
    """

    code: ClassVar[str] = "DEP107"
    name: ClassVar[str] = "deploy.scaling-bounds"
    severity: ClassVar[Severity] = Severity.WARNING
    safer: ClassVar[str] = "keep at least one replica and consistent bounds"

    @classmethod
    def check(cls, inp: DeployInput) -> Iterator[Finding]:
        res = inp.ops.resources
        sc = res.scaling if res else None
        if sc is None:
            return
        if sc.min > sc.max or (sc.min == 0 and inp.ops.environment == "production"):
            yield cls.finding(
                f"scaling bounds min={sc.min} max={sc.max} are unsafe",
                severity=Severity.WARNING,
                blocking=False,
                file="plan.json",
                json_path="$.operations.resources.scaling",
                suggestion="set scaling.min between 1 and scaling.max",
            )


RULES: tuple[type[Any], ...] = (
    HealthChecksMissing,
    RollbackPlanMissing,
    MonitoringMissing,
    SecurityFindingOpen,
    ResourcesUndefined,
    StagingNotValidated,
    UnboundedScaling,
)


def check_all(inp: DeployInput) -> list[Finding]:
    return [f for rule in RULES for f in rule.check(inp)]


def choose_strategy(inp: DeployInput) -> tuple[str, str]:
    """Documented strategy rules, first match wins (docs/protocol.md)."""
    api = inp.ops.api_changes
    if api is not None and api.breaking:
        return "canary", "breaking API change: expose it to a small share of traffic first"
    if inp.migration_risk == "high" or inp.migration_destructive:
        return "blue_green", "high-risk migration: keep the previous environment ready to switch back"
    return "rolling", "low-risk change: replace instances gradually behind health checks"
