"""The backup guardian: what to back up, where the restore point is, how long to keep it."""

from __future__ import annotations

from typing import Any

from guardians.engine.context import Context, input_finding
from guardians.engine.decision import Decision, OutFile
from guardians.engine.verdicts import dump_json, handoff, veto
from guardians.errors import InputError
from guardians.protocol.models.inputs import Implementation, Plan
from guardians.rules.backup import BackupInput, CheckpointEvidence, check_all
from guardians.rules.base import Finding
from guardians.store.layout import stamp

RETENTION_DAYS: dict[str, int | None] = {"production": 30, "development": 7, "test": 1, "milestone": None}
ENV_PREFIX = {"production": "prod", "development": "dev", "test": "test"}


def evaluate(ctx: Context) -> Decision | None:
    plan, f1 = ctx.reader.load("plan.json", "plan")
    impl, f2 = ctx.reader.load("implementation.json", "implementation")
    migration, f3 = ctx.reader.load("migration_review.json", "migration_review", required=False)
    records, f4 = _records(ctx)
    if f1 or f2 or f3 or f4:
        return veto(ctx, "invalid_artifact", f1 + f2 + f3 + f4, "artifacts do not match their schemas")
    inp = BackupInput(
        has_migrations=bool(impl.migrations),
        migration_risk=migration.risk if migration else "low",
        migration_destructive=bool(migration.destructive) if migration else False,
        hand_written_records=records,
    )
    if inp.needs_checkpoint:
        try:
            inp = _with_evidence(ctx, inp, list(impl.migrations or []))
        except InputError as exc:
            return veto(ctx, "invalid_artifact", [input_finding(exc)], "guardians.toml is invalid")
    findings = check_all(inp)
    blocking = [f for f in findings if f.blocking]
    if blocking:
        return veto(ctx, "no_verified_backup", findings, "risky migration without a verified checkpoint")
    body = _plan(ctx, plan, impl, inp)
    art = ctx.epic.rel(ctx.epic.artifacts)
    files = [OutFile(f"{art}/backup_plan.json", dump_json(body))]
    kinds = ", ".join(t["kind"] for t in body["targets"]) or "nothing to back up"
    if body["checkpoint_verified"]:
        kinds += f"; checkpoint {body['checkpoint_name']} re-verified and restore-tested"
    decision = handoff(
        ctx,
        f"backup plan {body['checkpoint_name']}: {kinds}",
        files,
        {"artifacts": [f.path for f in files]},
        checkpoint=body["checkpoint_name"],
    )
    decision.findings = findings
    return decision


def _with_evidence(ctx: Context, inp: BackupInput, migrations: list[str]) -> BackupInput:
    """Checkpoints as the guardian checked them itself (never a record's word)."""
    from dataclasses import replace

    from guardians.checkpoint.evidence import gather
    from guardians.settings import load_settings
    from guardians.store.loaders import sha256_bytes

    settings = load_settings(ctx.epic.root)
    folder = settings.checkpoint_folder(ctx.epic.root)
    found = gather(ctx.epic.root, folder, migrations, ctx.now.timestamp())
    for cp in found:  # the decision log records which metadata the guardian read
        meta = folder / cp.name / "metadata.json"
        if meta.is_file() and not meta.is_symlink():
            ctx.reader.inputs[ctx.epic.rel(meta)] = sha256_bytes(meta.read_bytes())
    return replace(inp, checkpoints=tuple(found), max_age_hours=settings.checkpoints.max_age_hours)


def _records(ctx: Context) -> tuple[int, list[Finding]]:
    """Hand-written records in consensus/checkpoints/: still validated (bad input is named), never evidence."""
    folder = ctx.epic.checkpoints
    if not folder.is_dir():
        return 0, []
    count, problems = 0, []
    for path in sorted(folder.glob("*.json"))[:1000]:
        model, findings = ctx.reader.load_path(path, "checkpoint")
        problems.extend(findings)
        count += model is not None and model.epic_id == ctx.epic.epic_id
    return count, problems


def _chosen(inp: BackupInput) -> CheckpointEvidence | None:
    return inp.usable() if inp.needs_checkpoint else None


def _retention(plan: Plan) -> tuple[str, int | None]:
    ops = plan.operations
    if ops is not None and ops.milestone:
        return "milestone", None
    env = ops.environment if ops else "production"
    return env, RETENTION_DAYS[env]


def _plan(ctx: Context, plan: Plan, impl: Implementation, inp: BackupInput) -> dict[str, Any]:
    env = plan.operations.environment if plan.operations else "production"
    retention_class, days = _retention(plan)
    verified = _chosen(inp)
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
                "method": "guardians checkpoint create NAME --include-database URL (pg_dump -Fc, row counts)",
                "verification": ["guardians checkpoint verify NAME (sha256 of every part)"],
                "restore_test": [
                    "guardians checkpoint verify NAME --restore-test: pg_restore into a scratch database,",
                    "compare row counts per table with those recorded at dump time, drop the scratch database",
                ],
            }
        )
    changes = impl.changes
    if changes is not None and changes.cache:
        targets.append(
            {
                "kind": "redis",
                "reason": "the change touches cached data",
                "method": "guardians checkpoint create NAME --include-redis URL (redis-cli --rdb)",
                "verification": ["redis-check-rdb on the RDB file, sha256 in metadata.json"],
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
