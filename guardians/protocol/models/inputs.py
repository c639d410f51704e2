"""Artifacts written by upstream agents (architect, developer, quality, ops).

These shapes follow what agents already write, including the known drift
between variants (``stages`` vs ``work_streams``, ``tasks_completed`` vs
``tasks``, ``review_status`` vs ``verdict``). Unknown keys are kept.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from guardians.protocol.models.common import EpicId, Iteration, LooseTime, Open, ShortText

# A command the generated workflow runs: no shell metacharacters, so agent
# text can name a script but cannot smuggle in a pipeline or substitution.
CMD_PATTERN = r"^[A-Za-z0-9_./= :-]+$"


def one_of_keys(*keys: str) -> ConfigDict:
    """Say in the JSON Schema what the model validator enforces: at least one of ``keys``, not null.

    Without it an artifact written from the schema alone passes
    ``guardians validate`` and is then vetoed by the guardians.
    """
    branches = [{"required": [key], "properties": {key: {"not": {"type": "null"}}}} for key in keys]
    return ConfigDict(json_schema_extra={"anyOf": branches})  # type: ignore[dict-item]


# --- plan.json -----------------------------------------------------------------


class Probe(Open):
    # The endpoint ends up in the generated workflow's shell step: URL path characters only.
    endpoint: str = Field(
        description="HTTP path probed, e.g. /health/ready.", max_length=500, pattern=r"^/[A-Za-z0-9._~/?=&%:+-]*$"
    )
    interval: int = Field(default=10, ge=1, le=3600, description="Seconds between probes.")
    timeout: int = Field(default=3, ge=1, le=600, description="Seconds before a probe fails.")
    failure_threshold: int = Field(default=3, ge=1, le=100, description="Failures before unhealthy.")
    success_threshold: int = Field(default=1, ge=1, le=100, description="Successes before healthy.")


class HealthChecksSpec(Open):
    readiness: Probe | None = Field(default=None, description="Readiness probe.")
    liveness: Probe | None = Field(default=None, description="Liveness probe.")


class MonitoringSpec(Open):
    metrics: list[ShortText] = Field(default_factory=list, description="Metric names exported by the service.")
    dashboards: list[ShortText] = Field(default_factory=list, description="Dashboard names or URLs.")
    alerts: list[ShortText | dict[str, Any]] = Field(default_factory=list, description="Alert rules (name or object).")


class ScalingSpec(Open):
    min: int = Field(ge=0, le=10000, description="Minimum replicas.")
    max: int = Field(ge=1, le=10000, description="Maximum replicas.")
    target_cpu: int | None = Field(default=None, ge=1, le=100, description="Target CPU percent for autoscaling.")


class ResourcesSpec(Open):
    cpu: str | None = Field(default=None, description="CPU request, e.g. '500m' or '2'.", max_length=50)
    memory: str | None = Field(default=None, description="Memory request, e.g. '512Mi'.", max_length=50)
    replicas: int | None = Field(default=None, ge=1, le=10000, description="Replica count.")
    scaling: ScalingSpec | None = Field(default=None, description="Autoscaling bounds.")


class StagingValidation(Open):
    environment: str = Field(default="staging", max_length=100, description="Where it was validated.")
    passed: bool = Field(description="True when the change passed validation in staging.")
    tests: list[ShortText] = Field(default_factory=list, description="Test suites run in staging.")


class ApiChanges(Open):
    breaking: bool = Field(default=False, description="True when the public API changes incompatibly.")
    description: ShortText | None = None


class OperationsSpec(Open):
    """What the deploy guardian needs to know about running the change."""

    service: str = Field(default="app", max_length=100, description="Service name.", pattern=r"^[a-z0-9][a-z0-9-]*$")
    health_checks: HealthChecksSpec | None = Field(default=None, description="Readiness and liveness probes.")
    monitoring: MonitoringSpec | None = Field(default=None, description="Metrics, dashboards and alerts.")
    resources: ResourcesSpec | None = Field(default=None, description="Resource requests and scaling.")
    staging_validation: StagingValidation | None = Field(default=None, description="Staging validation result.")
    api_changes: ApiChanges | None = Field(default=None, description="API compatibility of the change.")
    environment: Literal["production", "development", "test"] = Field(
        default="production", description="Target environment; sets the backup retention class."
    )
    milestone: bool = Field(default=False, description="True for a release milestone (backups kept forever).")
    deploy_command: str | None = Field(
        default=None,
        max_length=500,
        pattern=CMD_PATTERN,
        description="Command the workflow runs to deploy; gets the stage name.",
    )
    test_command: str | None = Field(
        default=None, max_length=500, pattern=CMD_PATTERN, description="Command that runs a named test."
    )
    rollback_command: str | None = Field(
        default=None, max_length=500, pattern=CMD_PATTERN, description="Command that rolls back."
    )


class RollbackPlan(Open):
    trigger_conditions: list[ShortText] = Field(default_factory=list, description="When to roll back.")
    procedure: list[ShortText] | ShortText = Field(default_factory=list, description="Ordered rollback steps.")
    time_to_rollback: str | int | None = Field(default=None, description="Expected time to roll back.")


class PlanStage(Open):
    stage_id: str | int | None = None
    name: ShortText | None = None
    duration_hours: float | None = None
    tasks: list[dict[str, Any]] = Field(default_factory=list)


class Plan(Open):
    """plan.json, written by the architect. Needs 'stages' or 'work_streams'."""

    model_config = one_of_keys("stages", "work_streams")

    epic_id: EpicId
    iteration: Iteration = 1
    timestamp: LooseTime | None = None
    stages: list[PlanStage] | None = Field(default=None, description="Stages with tasks (classic variant).")
    work_streams: list[dict[str, Any]] | None = Field(default=None, description="Work streams (compact variant).")
    rollback_plan: RollbackPlan | None = Field(default=None, description="How to undo the change.")
    risks: list[dict[str, Any]] = Field(default_factory=list, description="risk, likelihood, impact, mitigation.")
    operations: OperationsSpec | None = Field(default=None, description="Deployment requirements for the guardians.")

    @model_validator(mode="after")
    def _has_work(self) -> Plan:
        if self.stages is None and self.work_streams is None:
            raise ValueError("plan needs 'stages' or 'work_streams'")
        return self


# --- implementation.json ---------------------------------------------------------


class Changes(Open):
    cache: bool = Field(default=False, description="True when the change touches the Redis cache (keys, TTLs).")
    config: list[ShortText] = Field(default_factory=list, description="Environment or config files changed.")


class Implementation(Open):
    """implementation.json, written by the developer. Needs 'tasks_completed' or 'tasks'."""

    model_config = one_of_keys("tasks_completed", "tasks")

    epic_id: EpicId
    iteration: Iteration = 1
    timestamp: LooseTime | None = None
    tasks_completed: list[dict[str, Any]] | None = Field(default=None, description="Completed tasks (classic).")
    tasks: list[dict[str, Any]] | None = Field(default=None, description="Tasks (compact variant).")
    migrations: list[str] = Field(
        default_factory=list,
        description="Migration files, relative to the repository root or to consensus/artifacts/.",
        max_length=500,
    )
    changes: Changes | None = Field(default=None, description="Cache and config changes that need backups.")

    @model_validator(mode="after")
    def _has_tasks(self) -> Implementation:
        if self.tasks_completed is None and self.tasks is None:
            raise ValueError("implementation needs 'tasks_completed' or 'tasks'")
        return self


# --- review.json -------------------------------------------------------------------


class SecurityFinding(Open):
    severity: Literal["low", "medium", "high", "critical", "info"] = Field(description="Finding severity.")
    title: ShortText = Field(default="", description="Short title.")


class SecurityScan(Open):
    passed: bool | None = Field(default=None, description="True when the scan found nothing blocking.")
    vulnerabilities_found: int | None = Field(default=None, ge=0)
    findings: list[SecurityFinding] = Field(default_factory=list, description="Individual findings.")


class Review(Open):
    """review.json, written by the quality agent. Needs 'review_status' or 'verdict'."""

    model_config = one_of_keys("review_status", "verdict")

    epic_id: EpicId
    iteration: Iteration = 1
    timestamp: LooseTime | None = None
    review_status: Literal["approved", "changes_required", "blocked"] | None = None
    verdict: Literal["approve", "veto"] | None = None
    security_scan: SecurityScan | None = None

    @model_validator(mode="after")
    def _has_verdict(self) -> Review:
        if self.review_status is None and self.verdict is None:
            raise ValueError("review needs 'review_status' or 'verdict'")
        return self

    def approved(self) -> bool:
        return self.review_status == "approved" or self.verdict == "approve"


# --- health_report.json --------------------------------------------------------------


class ServiceMetrics(Open):
    cpu_percent: float | None = Field(default=None, ge=0, le=100000)
    memory_percent: float | None = Field(default=None, ge=0, le=100000)
    disk_percent: float | None = Field(default=None, ge=0, le=100000)
    db_connections_percent: float | None = Field(default=None, ge=0, le=100000, description="Pool usage.")
    error_rate_percent: float | None = Field(default=None, ge=0, le=100)
    p95_latency_ms: float | None = Field(default=None, ge=0, le=1e9)


class ServiceHealth(Open):
    name: str = Field(max_length=100, description="Service name.")
    status: Literal["up", "down", "degraded", "unknown"] = Field(description="Reported service status.")
    port: int | None = Field(default=None, ge=1, le=65535, description="Listening TCP port.")
    host: str = Field(default="0.0.0.0", max_length=255, description="Listening address.")
    metrics: ServiceMetrics = Field(default_factory=ServiceMetrics)


class HealthReport(Open):
    """health_report.json: service status and metrics after the deploy."""

    epic_id: EpicId
    timestamp: LooseTime | None = None
    services: list[ServiceHealth] = Field(min_length=1, max_length=1000)


# --- checkpoint records ---------------------------------------------------------------


class CheckpointTarget(Open):
    location: str = Field(max_length=2000, description="Where the backup lives (path or URL).")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$", description="Digest of the backup.")
    verified: bool = Field(default=False, description="True once the backup was read back and checked.")
    verified_at: LooseTime | None = None
    restore_tested: bool = Field(default=False, description="True once a restore into scratch succeeded.")


class Checkpoint(Open):
    """consensus/checkpoints/<name>.json: a restore point taken before a risky change."""

    name: str = Field(pattern=r"^[a-z]+-[a-z]+-[0-9]{8}-[0-9]{4}$", description="e.g. prod-deploy-20261124-1430.")
    epic_id: EpicId
    created_at: LooseTime
    database: CheckpointTarget | None = None
    redis: CheckpointTarget | None = None
    config: CheckpointTarget | None = None
