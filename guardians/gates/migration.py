"""The migration guardian: risk analysis, rollback check and the human gate.

Outcomes for a handoff:

* any unsuppressed blocking finding outside the destructive class (locking
  DDL, no rollback, parse errors...) → veto back to the sender;
* risk ``high`` (destructive operations, MIG1xx) → needs a tech-lead approval
  quoting the review's ``review_digest``: the handoff is parked in
  ``waiting/`` and the log records ``waiting`` until one arrives, after
  which the parked handoff is decided without being resent;
* otherwise approve and hand off to deploy.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from guardians.engine.context import Context
from guardians.engine.decision import Decision, OutFile
from guardians.engine.verdicts import approval_notice, dump_json, handoff, veto
from guardians.rules.base import Finding
from guardians.store.layout import stamp

MIG_REVIEW = "migration_review.json"


def evaluate(ctx: Context) -> Decision | None:
    if ctx.message["type"] == "approval":
        return _on_approval(ctx)
    return _on_handoff(ctx, approval=_known_approval(ctx))


# --- handoff ------------------------------------------------------------------------


def _on_handoff(ctx: Context, approval: dict[str, Any] | None) -> Decision:
    _, f1 = ctx.reader.load("plan.json", "plan")  # validated: the plan must be sound too
    impl, f2 = ctx.reader.load("implementation.json", "implementation")
    review, f3 = ctx.reader.load("review.json", "review")
    if f1 or f2 or f3:
        return veto(ctx, "invalid_artifact", f1 + f2 + f3, "artifacts do not match their schemas")
    from guardians.rules.common import ReviewNotApproved

    not_approved = list(ReviewNotApproved.check(review.review_status, review.verdict))
    if not_approved:
        return veto(ctx, "not_production_ready", not_approved, "review.json does not approve the change")
    paths, path_findings = _migration_paths(ctx, impl.migrations)
    if path_findings:
        return veto(ctx, "invalid_artifact", path_findings, "implementation.json lists unusable migration files")
    return _judge(ctx, paths, approval)


def _judge(ctx: Context, paths: list[Path], approval: dict[str, Any] | None) -> Decision:
    from guardians.migrations.analyze import analyze_paths

    # jobs=1: the gate runs inside `run` and `watch`, which have threads (the file
    # observer, the lock keeper); forking a worker there could copy a lock another
    # thread holds. An epic's migrations are few; the lint command has the cores.
    base = analyze_paths(paths, display_root=ctx.epic.root, jobs=1)
    _pin_migrations(ctx, paths)
    digest = _digest(base.to_dict())
    matching = approval if approval and approval.get("review_digest") == digest else None
    report = base
    if matching and matching.get("suppress"):
        report = analyze_paths(paths, display_root=ctx.epic.root, suppressions=matching["suppress"], jobs=1)
    findings = report.findings()
    blocking = [f for f in findings if f.blocking and not _destructive(f)]
    needs_approval = report.risk == "high"
    if blocking:
        outcome = "veto"
    elif needs_approval and not matching:
        outcome = "waiting"
    else:
        outcome = "approve"
    review_file = _review_file(ctx, report, digest, outcome, needs_approval, matching)
    details = {
        "risk": report.risk,
        "destructive": report.destructive,
        "review_digest": digest,
        # Every accepted finding is on the record, with its reason.
        "suppressed": [s.to_dict() for s in report.suppressed()],
    }
    if outcome == "veto":
        subject = "no_rollback_plan" if any(f.code == "MIG403" for f in blocking) else "unsafe_migration"
        decision = veto(
            ctx,
            subject,
            findings,
            f"{report.risk}-risk migration with {len(blocking)} blocking finding(s)",
            **details,
        )
        decision.files.insert(0, review_file)
        return decision
    if outcome == "waiting":
        return Decision(
            agent="migration",
            decision="waiting",
            epic_id=ctx.epic.epic_id,
            iteration=ctx.iteration,
            summary=f"high-risk migration waits for a tech-lead approval of review_digest {digest[:12]}",
            findings=findings,
            subject="approval_required",
            files=[review_file, approval_notice(ctx, digest, report.risk, findings, review_file.path)],
            details={**details, "waiting_for": "tech-lead"},
            park=True,
        )
    summary = f"{report.risk}-risk migration approved" + (f" by {matching['by']}" if matching else "")
    decision = handoff(ctx, summary, [review_file], {"artifacts": [review_file.path]}, **details)
    decision.findings = findings
    return decision


def _pin_migrations(ctx: Context, paths: list[Path]) -> None:
    """Record the sha256 of every migration judged: later guardians re-check them (GRD013)."""
    from guardians.errors import InputError
    from guardians.store.loaders import read_bounded, sha256_bytes

    for path in paths:
        rel = ctx.epic.rel(path)
        try:
            ctx.reader.inputs[rel] = sha256_bytes(read_bounded(path, display=rel))
        except InputError:
            continue  # the analysis reported it; a file we cannot read pins nothing


def _destructive(finding: Finding) -> bool:
    # MIG1xx are the destructive operations (drops, truncate, type changes,
    # renames, unbounded DML): they are accepted by a human approval of the
    # review rather than vetoed outright.
    return finding.code.startswith("MIG1")


def _digest(analysis: dict[str, Any]) -> str:
    canonical = json.dumps(analysis, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _review_file(
    ctx: Context,
    report: Any,
    digest: str,
    outcome: str,
    needs_approval: bool,
    approval: dict[str, Any] | None,
) -> OutFile:
    data = report.to_dict()
    body = {
        "epic_id": ctx.epic.epic_id,
        "iteration": ctx.iteration,
        "timestamp": stamp(ctx.now),
        "risk": report.risk,
        "destructive": report.destructive,
        "review_digest": digest,
        "requires_approval": needs_approval,
        "approved_by": approval["by"] if approval else None,
        "files": [
            {
                "path": f["path"],
                "kind": f["kind"],
                "statements": f["statements"],
                "has_rollback": f["has_rollback"],
            }
            for f in data["files"]
        ],
        "findings": [f.to_dict() for f in report.findings()],
        "suppressed": [
            {k: s[k] for k in ("code", "file", "line", "reason", "source") if k in s}
            for f in data["files"]
            for s in f.get("suppressed", [])
        ],
        "decision": outcome,
    }
    return OutFile(f"{ctx.epic.rel(ctx.epic.artifacts)}/{MIG_REVIEW}", dump_json(body))


def _migration_paths(ctx: Context, listed: list[str]) -> tuple[list[Path], list[Finding]]:
    from guardians.rules.common import MigrationPathOutsideRoot

    root = ctx.epic.root.resolve()
    found: list[Path] = []
    bad: dict[str, str] = {}
    seen: set[tuple[int, int]] = set()
    for entry in listed:
        candidates = [ctx.epic.root / entry, ctx.epic.artifacts / entry]
        hit = next((c for c in candidates if c.is_file() or c.is_symlink()), None)
        if hit is None:
            bad[entry] = "does not exist"
        elif not hit.resolve().is_relative_to(root):
            bad[entry] = "lies outside the repository root"
        else:
            # Many spellings of one file (./x, a//x, a/../a/x) are one file: analysed once.
            info = hit.lstat()
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                found.append(hit)
    findings = [Finding(**{**f.__dict__, "file": "implementation.json"}) for f in MigrationPathOutsideRoot.check(bad)]
    return found, findings


# --- approvals ----------------------------------------------------------------------


def _known_approval(ctx: Context) -> dict[str, Any] | None:
    """The latest approval recorded in this epic's log, if any."""
    return ctx.log.latest_approval()


