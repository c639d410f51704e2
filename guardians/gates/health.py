"""The process guardian's two non-veto outcomes, shared by the report and the canary paths:
operational (approve, then `operational`), and inconclusive (wait; the tech lead is told)."""

from __future__ import annotations

from guardians.engine.context import Context
from guardians.engine.decision import Decision, OutFile
from guardians.engine.verdicts import dump_yaml, handoff
from guardians.rules.base import Finding
from guardians.store.layout import stamp


def operational(ctx: Context, state: str, files: list[OutFile], findings: list[Finding]) -> Decision:
    decision = handoff(ctx, f"health is {state}; epic is operational", files, {}, health=state)
    decision.findings = findings
    decision.followups.append(
        {
            "agent": "process",
            "decision": "operational",
            "details": {"summary": f"{ctx.epic.epic_id} is operational (health {state})", "health": state},
        }
    )
    return decision


def inconclusive(ctx: Context, findings: list[Finding], files: list[OutFile], summary: str) -> Decision:
    """The epic waits (the message is parked) and the tech lead gets a message saying why."""
    body = {
        "from": "process",
        "to": "tech-lead",
        "timestamp": stamp(ctx.now),
        "epic_id": ctx.epic.epic_id,
        "iteration": ctx.iteration,
        "type": "escalation",
        "subject": "health_inconclusive",
        "content": {"reason": summary, "findings": [f.message for f in findings if not f.blocking][:50]},
        "action_needed": (
            "Health could not be established. Re-run `guardians probe` (or extend the canary with more samples) "
            "and resend the handoff to process, or decide by hand."
        ),
        "in_reply_to": ctx.key,
    }
    rel = ctx.epic.rel(ctx.epic.inbox("tech-lead"))
    note = OutFile(f"{rel}/inconclusive_{stamp(ctx.now)}.yaml", dump_yaml(body))
    return Decision(
        agent="process",
        decision="waiting",
        epic_id=ctx.epic.epic_id,
        iteration=ctx.iteration,
        summary=summary,
        findings=findings,
        subject="health_inconclusive",
        files=[*files, note],
        details={"waiting_for": "tech-lead", "health": "inconclusive"},
        park=True,
    )
