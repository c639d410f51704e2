"""Deploy guardian rules (DEP codes): is the change production ready?

Every rule reads a :class:`DeployInput` and yields findings; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from guardians.protocol.models.inputs import OperationsSpec, Plan, Review
from guardians.rules.base import Finding, RuleUnit, Severity

# Scripts used when the plan names no command, if the repository has them.
DEFAULT_SCRIPTS: dict[str, str] = {
    "deploy": "./scripts/deploy.sh",
    "test": "./scripts/run-tests.sh",
    "rollback": "./scripts/rollback.sh",
}


@dataclass(frozen=True)
class RepoFacts:
    """What the deploy guardian found in the repository (gathered by the gate, not by rules).

    ``present`` holds every script path that a command names (or a default
    names) and that exists as a regular file; ``test_runner`` is the suite
    command found from the repository's own files, with the file that told.
    """

    present: frozenset[str] = frozenset()
    test_runner: str | None = None
    test_runner_source: str | None = None


@dataclass(frozen=True)
class Command:
    """One workflow command: what runs, where it came from, or why there is none."""

    role: str  # deploy | test | rollback
    command: str | None
    source: str  # "plan", "repository (<file>)", "default script" or "missing"
    per_test: bool = False  # True when the command takes one stage test name as argument
    missing: str | None = None  # what the repository lacks when command is None


def script_of(command: str) -> str | None:
    """The script path a command runs, when its first word is a path (``./x.sh``, ``bin/deploy``)."""
    first = command.split()[0] if command.split() else ""
    return first if "/" in first else None


def _normal(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def resolve_command(role: str, named: str | None, repo: RepoFacts) -> Command:
    """The command the workflow runs for ROLE: the plan's, a detected runner, or a default script."""
    if named:
        script = script_of(named)
        if script is not None and _normal(script) not in repo.present:
            return Command(role, None, "missing", missing=f"plan.json names {script}, which the repository lacks")
        return Command(role, named, "plan", per_test=role == "test")
    if role == "test" and repo.test_runner:
        return Command(role, repo.test_runner, f"repository ({repo.test_runner_source})")
    default = DEFAULT_SCRIPTS[role]
    if _normal(default) in repo.present:
        return Command(role, default, "default script", per_test=role == "test")
    runner = " no test runner (pytest, npm test, make test, go test) and" if role == "test" else ""
    return Command(
        role,
        None,
        "missing",
        missing=f"plan.json sets no operations.{role}_command and the repository has{runner} no {default}",
    )


@dataclass(frozen=True)
class DeployInput:
    plan: Plan
    review: Review
    migration_risk: str = "low"  # from migration_review.json
    migration_destructive: bool = False
    repo: RepoFacts = field(default_factory=RepoFacts)

    @property
    def ops(self) -> OperationsSpec:
        return self.plan.operations or OperationsSpec()

    def commands(self) -> tuple[Command, Command, Command]:
        ops = self.ops
        return (
            resolve_command("deploy", ops.deploy_command, self.repo),
            resolve_command("test", ops.test_command, self.repo),
            resolve_command("rollback", ops.rollback_command, self.repo),
        )


def build_input(
    plan: dict[str, Any],
    review: dict[str, Any],
    migration: dict[str, Any] | None = None,
    repo: dict[str, Any] | None = None,
) -> DeployInput:
    """Construct from plain dicts (used by rule case files and tests)."""
    migration = migration or {}
    repo = repo or {}
    return DeployInput(
        Plan.model_validate(plan),
        Review.model_validate(review),
        str(migration.get("risk", "low")),
        bool(migration.get("destructive", False)),
        RepoFacts(
            frozenset(_normal(p) for p in repo.get("present", [])),
            repo.get("test_runner"),
            repo.get("test_runner_source"),
        ),
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


class CommandMissing(RuleUnit):
    """What: the workflow has no command to deploy, test or roll back with: plan.json names
    none and the repository has no default script or test runner, or plan.json names a
    script the repository does not contain.

    Why: a generated `cicd.yaml` that calls `./scripts/run-tests.sh` in a repository
    without it fails at the first step, or worse, looks finished to a reviewer. The
    guardian never writes a command it cannot see; the step says what is missing and
    fails instead.

    Fix: set `operations.deploy_command`, `.test_command` and `.rollback_command` in
    plan.json to commands that exist, or add the scripts. Tests are found without help
    when the repository has pytest (pyproject.toml, pytest.ini, setup.cfg, tox.ini,
    conftest.py), a `test` script in package.json, a `test:` target in the Makefile, or
    go.mod.
    """

    code: ClassVar[str] = "DEP108"
    name: ClassVar[str] = "deploy.commands-exist"
    severity: ClassVar[Severity] = Severity.WARNING
    safer: ClassVar[str] = "name deploy, test and rollback commands the repository really has"

    @classmethod
    def check(cls, inp: DeployInput) -> Iterator[Finding]:
        for cmd in inp.commands():
            if cmd.command is None:
                yield cls.finding(
                    f"no {cmd.role} command: {cmd.missing}",
                    blocking=False,
                    file="plan.json",
                    json_path=f"$.operations.{cmd.role}_command",
                    suggestion=f"set operations.{cmd.role}_command to a command the repository has",
                )


class ScalingUnspecified(RuleUnit):
    """What: plan.json gives `operations.resources.replicas` but no `scaling` bounds.

    Why: autoscaling bounds are a capacity decision; a guardian that made them up
    (twice the replicas, 60 % CPU) would put numbers in `deployment.json` that nobody
    chose. The deployment keeps the fixed replica count and says so.

    Fix: add `operations.resources.scaling` with `min`, `max` and `target_cpu` when the
    service should autoscale.
    """

    code: ClassVar[str] = "DEP109"
    name: ClassVar[str] = "deploy.scaling-unspecified"
    severity: ClassVar[Severity] = Severity.INFO
    safer: ClassVar[str] = "state autoscaling bounds in the plan, or none at all"

    @classmethod
    def check(cls, inp: DeployInput) -> Iterator[Finding]:
        res = inp.ops.resources
        if res is not None and res.replicas is not None and res.scaling is None:
            yield cls.finding(
                f"no autoscaling bounds in plan.json: {res.replicas} fixed replica(s)",
                blocking=False,
                file="plan.json",
                json_path="$.operations.resources.scaling",
                suggestion="add operations.resources.scaling {min, max, target_cpu} to autoscale",
            )


RULES: tuple[type[Any], ...] = (
    HealthChecksMissing,
    RollbackPlanMissing,
    MonitoringMissing,
    SecurityFindingOpen,
    ResourcesUndefined,
    StagingNotValidated,
    UnboundedScaling,
    CommandMissing,
    ScalingUnspecified,
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
