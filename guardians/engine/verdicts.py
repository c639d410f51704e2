"""Builders for the standard outcomes: veto, handoff, escalation, wait.

They return a :class:`Decision` with the message files it implies; nothing
is written here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from guardians.engine.context import Context
from guardians.engine.decision import Decision, OutFile
from guardians.protocol.order import NEXT
from guardians.rules.base import Finding
from guardians.store.layout import Epic, stamp

MAX_VETOES = 3


_ACTIONS = {
    "invalid_artifact": "Fix the named files so they match their schemas, then resend the handoff "
    "with the next iteration.",
    "invalid_message": "Rewrite the message so it matches `guardians schema show message` and "
    "deliver it with `guardians send`.",
}


def dump_yaml(data: Any) -> bytes:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the C emitter is ~10x faster
    text = yaml.dump(data, Dumper=dumper, sort_keys=True, allow_unicode=False, default_flow_style=False, width=100)
    return text.encode("ascii")


def dump_json(data: Any) -> bytes:
    import json

    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode()


def veto(ctx: Context, subject: str, findings: list[Finding], summary: str, **details: Any) -> Decision:
    """Veto back to the agent that started this run, or escalate on the 3rd veto."""
    prior = ctx.log.count("veto", "escalate")
    escalate = prior + 1 >= MAX_VETOES
    target = ctx.origin
    files = [
        veto_file(
            ctx.agent, target, ctx.epic, ctx.iteration, ctx.now, ctx.key, subject, findings, fallback=ctx.message_rel
        )
    ]
    decision = Decision(
        agent=ctx.agent,
        decision="veto",
        epic_id=ctx.epic.epic_id,
        iteration=ctx.iteration,
        summary=summary,
        findings=findings,
        subject=subject,
        files=files,
        details={"vetoed_to": target, "veto_number": prior + 1, **details},
    )
    if escalate:
        decision.decision = "escalate"
        number = prior + 1
        cap = f"of {MAX_VETOES}" if number == MAX_VETOES else f"past the cap of {MAX_VETOES}"
        decision.summary = f"{summary} (veto {number} {cap}: escalated to tech-lead)"
        decision.files.append(_escalation(ctx, subject, findings, prior + 1))
    return decision


def veto_file(
    agent: str,
    target: str,
    epic: Epic,
    iteration: int,
    now: datetime,
    key: str,
    subject: str,
    findings: list[Finding],
    *,
    fallback: str,
) -> OutFile:
    """veto_YYYY_MM_DD_HH_MM_SS.yaml for ``target``'s inbox; the first blocking finding leads."""
    from guardians.engine.fit import MAX_LISTED, findings_file, listed

    first = next((f for f in findings if f.blocking), findings[0] if findings else None)
    body: dict[str, Any] = {
        "from": agent,
        "to": target,
        "timestamp": stamp(now),
        "epic_id": epic.epic_id,
        "iteration": iteration,
        "type": "veto",
        "subject": subject,
        "content": {
            "violation": first.message if first else subject,
            "location": first.location() if first else fallback,
            "impact": _impact(subject),
            "requirement": f"{first.code}: see `guardians explain {first.code}`" if first else subject,
            "suggestion": (first.suggestion or "") if first else "",
            "blocking": True,
        },
        "action_needed": _ACTIONS.get(
            subject, "Fix every finding listed below, then resend the handoff with the next iteration."
        ),
        "findings": [f.to_dict() for f in listed(findings)],
        "in_reply_to": key,
    }
    if len(findings) > MAX_LISTED:
        # A veto that fits: the full list is an artifact written with the decision.
        body["findings_total"] = len(findings)
        body["findings_file"] = findings_file(epic.rel(epic.artifacts), agent, key)
    return OutFile(f"{epic.rel(epic.inbox(target))}/veto_{stamp(now)}.yaml", dump_yaml(body))


def _impact(subject: str) -> str:
    return {
        "invalid_artifact": "The guardians cannot evaluate the change; nothing can be deployed.",
        "invalid_message": "The message cannot be acted on.",
        "no_rollback_plan": "A failed release could not be undone quickly.",
        "missing_monitoring": "Failures in production would go unnoticed.",
        "missing_health_checks": "Broken instances would receive traffic.",
        "security_issue": "A known high or critical vulnerability would reach production.",
        "unhealthy": "The service is not healthy enough to be declared operational.",
        "destructive_migration": "The migration can lose data or lock production tables.",
        "no_verified_backup": "Data lost by the migration could not be restored.",
        "unsigned_evidence": "Nothing shows the guardians measured the service; its health is only a claim.",
    }.get(subject, "The change is not production ready.")


