"""The process guardian: is the deployed service healthy enough to call the epic operational?"""

from __future__ import annotations

from typing import Any

from guardians.engine.context import Context
from guardians.engine.decision import Decision, OutFile
from guardians.engine.verdicts import dump_json, handoff, veto
from guardians.protocol.models.inputs import HealthReport
from guardians.rules.base import Finding
from guardians.rules.process import THRESHOLDS, check_all, overall, port_conflicts, readings
from guardians.store.layout import stamp


def evaluate(ctx: Context) -> Decision | None:
    report, problems = ctx.reader.load("health_report.json", "health_report")
    if problems:
        return veto(ctx, "invalid_artifact", problems, "health report missing or invalid")
    findings = check_all(report)
    state = overall(report, findings)
    blocking = [f for f in findings if f.blocking]
    operational = not blocking
    art = ctx.epic.rel(ctx.epic.artifacts)
    out = OutFile(f"{art}/process_report.json", dump_json(_report(ctx, report, findings, state, operational)))
    if blocking:
        decision = veto(ctx, _subject(blocking), findings, f"health is {state}: {len(blocking)} blocking finding(s)")
        decision.files.insert(0, out)
        return decision
    decision = handoff(ctx, f"health is {state}; epic is operational", [out], {}, health=state)
    decision.findings = findings
    decision.followups.append(
        {
            "agent": "process",
            "decision": "operational",
            "details": {"summary": f"{ctx.epic.epic_id} is operational (health {state})", "health": state},
        }
    )
    return decision


def _subject(blocking: list[Finding]) -> str:
    return "port_conflict" if all(f.code == "PRC104" for f in blocking) else "unhealthy"


def _report(
    ctx: Context, report: HealthReport, findings: list[Finding], state: str, operational: bool
) -> dict[str, Any]:
    services = []
    for svc in report.services:
        metrics = {
            name: {
                "value": value,
                "level": lvl,
                "warn_at": THRESHOLDS[name][0],
                "critical_at": THRESHOLDS[name][1],
            }
            for name, (value, lvl) in readings(svc).items()
        }
        levels = {m["level"] for m in metrics.values()}
        health = (
            "critical"
            if "critical" in levels or svc.status == "down"
            else "warning"
            if levels - {"healthy"}
            else "healthy"
        )
        services.append(
            {"name": svc.name, "status": svc.status, "port": svc.port, "health": health, "metrics": metrics}
        )
    return {
        "epic_id": ctx.epic.epic_id,
        "iteration": ctx.iteration,
        "timestamp": stamp(ctx.now),
        "overall": state,
        "services": services,
        "port_conflicts": [{"port": p, "services": names} for p, names in port_conflicts(report)],
        "operational": operational,
    }
