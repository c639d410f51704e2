"""Backup guardian rules (BAK codes): can we restore what this change may destroy?

The evidence is never a record that claims a backup exists: it is what the
backup guardian found when it re-read a checkpoint made by ``guardians
checkpoint`` (see guardians/checkpoint/evidence.py) and re-hashed its parts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from guardians.rules.base import Finding, RuleUnit, Severity

MAX_CHECKPOINT_AGE_HOURS = 24.0


@dataclass(frozen=True)
class CheckpointEvidence:
    """One checkpoint as the guardian checked it itself."""

    name: str
    intact: bool  # metadata valid, complete, every checksum re-verified, signature ok (under trust)
    has_database: bool
    verified: bool  # `checkpoint verify` recorded good checksums
    restore_tested: bool  # and a passing restore test
    age_hours: float
    after_review: bool  # taken at or after the commit under review
    why_not_after: str = ""
    problems: tuple[str, ...] = ()

    @property
    def candidate(self) -> bool:
        return self.intact and self.has_database and self.verified


@dataclass(frozen=True)
class BackupInput:
    has_migrations: bool
    migration_risk: str
    migration_destructive: bool
    checkpoints: tuple[CheckpointEvidence, ...] = field(default_factory=tuple)
    max_age_hours: float = MAX_CHECKPOINT_AGE_HOURS
    hand_written_records: int = 0

    @property
    def needs_checkpoint(self) -> bool:
        return self.migration_destructive or self.migration_risk == "high"

    def usable(self) -> CheckpointEvidence | None:
        """The newest checkpoint that meets every condition of the gate."""
        ok = [
            c
            for c in self.checkpoints
            if c.candidate and c.restore_tested and c.after_review and c.age_hours <= self.max_age_hours
        ]
        return min(ok, key=lambda c: c.age_hours) if ok else None

    def best(self) -> CheckpointEvidence | None:
        """When none is usable: the newest intact, verified database checkpoint, to say what it lacks."""
        if self.usable() is not None:
            return None
        ok = [c for c in self.checkpoints if c.candidate]
        return min(ok, key=lambda c: c.age_hours) if ok else None


def build_input(data: dict[str, Any]) -> BackupInput:
    defaults = {
        "intact": True,
        "has_database": True,
        "verified": True,
        "restore_tested": True,
        "age_hours": 1.0,
        "after_review": True,
    }
    cps = tuple(
        CheckpointEvidence(
            **{**defaults, **{k: v for k, v in c.items() if k != "problems"}}, problems=tuple(c.get("problems", ()))
        )
        for c in data.get("checkpoints", [])
    )
    return BackupInput(
        bool(data.get("has_migrations", True)),
        str(data.get("migration_risk", "low")),
        bool(data.get("migration_destructive", False)),
        cps,
        float(data.get("max_age_hours", MAX_CHECKPOINT_AGE_HOURS)),
        int(data.get("hand_written_records", 0)),
    )


def _kind(inp: BackupInput) -> str:
    return "destructive" if inp.migration_destructive else "high-risk"


class VerifiedCheckpointMissing(RuleUnit):
    """What: the migration is destructive or high risk, and the checkpoint folder holds
    no checkpoint made by `guardians checkpoint` whose metadata and checksums the
    backup guardian could re-verify and whose database dump passed `checkpoint verify`.

    Why: a destructive migration is only reversible from a backup; an unverified backup
    is a hope, not a plan. A record that merely says `verified: true` proves nothing:
    agents can write any file.

    Fix: `guardians checkpoint create NAME --include-database URL`, then
    `guardians checkpoint verify NAME --restore-test`.
    """

    code: ClassVar[str] = "BAK101"
    name: ClassVar[str] = "backup.verified-checkpoint"
    severity: ClassVar[Severity] = Severity.CRITICAL
    safer: ClassVar[str] = "take and verify a database checkpoint before the migration"

    @classmethod
    def check(cls, inp: BackupInput) -> Iterator[Finding]:
        if not inp.needs_checkpoint or any(c.candidate for c in inp.checkpoints):
            return
        rejected = [f"{c.name}: {'; '.join(c.problems) or _lacks(c)}" for c in inp.checkpoints[:5]]
        detail = f" (rejected: {' | '.join(rejected)})" if rejected else ""
        yield cls.finding(
            f"{_kind(inp)} migration without a verified database checkpoint{detail}",
            severity=Severity.CRITICAL,
            json_path="$.parts",
            file="data/checkpoints/",
            subject="no_verified_backup",
            suggestion="guardians checkpoint create NAME --include-database URL, then "
            "guardians checkpoint verify NAME --restore-test",
        )


def _lacks(c: CheckpointEvidence) -> str:
    if not c.has_database:
        return "no database part"
    return "never verified" if not c.verified else "not intact"


class RestoreNotTested(RuleUnit):
    """What: the newest verified database checkpoint has no passing restore test.

    Why: many backups that verify fine still fail to restore (missing roles,
    extensions, wrong format). Only a restore test proves recoverability.

    Fix: `guardians checkpoint verify NAME --restore-test` (restores into a scratch
    database, compares row counts per table, drops it).
    """

    code: ClassVar[str] = "BAK102"
    name: ClassVar[str] = "backup.restore-tested"
    severity: ClassVar[Severity] = Severity.CRITICAL
    safer: ClassVar[str] = "restore-test every checkpoint used for a risky change"

    @classmethod
    def check(cls, inp: BackupInput) -> Iterator[Finding]:
        cp = inp.best() if inp.needs_checkpoint else None
        if cp is not None and not cp.restore_tested:
            yield cls.finding(
                f"checkpoint {cp.name} has no passing restore test",
                severity=Severity.CRITICAL,
                file=f"data/checkpoints/{cp.name}/metadata.json",
                json_path="$.verification.restore_test",
                subject="no_verified_backup",
                suggestion=f"guardians checkpoint verify {cp.name} --restore-test",
            )


class CheckpointStale(RuleUnit):
    """What: the newest verified checkpoint is older than the maximum age (24 hours by
    default, `checkpoints.max_age_hours` in guardians.toml, at most 168).

    Why: a restore point taken days before the change loses every write since; the
    backup must be taken right before the risky change.

    Fix: take and restore-test a fresh checkpoint shortly before deploying.
    """

    code: ClassVar[str] = "BAK103"
    name: ClassVar[str] = "backup.checkpoint-age"
    severity: ClassVar[Severity] = Severity.CRITICAL
    safer: ClassVar[str] = "checkpoint immediately before the change"

    @classmethod
    def check(cls, inp: BackupInput) -> Iterator[Finding]:
        cp = inp.best() if inp.needs_checkpoint else None
        if cp is not None and cp.age_hours > inp.max_age_hours:
            yield cls.finding(
                f"checkpoint {cp.name} is {cp.age_hours:.1f} hours old (maximum {inp.max_age_hours:g})",
                severity=Severity.CRITICAL,
                file=f"data/checkpoints/{cp.name}/metadata.json",
                json_path="$.created_unix",
                subject="no_verified_backup",
                suggestion="take a fresh checkpoint right before the deploy",
            )


class CheckpointBeforeReview(RuleUnit):
    """What: the newest verified checkpoint was not taken at or after the commit under
    review (the last commit that changed the epic's migration files), or that commit
    cannot be established (migrations not committed, or not a git repository).

    Why: a checkpoint must capture the state the migration will change, taken once the
    change is final; one from before the reviewed commit may predate data the
    migration destroys, and cannot be tied to the change at all without git.

    Fix: commit the migration, then create and restore-test a checkpoint from that
    commit (or a later one).
    """

    code: ClassVar[str] = "BAK104"
    name: ClassVar[str] = "backup.after-reviewed-commit"
    severity: ClassVar[Severity] = Severity.CRITICAL
    safer: ClassVar[str] = "checkpoint after the reviewed commit, right before applying it"

    @classmethod
    def check(cls, inp: BackupInput) -> Iterator[Finding]:
        cp = inp.best() if inp.needs_checkpoint else None
        if cp is not None and not cp.after_review:
            yield cls.finding(
                f"checkpoint {cp.name} is not from the commit under review or later: {cp.why_not_after}",
                severity=Severity.CRITICAL,
                file=f"data/checkpoints/{cp.name}/metadata.json",
                json_path="$.git.commit",
                subject="no_verified_backup",
                suggestion="commit the migration, then checkpoint and restore-test again",
            )


class HandWrittenRecord(RuleUnit):
    """What: `consensus/checkpoints/` holds checkpoint records; the backup guardian no
    longer takes them as evidence.

    Why: anyone who can write the repository can write `verified: true`. The guardian
    only trusts checkpoints it can re-check itself.

    Fix: create the checkpoint with `guardians checkpoint create` (which writes under
    `data/checkpoints/`) and delete the hand-written record.
    """

    code: ClassVar[str] = "BAK105"
    name: ClassVar[str] = "backup.hand-written-record"
    severity: ClassVar[Severity] = Severity.WARNING
    safer: ClassVar[str] = "never accept a backup on a document's word"

    @classmethod
    def check(cls, inp: BackupInput) -> Iterator[Finding]:
        if inp.hand_written_records:
            yield cls.finding(
                f"{inp.hand_written_records} hand-written checkpoint record(s) ignored: they are not evidence",
                severity=Severity.WARNING,
                blocking=False,
                file="consensus/checkpoints/",
                json_path="$",
                suggestion="use guardians checkpoint create / verify --restore-test instead",
            )


RULES: tuple[type[Any], ...] = (
    VerifiedCheckpointMissing,
    RestoreNotTested,
    CheckpointStale,
    CheckpointBeforeReview,
    HandWrittenRecord,
)


def check_all(inp: BackupInput) -> list[Finding]:
    return [f for rule in RULES for f in rule.check(inp)]
