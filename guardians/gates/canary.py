"""The process guardian's canary analysis: judge the health series, not one report."""

from __future__ import annotations

from typing import Any

from guardians.engine.context import Context, input_finding
from guardians.engine.decision import Decision, OutFile
from guardians.engine.verdicts import dump_json, veto
from guardians.errors import InputError
from guardians.gates.health import inconclusive, operational
from guardians.probe.analysis import Analysis, AnalysisSpec, canary_stage_analysis, run_analysis, spec_from_stage
from guardians.probe.config import ProbeConfig
from guardians.rules.process import check_canary
from guardians.store.layout import stamp


def evaluate_series(ctx: Context, config: ProbeConfig) -> Decision:
    from guardians.probe.series import SERIES, read
    from guardians.store.loaders import sha256_bytes

    path = ctx.epic.artifacts / SERIES
    rel = ctx.epic.rel(path)
    try:
        samples = read(path, rel)
        ctx.reader.inputs[rel] = sha256_bytes(path.read_bytes())
    except InputError as exc:
        return veto(ctx, "invalid_artifact", [input_finding(exc)], "health series is unreadable")
    spec, problems = _spec(ctx)
    if problems:
        return veto(ctx, "invalid_artifact", problems, "deployment.json is invalid")
    result = run_analysis(samples, spec, config)
    findings = check_canary(result)
    art = ctx.epic.rel(ctx.epic.artifacts)
    out = OutFile(f"{art}/process_report.json", dump_json(_report(ctx, result, spec)))
    if result.phase == "failed":
        decision = veto(ctx, "canary_failed", findings, f"canary analysis failed over {result.samples} sample(s)")
        decision.files.insert(0, out)
        return decision
    if result.phase == "inconclusive":
        return inconclusive(ctx, findings, [out], f"canary analysis inconclusive over {result.samples} sample(s)")
    return operational(ctx, "healthy", [out], findings)


def _spec(ctx: Context) -> tuple[AnalysisSpec, list[Any]]:
    """The canary stage's `analysis` in deployment.json, or the defaults (bounds from the thresholds)."""
    deployment, problems = ctx.reader.load("deployment.json", "deployment", required=False)
    if problems:
        return AnalysisSpec(), problems
    return spec_from_stage(canary_stage_analysis(deployment)), []


def _report(ctx: Context, result: Analysis, spec: AnalysisSpec) -> dict[str, Any]:
    return {
        "epic_id": ctx.epic.epic_id,
        "iteration": ctx.iteration,
        "timestamp": stamp(ctx.now),
        "overall": {"successful": "healthy", "failed": "critical"}.get(result.phase, "inconclusive"),
        "operational": result.phase == "successful",
        "canary": {
            **result.to_dict(),
            "spec": {
                "failure_limit": spec.failure_limit,
                "inconclusive_limit": spec.inconclusive_limit,
                "consecutive_error_limit": spec.consecutive_error_limit,
                "min_samples": spec.min_samples,
                "conditions": {k: vars(v) for k, v in spec.conditions.items()},
            },
        },
    }