def _escalation(ctx: Context, subject: str, findings: list[Finding], number: int) -> OutFile:
    body = {
        "from": ctx.agent,
        "to": "tech-lead",
        "timestamp": stamp(ctx.now),
        "epic_id": ctx.epic.epic_id,
        "iteration": ctx.iteration,
        "type": "escalation",
        "subject": "iteration_cap_reached",
        "content": {
            "reason": f"{number} vetoes without consensus; the last one was {subject}",
            "last_subject": subject,
            # The codes that vetoed; warnings stay in the veto and the log.
            "codes": sorted({f.code for f in findings if f.blocking}),
        },
        "action_needed": (
            "Decide: fix the artifacts and resend the handoff to migration with the next iteration, answer a "
            "migration veto with an approval that suppresses its findings, or stop the epic."
        ),
        "in_reply_to": ctx.key,
    }
    rel = ctx.epic.rel(ctx.epic.inbox("tech-lead"))
    return OutFile(f"{rel}/escalation_{stamp(ctx.now)}.yaml", dump_yaml(body))


def handoff(ctx: Context, summary: str, files: list[OutFile], content: dict[str, Any], **details: Any) -> Decision:
    """Approve and hand off to the next guardian (if any)."""
    nxt = NEXT[ctx.agent]
    out = list(files)
    if nxt is not None:
        body = {
            "from": ctx.agent,
            "to": nxt,
            "timestamp": stamp(ctx.now),
            "epic_id": ctx.epic.epic_id,
            "iteration": ctx.iteration,
            "type": "handoff",
            "subject": f"ready_for_{nxt}",
            "content": {"origin": ctx.origin, **content},
            "in_reply_to": ctx.key,
        }
        rel = ctx.epic.rel(ctx.epic.inbox(nxt))
        out.append(OutFile(f"{rel}/handoff_{ctx.agent}_{stamp(ctx.now)}.yaml", dump_yaml(body)))
    return Decision(
        agent=ctx.agent,
        decision="approve",
        epic_id=ctx.epic.epic_id,
        iteration=ctx.iteration,
        summary=summary,
        files=out,
        details={"handed_to": nxt, **details} if nxt else dict(details),
    )


def approval_notice(ctx: Context, digest: str, risk: str, findings: list[Finding], review: str) -> OutFile:
    """approval_needed_<stamp>.yaml for inbox/tech-lead/: everything needed to approve, nothing to dig out."""
    epic = ctx.epic.epic_id
    body = {
        "from": ctx.agent,
        "to": "tech-lead",
        "timestamp": stamp(ctx.now),
        "epic_id": epic,
        "iteration": ctx.iteration,
        "type": "escalation",
        "subject": "approval_required",
        "content": {
            "reason": f"{risk}-risk migration waits for a tech-lead approval",
            "review": review,
            "review_digest": digest,
            "risk": risk,
            "findings": [f"{f.code} {f.location()}: {f.message}" for f in findings][:50],
            # The approve command looks the digest up itself; the message below is the same approval by hand.
            "approve_command": f"guardians approve {epic} --key ~/.ssh/id_ed25519 --reason 'WHY THE RISK IS ACCEPTED'",
            "send_command": f"guardians send {epic} --to migration approval.yaml",
            "approval_message": {
                "from": "tech-lead",
                "to": "migration",
                "epic_id": epic,
                "iteration": ctx.iteration,
                "type": "approval",
                "subject": "approve_high_risk_migration",
                "timestamp": "YYYY_MM_DD_HH_MM_SS",
                "content": {"review_digest": digest, "reason": "WHY THE RISK IS ACCEPTED"},
            },
        },
        "action_needed": (
            f"Read {review}; to accept the risk run `guardians approve {epic} --key KEY --reason ...` (or send "
            "content.approval_message to inbox/migration/ with `guardians send`); to stop the epic run "
            f"`guardians close {epic} --reason ...`."
        ),
        "in_reply_to": ctx.key,
    }
    inbox = ctx.epic.rel(ctx.epic.inbox("tech-lead"))
    return OutFile(f"{inbox}/approval_needed_{stamp(ctx.now)}.yaml", dump_yaml(body))
