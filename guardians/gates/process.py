"""The process guardian: is the deployed service healthy enough to call the epic operational?

With a health series (``guardians probe --watch``) it runs the canary analysis;
otherwise it judges health_report.json. Either way missing data fails closed:
an inconclusive outcome parks the epic and tells the tech lead.
"""

from __future__ import annotations

from typing import Any

from guardians.engine.context import Context, input_finding
from guardians.engine.decision import Decision, OutFile
from guardians.engine.verdicts import dump_json, veto
from guardians.errors import InputError
from guardians.gates.health import inconclusive, operational
from guardians.probe.config import ProbeConfig
from guardians.protocol.models.inputs import HealthReport
from guardians.rules.base import Finding
from guardians.rules.process import HealthInput, check_all, overall, port_conflicts, readings
from guardians.store.layout import stamp


def evaluate(ctx: Context) -> Decision | None:
    from guardians.probe.series import SERIES

    try:
        config = _config(ctx)
    except InputError as exc:
        return veto(ctx, "invalid_artifact", [input_finding(exc)], "probe config is invalid")
    unsigned = _unsigned(ctx, SERIES)
    if unsigned:
        return veto(ctx, "unsigned_evidence", unsigned, "health evidence is not signed by the guardians")
    if (ctx.epic.artifacts / SERIES).exists():
        from guardians.gates.canary import evaluate_series

        return evaluate_series(ctx, config)
    report, problems = ctx.reader.load("health_report.json", "health_report")
    if problems:
        return veto(ctx, "invalid_artifact", problems, "health report missing or invalid")
    inp = HealthInput(report, config)
    findings = check_all(inp)
    state = overall(report, findings)
    blocking = [f for f in findings if f.blocking]
    art = ctx.epic.rel(ctx.epic.artifacts)
    out = OutFile(f"{art}/process_report.json", dump_json(_report(ctx, inp, findings, state, not blocking)))
    if blocking:
        decision = veto(ctx, _subject(blocking), findings, f"health is {state}: {len(blocking)} blocking finding(s)")
        decision.files.insert(0, out)
        return decision
    if state == "inconclusive":
        return inconclusive(ctx, findings, [out], "health is inconclusive: metrics are missing")
    return operational(ctx, state, [out], findings)


def _config(ctx: Context) -> ProbeConfig:
    from guardians.probe.config import load_config

    return load_config(ctx.epic.root, None)


def _subject(blocking: list[Finding]) -> str:
    return "port_conflict" if all(f.code == "PRC104" for f in blocking) else "unhealthy"


def _report(ctx: Context, inp: HealthInput, findings: list[Finding], state: str, operational: bool) -> dict[str, Any]:
    report: HealthReport = inp.report
    services = []
    for svc in report.services:
        limits = inp.limits(svc.name)
        metrics = {
            name: {"value": value, "level": lvl, "warn_at": limits[name][0], "critical_at": limits[name][1]}
            for name, (value, lvl) in readings(svc, limits).items()
        }
        levels = {m["level"] for m in metrics.values()}
        health = (
            "critical"
            if "critical" in levels or svc.status == "down"
            else "inconclusive"
            if any(f.code == "PRC105" and f.message.startswith(f"{svc.name}:") for f in findings)
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
        "operational": operational and state != "inconclusive",
    }


def _unsigned(ctx: Context, series: str) -> list[Finding]:
    """Under a trust anchor, the health evidence this gate reads must be what `guardians probe` signed."""
    from guardians.trust.anchor import active

    if active().anchor is None:
        return []
    from guardians.rules.process import UnsignedHealthEvidence
    from guardians.store.loaders import read_bounded
    from guardians.trust.evidence import check

    path = ctx.epic.artifacts / series
    if not path.exists() and not path.is_symlink():
        path = ctx.epic.artifacts / "health_report.json"
    try:
        data = read_bounded(path, display=ctx.epic.rel(path), max_bytes=64_000_000)
    except InputError:
        return []  # unreadable or missing: the reader below reports it with file and line
    problem = check(path, data)
    return list(UnsignedHealthEvidence.check([(ctx.epic.rel(path), problem)] if problem else []))
