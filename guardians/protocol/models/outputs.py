"""Artifacts the guardians write. Strict: unknown keys are an error."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from guardians.protocol.models.common import EpicId, Iteration, Sha256, ShortText, Stamp, Strict
from guardians.protocol.models.messages import FindingRecord

# --- migration_review.json ------------------------------------------------------


class SuppressedRecord(Strict):
    code: str
    file: str | None = None
    line: int | None = None
    reason: ShortText = Field(min_length=1, description="Why the finding is accepted (required).")
    source: Literal["inline", "approval"]


class MigrationFileRecord(Strict):
    path: str
    kind: Literal["sql", "alembic", "django", "unknown"]
    statements: int = Field(ge=0)
    has_rollback: bool


class MigrationReview(Strict):
    """migration_review.json, written by the migration guardian."""

    epic_id: EpicId
    iteration: Iteration
    timestamp: Stamp
    risk: Literal["low", "medium", "high"] = Field(description="Overall risk of the migration set.")
    destructive: bool = Field(description="True when any operation can lose data.")
    review_digest: Sha256 = Field(
        description="sha256 of the analysis (files, findings, risk); a tech-lead approval must quote it."
    )
    requires_approval: bool = Field(description="True when a tech-lead approval is needed (high risk).")
    approved_by: str | None = Field(default=None, description="Who approved a high-risk migration.")
    files: list[MigrationFileRecord]
    findings: list[FindingRecord]
    suppressed: list[SuppressedRecord] = Field(default_factory=list)
    decision: Literal["approve", "veto", "waiting"]


# --- deployment.json ----------------------------------------------------------------


class MetricCondition(Strict):
    metric: Literal[
        "cpu_percent",
        "memory_percent",
        "disk_percent",
        "db_connections_percent",
        "error_rate_percent",
        "p95_latency_ms",
    ]
    success_below: float = Field(ge=0, description="A measurement below this is successful.")
    failure_at: float = Field(ge=0, description="A measurement at or above this is failed; between: inconclusive.")


class CanaryAnalysis(Strict):
    """How the process guardian judges the canary's health series (defaults from the thresholds)."""

    metrics: list[MetricCondition] = Field(default_factory=list, description="Overrides per metric.")
    failure_limit: int = Field(default=0, ge=0, description="Failed measurements tolerated per metric.")
    inconclusive_limit: int = Field(default=0, ge=0, description="Inconclusive measurements tolerated per metric.")
    consecutive_error_limit: int = Field(default=4, ge=0, description="Probe errors in a row tolerated.")
    min_samples: int = Field(default=1, ge=1, description="Samples needed before any verdict.")


class Stage(Strict):
    stage: Literal["staging", "canary", "production"]
    automatic: bool = Field(description="Promoted without a human.")
    tests: list[str] = Field(description="Checks that must pass in this stage.")
    rollback_automatic: bool = Field(description="Rolled back automatically when a trigger fires.")
    soak_time_hours: float = Field(ge=0, description="How long to watch before promoting.")
    approval_required: bool = Field(description="A human must approve promotion.")
    canary_percentage: int | None = Field(default=None, ge=0, le=100, description="Traffic share (canary only).")
    canary_duration_hours: float | None = Field(default=None, ge=0, description="Canary length (canary only).")
    analysis: CanaryAnalysis | None = Field(default=None, description="Canary analysis spec (canary only).")


class DeploymentStrategy(Strict):
    type: Literal["blue_green", "canary", "rolling"]
    reason: str = Field(description="Why this strategy was chosen (rule that applied).")
    stages: list[Stage] = Field(min_length=1)


class ResourcesRequired(Strict):
    cpu: str
    memory: str
    replicas: int = Field(ge=1)


class Scaling(Strict):
    min: int = Field(ge=0)
    max: int = Field(ge=1)
    target_cpu: int | None = Field(default=None, ge=1, le=100, description="Null when the plan names none.")


class Infrastructure(Strict):
    resources_required: ResourcesRequired
    scaling: Scaling | None = Field(description="Autoscaling bounds from the plan; null: fixed replica count.")


class Monitoring(Strict):
    metrics: list[str]
    dashboards: list[str]
    alerts: list[str]


class ProbeOut(Strict):
    endpoint: str
    interval: int = Field(ge=1, description="Seconds.")
    timeout: int = Field(ge=1, description="Seconds.")
    thresholds: dict[str, int] = Field(description="failure and success thresholds.")


class HealthChecks(Strict):
    readiness: ProbeOut
    liveness: ProbeOut


