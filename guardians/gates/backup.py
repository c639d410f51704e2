"""The backup guardian: what to back up, where the restore point is, how long to keep it."""

from __future__ import annotations

from typing import Any

from guardians.engine.context import Context
from guardians.engine.decision import Decision, OutFile
from guardians.engine.verdicts import dump_json, handoff, veto
from guardians.protocol.models.inputs import Checkpoint, Implementation, Plan
from guardians.rules.backup import BackupInput, check_all
from guardians.rules.base import Finding
from guardians.store.layout import stamp

RETENTION_DAYS: dict[str, int | None] = {"production": 30, "development": 7, "test": 1, "milestone": None}
ENV_PREFIX = {"production": "prod", "development": "dev", "test": "test"}


def evaluate(ctx: Context) -> Decision | None:
    plan, f1 = ctx.reader.load("plan.json", "plan")
    impl, f2 = ctx.reader.load("implementation.json", "implementation")
    migration, f3 = ctx.reader.load("migration_review.json", "migration_review", required=False)
    checkpoints, f4 = _checkpoints(ctx)
    if f1 or f2 or f3 or f4:
        return veto(ctx, "invalid_artifact", f1 + f2 + f3 + f4, "artifacts do not match their schemas")
    inp = BackupInput(
        has_migrations=bool(impl.migrations),
        migration_risk=migration.risk if migration else "low",
        migration_destructive=bool(migration.destructive) if migration else False,
        checkpoints=tuple(checkpoints),
        now=ctx.now,
    )
    findings = check_all(inp)
    blocking = [f for f in findings if f.blocking]
    if blocking:
        return veto(ctx, "no_verified_backup", findings, "risky migration without a verified checkpoint")
    body = _plan(ctx, plan, impl, inp)
    art = ctx.epic.rel(ctx.epic.artifacts)
    files = [OutFile(f"{art}/backup_plan.json", dump_json(body))]
    kinds = ", ".join(t["kind"] for t in body["targets"]) or "nothing to back up"
    decision = handoff(
        ctx,
        f"backup plan {body['checkpoint_name']}: {kinds}",
        files,
        {"artifacts": [f.path for f in files]},
        checkpoint=body["checkpoint_name"],
    )
    decision.findings = findings
    return decision


def _checkpoints(ctx: Context) -> tuple[list[Checkpoint], list[Finding]]:
    folder = ctx.epic.checkpoints
    if not folder.is_dir():
        return [], []
    found: list[Checkpoint] = []
    problems: list[Finding] = []
    for path in sorted(folder.glob("*.json"))[:1000]:
        model, findings = ctx.reader.load_path(path, "checkpoint")
        problems.extend(findings)
        if model is not None and model.epic_id == ctx.epic.epic_id:
            found.append(model)
    return found, problems


def _retention(plan: Plan) -> tuple[str, int | None]:
    ops = plan.operations
    if ops is not None and ops.milestone:
        return "milestone", None
    env = ops.environment if ops else "production"
    return env, RETENTION_DAYS[env]


def _plan(ctx: Context, plan: Plan, impl: Implementation, inp: BackupInput) -> dict[str, Any]:
    env = plan.operations.environment if plan.operations else "production"
    retention_class, days = _retention(plan)
    verified = inp.verified()
    return {
        "epic_id": ctx.epic.epic_id,
        "iteration": ctx.iteration,
        "timestamp": stamp(ctx.now),
        # One name: the verified checkpoint in use, else the one to take now.
        "checkpoint_name": verified.name if verified else f"{ENV_PREFIX[env]}-deploy-{ctx.now:%Y%m%d-%H%M}",
        "checkpoint_verified": verified is not None,
        "retention": {"class": retention_class, "days": days},
        "targets": _targets(impl),
        "requires_verified_checkpoint": inp.needs_checkpoint,
    }


def _targets(impl: Implementation) -> list[dict[str, Any]]:
    targets: list[dict[str, Any]] = []
    if impl.migrations:
        targets.append(
            {
                "kind": "database",
                "reason": f"{len(impl.migrations)} migration file(s) change the schema",
                "method": "pg_dump --format=custom --no-owner of the production database",
                "verification": [
                    "pg_restore --list the dump and check every table is present",
                    "record the dump's sha256 in the checkpoint record",
                ],
                "restore_test": [
                    "pg_restore into a scratch database",
                    "run the smoke queries and compare row counts of changed tables",
                    "set database.restore_tested: true in the checkpoint record",
                ],
            }
        )
    changes = impl.changes
    if changes is not None and changes.cache:
        targets.append(
            {
                "kind": "redis",
                "reason": "the change touches cached data",
                "method": "BGSAVE, then copy the RDB file",
                "verification": ["redis-check-rdb on the copied RDB file"],
                "restore_test": ["start a scratch redis-server on the RDB file and sample keys"],
            }
        )
    if changes is not None and changes.config:
        targets.append(
            {
                "kind": "config",
                "reason": f"config changes: {', '.join(changes.config[:5])}",
                "method": "archive the current environment and config files with their sha256",
                "verification": ["compare archived sha256 sums with the live files"],
                "restore_test": ["extract the archive into a scratch directory and diff it with the live files"],
            }
        )
    return targets