def _on_approval(ctx: Context) -> Decision | None:
    # Admission already checked the sender (GRD006) and the content's schema (GRD001).
    content = ctx.message["content"]
    approval = {
        "by": ctx.sender,
        "review_digest": content["review_digest"],
        "reason": content["reason"],
        "suppress": content.get("suppress", {}),
        "message": ctx.message_rel,
    }
    if ctx.signed_by:
        approval["signed_by"] = ctx.signed_by  # the person, as the trust anchor names their key
    parked = _parked(ctx) or _vetoed_handoff(ctx, approval["review_digest"])
    if parked is None:
        if _pending_handoffs(ctx):
            return None  # the handoff it approves has not been decided yet
        return Decision(
            "migration",
            "reject",
            ctx.epic.epic_id,
            ctx.iteration,
            "approval received but no migration is waiting for one",
            subject="nothing_to_approve",
            details={"reason": "no handoff is waiting for approval", "approval": approval},
        )
    return _resume(ctx, parked, approval)


def _parked(ctx: Context) -> Path | None:
    parked = ctx.parked()
    return parked[-1] if parked else None


def _vetoed_handoff(ctx: Context, digest: str) -> Path | None:
    """The handoff whose migration veto this approval answers (by review digest).

    An approval may accept findings that vetoed (``suppress``); the vetoed
    handoff is then decided again, so nobody has to resend it.
    """
    last = ctx.log.last_entry("migration") or {}
    vetoed = last.get("decision") in ("veto", "escalate")
    source = last.get("source_document")
    if not vetoed or last.get("details", {}).get("review_digest") != digest or not isinstance(source, str):
        return None
    return ctx.processed_copy(source)


def _pending_handoffs(ctx: Context) -> bool:
    return ctx.others_pending()


def _resume(ctx: Context, parked: Path, approval: dict[str, Any]) -> Decision:
    from guardians.errors import InputError
    from guardians.store.loaders import load_file

    try:
        handoff_msg, _ = load_file(parked, display=ctx.epic.rel(parked))
    except InputError as exc:
        return Decision(
            "migration",
            "reject",
            ctx.epic.epic_id,
            ctx.iteration,
            f"parked handoff unreadable: {exc.message}",
            details={"reason": exc.message, "approval": approval},
        )
    resumed = Context(ctx.epic, ctx.agent, handoff_msg, parked, ctx.key, ctx.now, ctx.log, ctx.reader, ctx.signed_by)
    decision = _on_handoff(resumed, approval)
    decision.details["approval"] = approval
    decision.details["resumed"] = ctx.epic.rel(parked)
    if decision.decision == "waiting":
        decision.park = False  # the handoff stays parked; only the approval is consumed
        decision.summary = (
            f"approval quotes review_digest {approval['review_digest'][:12]}, which does not match the "
            f"current review {decision.details['review_digest'][:12]}; still waiting"
        )
    elif parked.parent.name == "waiting":
        processed = parked.parent.parent / "processed" / parked.name
        decision.moves.append((ctx.epic.rel(parked), ctx.epic.rel(processed)))
    return decision