class Rollback(Strict):
    triggers: list[str] = Field(min_length=1)
    procedure: list[str] = Field(min_length=1)
    time_to_rollback_seconds: int = Field(ge=1)


class Deployment(Strict):
    """deployment.json, written by the deploy guardian."""

    epic_id: EpicId
    iteration: Iteration
    timestamp: Stamp
    deployment_strategy: DeploymentStrategy
    infrastructure: Infrastructure
    monitoring: Monitoring
    health_checks: HealthChecks
    rollback: Rollback


# --- backup_plan.json ------------------------------------------------------------------


class BackupTarget(Strict):
    kind: Literal["database", "redis", "config"]
    reason: str = Field(description="Why this target must be backed up.")
    method: str = Field(description="How it is backed up.")
    verification: list[str] = Field(min_length=1, description="Steps proving the backup is readable and complete.")
    restore_test: list[str] = Field(min_length=1, description="Steps restoring into a scratch environment.")


class Retention(Strict):
    retention_class: Literal["production", "development", "test", "milestone"] = Field(alias="class")
    days: int | None = Field(description="Days kept; null means forever (milestone).")


class BackupPlan(Strict):
    """backup_plan.json, written by the backup guardian."""

    epic_id: EpicId
    iteration: Iteration
    timestamp: Stamp
    checkpoint_name: str = Field(
        pattern=r"^[a-z]+-[a-z]+-[0-9]{8}-[0-9]{4}$",
        description="The one restore point of this deploy: the verified checkpoint in use, else the one to take.",
    )
    checkpoint_verified: bool = Field(
        default=False, description="True when checkpoint_name is a verified checkpoint record."
    )
    retention: Retention
    targets: list[BackupTarget]
    requires_verified_checkpoint: bool
    # Plans written before checkpoint_verified named the verified checkpoint here; still read, never written.
    checkpoint: str | None = Field(default=None, description="Deprecated: see checkpoint_name.")


# --- process_report.json ------------------------------------------------------------------


class MetricReading(Strict):
    value: float
    level: Literal["healthy", "warning", "critical"]
    warn_at: float
    critical_at: float


class ServiceReport(Strict):
    name: str
    status: str
    port: int | None = None
    health: Literal["healthy", "warning", "critical"]
    metrics: dict[str, MetricReading]


class PortConflict(Strict):
    port: int
    services: list[str] = Field(min_length=2)


class ProcessReport(Strict):
    """process_report.json, written by the process guardian."""

    epic_id: EpicId
    iteration: Iteration
    timestamp: Stamp
    overall: Literal["healthy", "warning", "critical"]
    services: list[ServiceReport]
    port_conflicts: list[PortConflict]
    operational: bool = Field(description="True when the epic was marked operational.")


# --- decision_log.jsonl ----------------------------------------------------------------------

Decision = Literal["approve", "veto", "waiting", "escalate", "reject", "operational", "closed", "adopted"]


class LogEntry(Strict):
    """One line of consensus/decision_log.jsonl."""

    seq: int = Field(ge=1, description="1-based position; no gaps.")
    prev_hash: Sha256 = Field(description="hash of the previous entry; genesis value for seq 1.")
    hash: Sha256 = Field(description="sha256 of this entry's canonical JSON without 'hash' and 'sig'.")
    sig: str | None = Field(
        default=None,
        max_length=4096,
        description="Armored SSHSIG (namespace guardians-decision) over the ASCII bytes of 'hash'; "
        "required under a trust anchor.",
    )
    timestamp: Stamp
    agent: str = Field(description="Guardian (or human) that decided.")
    decision: Decision = Field(
        description="approve | veto | waiting (needs human approval) | escalate (iteration cap) | "
        "reject (unreadable message) | operational (epic is live) | closed (stopped by `guardians close`) | "
        "adopted (legacy files kept by `guardians adopt`)."
    )
    epic_id: EpicId
    iteration: Iteration
    source_document: str = Field(description="Message file that triggered the decision.")
    previous_artifacts: list[str] = Field(description="Artifacts the decision was based on.")
    details: dict[str, Any] = Field(description="summary, findings, subject, strategy...")
    inputs: dict[str, Sha256] = Field(description="sha256 of every input read, by path.")
    outputs: dict[str, Sha256] = Field(description="sha256 of every output written, by path.")
    message_key: Sha256 | None = Field(default=None, description="sha256 of the message bytes decided on.")
    consumes: Sha256 | None = Field(
        default=None, description="hash of the entry whose handoff this decision used up (single use)."
    )
