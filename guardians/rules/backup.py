"""Backup guardian rules (BAK codes): can we restore what this change may destroy?"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from guardians.protocol.models.inputs import Checkpoint
from guardians.rules.base import Finding, RuleUnit, Severity

MAX_CHECKPOINT_AGE_HOURS = 24


@dataclass(frozen=True)
class BackupInput:
    has_migrations: bool
    migration_risk: str
    migration_destructive: bool
    checkpoints: tuple[Checkpoint, ...] = field(default_factory=tuple)
    now: datetime | None = None

    @property
    def needs_checkpoint(self) -> bool:
        return self.migration_destructive or self.migration_risk == "high"

    def verified(self) -> Checkpoint | None:
        """The newest checkpoint whose database backup is verified."""
        ok = [c for c in self.checkpoints if c.database is not None and c.database.verified]
        return max(ok, key=lambda c: c.created_at) if ok else None


def build_input(data: dict[str, Any]) -> BackupInput:
    from guardians.protocol.stamps import parse_stamp

    return BackupInput(
        bool(data.get("has_migrations", True)),
        str(data.get("migration_risk", "low")),
        bool(data.get("migration_destructive", False)),
        tuple(Checkpoint.model_validate(c) for c in data.get("checkpoints", [])),
        parse_stamp(data["now"]) if "now" in data else None,
    )


class VerifiedCheckpointMissing(RuleUnit):
    """What: the migration is destructive or high risk, and no checkpoint record in
    `consensus/checkpoints/` has a database backup with `verified: true`.

    Why: a destructive migration is only reversible from a backup; an unverified backup
    is a hope, not a plan. Checkpoint before risky change.

    Fix: take a checkpoint (database dump), read it back to verify it, and record it in
    `consensus/checkpoints/<name>.json` with `database.verified: true` (format in
    docs/protocol.md).
    """

    code: ClassVar[str] = "BAK101"
    name: ClassVar[str] = "backup.verified-checkpoint"
    severity: ClassVar[Severity] = Severity.CRITICAL
    safer: ClassVar[str] = "take and verify a database checkpoint before the migration"

    @classmethod
    def check(cls, inp: BackupInput) -> Iterator[Finding]:
        if inp.needs_checkpoint and inp.verified() is None:
            yield cls.finding(
                f"{'destructive' if inp.migration_destructive else 'high-risk'} migration without a verified "
                "database checkpoint",
                severity=Severity.CRITICAL,
                json_path="$.database.verified",
                file="consensus/checkpoints/",
                subject="no_verified_backup",
                suggestion="record a checkpoint with database.verified: true in consensus/checkpoints/",
            )


class RestoreNotTested(RuleUnit):
    """What: the verified checkpoint used for a risky migration has no successful
    restore test (`database.restore_tested` is false).

    Why: many backups that verify fine still fail to restore (missing roles,
    extensions, wrong format). Only a restore test proves recoverability.

    Fix: restore the backup into a scratch database, run the smoke checks, and set
    `database.restore_tested: true`.
    """

    code: ClassVar[str] = "BAK102"
    name: ClassVar[str] = "backup.restore-tested"
    severity: ClassVar[Severity] = Severity.WARNING
    safer: ClassVar[str] = "restore-test every checkpoint used for a risky change"

    @classmethod
    def check(cls, inp: BackupInput) -> Iterator[Finding]:
        cp = inp.verified() if inp.needs_checkpoint else None
        if cp is not None and cp.database is not None and not cp.database.restore_tested:
            yield cls.finding(
                f"checkpoint {cp.name} was never restore-tested",
                severity=Severity.WARNING,
                blocking=False,
                file=f"consensus/checkpoints/{cp.name}.json",
                json_path="$.database.restore_tested",
                suggestion="restore into a scratch database and set database.restore_tested: true",
            )


class CheckpointStale(RuleUnit):
    """What: the newest verified checkpoint is older than 24 hours.

    Why: a restore point taken days before the change loses every write since; the
    backup must be taken right before the risky change.

    Fix: take a fresh checkpoint shortly before deploying.
    """

    code: ClassVar[str] = "BAK103"
    name: ClassVar[str] = "backup.checkpoint-age"
    severity: ClassVar[Severity] = Severity.WARNING
    safer: ClassVar[str] = "checkpoint immediately before the change"

    @classmethod
    def check(cls, inp: BackupInput) -> Iterator[Finding]:
        from guardians.protocol.stamps import parse_stamp

        cp = inp.verified() if inp.needs_checkpoint else None
        if cp is None or inp.now is None or "_" not in cp.created_at:
            return
        age = (inp.now - parse_stamp(cp.created_at)).total_seconds() / 3600
        if age > MAX_CHECKPOINT_AGE_HOURS:
            yield cls.finding(
                f"checkpoint {cp.name} is {age:.0f} hours old",
                severity=Severity.WARNING,
                blocking=False,
                file=f"consensus/checkpoints/{cp.name}.json",
                json_path="$.created_at",
                suggestion="take a fresh checkpoint right before the deploy",
            )


RULES: tuple[type[Any], ...] = (VerifiedCheckpointMissing, RestoreNotTested, CheckpointStale)


def check_all(inp: BackupInput) -> list[Finding]:
    return [f for rule in RULES for f in rule.check(inp)]
