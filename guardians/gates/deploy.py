"""The deploy guardian: is it production ready, and how do we roll it out?"""

from __future__ import annotations

import re
import shlex
from typing import Any

from guardians.engine.context import Context
from guardians.engine.decision import Decision, OutFile
from guardians.engine.verdicts import dump_json, handoff, veto
from guardians.rules.base import Finding
from guardians.rules.deploy import Command, DeployInput, check_all, choose_strategy
from guardians.store.layout import stamp


def evaluate(ctx: Context) -> Decision | None:
    plan, f1 = ctx.reader.load("plan.json", "plan")
    review, f2 = ctx.reader.load("review.json", "review")
    migration, f3 = ctx.reader.load("migration_review.json", "migration_review", required=False)
    if f1 or f2 or f3:
        return veto(ctx, "invalid_artifact", f1 + f2 + f3, "artifacts do not match their schemas")
    from guardians.gates.repo_facts import gather

    ops = plan.operations
    named = [ops.deploy_command, ops.test_command, ops.rollback_command] if ops else []
    inp = DeployInput(
        plan,
        review,
        migration.risk if migration else "low",
        bool(migration.destructive) if migration else False,
        gather(ctx.epic.root, named),
    )
    findings = check_all(inp)
    blocking = [f for f in findings if f.blocking]
    if blocking:
        return veto(ctx, _subject(blocking), findings, f"not production ready: {len(blocking)} blocking finding(s)")
    strategy, reason = choose_strategy(inp)
    files = _render(ctx, inp, strategy, reason)
    decision = handoff(
        ctx,
        f"{strategy} deploy planned ({reason.split(':')[0]})",
        files,
        {"artifacts": [f.path for f in files]},
        strategy=strategy,
        strategy_reason=reason,
    )
    decision.findings = findings
    return decision


def _subject(blocking: list[Finding]) -> str:
    # The most severe finding names the veto; ties keep rule order.
    worst = max(blocking, key=lambda f: f.severity)
    return worst.subject or "not_production_ready"


def _stages(strategy: str, risky: bool) -> list[dict[str, Any]]:
    staging = {
        "stage": "staging",
        "automatic": True,
        "tests": ["smoke", "integration", "migration-dry-run"],
        "rollback_automatic": True,
        "soak_time_hours": 0.5,
        "approval_required": False,
        "canary_percentage": None,
        "canary_duration_hours": None,
    }
    canary = {
        "stage": "canary",
        "automatic": True,
        "tests": ["smoke", "error-rate-below-0.1-percent", "p95-below-200ms"],
        "rollback_automatic": True,
        "soak_time_hours": 2.0,
        "approval_required": False,
        "canary_percentage": 10,
        "canary_duration_hours": 2.0,
    }
    production = {
        "stage": "production",
        "automatic": strategy == "rolling" and not risky,
        "tests": ["smoke"],
        "rollback_automatic": True,
        "soak_time_hours": 1.0 if strategy != "rolling" else 0.5,
        "approval_required": strategy != "rolling" or risky,
        "canary_percentage": None,
        "canary_duration_hours": None,
    }
    return [staging, canary, production] if strategy == "canary" else [staging, production]


def _seconds(value: Any) -> int:
    """time_to_rollback as written by agents: 300, '300', '5m', '5 minutes', '1h'."""
    if isinstance(value, int) and value > 0:
        return value
    m = re.fullmatch(r"\s*(\d+)\s*(s|sec|seconds?|m|min|minutes?|h|hours?)?\s*", str(value or ""))
    if not m:
        return 300
    unit = (m.group(2) or "s")[0]
    return max(1, int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[unit])


def _render(ctx: Context, inp: DeployInput, strategy: str, reason: str) -> list[OutFile]:
    from guardians.protocol.validator import validate_data
    from guardians.views.render import render, render_json

    ops = inp.ops
    assert ops.health_checks and ops.health_checks.readiness and ops.health_checks.liveness
    assert ops.resources and ops.monitoring and inp.plan.rollback_plan
    res = ops.resources
    scaling = res.scaling
    rb = inp.plan.rollback_plan
    deploy_cmd, test_cmd, rollback_cmd = inp.commands()
    procedure = rb.procedure if isinstance(rb.procedure, list) else [rb.procedure]
    context = {
        "epic_id": ctx.epic.epic_id,
        "iteration": ctx.iteration,
        "timestamp": stamp(ctx.now),
        "service": ops.service,
        "strategy": strategy,
        "reason": reason,
        "stages": _stages(strategy, inp.migration_risk == "high"),
        "resources": {"cpu": res.cpu, "memory": res.memory, "replicas": res.replicas},
        # Only numbers the plan gives: no scaling bounds are made up (DEP109 says so).
        "scaling": None
        if scaling is None
        else {"min": scaling.min, "max": scaling.max, "target_cpu": scaling.target_cpu},
        "monitoring": {
            "metrics": [str(m) for m in ops.monitoring.metrics],
            "dashboards": [str(d) for d in ops.monitoring.dashboards],
            "alerts": [a if isinstance(a, str) else str(a.get("name", a)) for a in ops.monitoring.alerts],
        },
        "probes": [("readiness", ops.health_checks.readiness), ("liveness", ops.health_checks.liveness)],
        "readiness": ops.health_checks.readiness,
        "rollback": {
            "triggers": [str(t) for t in rb.trigger_conditions],
            "procedure": [str(p) for p in procedure],
            "seconds": _seconds(rb.time_to_rollback),
        },
        "commands": {"deploy": _step(deploy_cmd), "test": _step(test_cmd), "rollback": _step(rollback_cmd)},
    }
    deployment = render_json("deployment.json.j2", **context)
    problems = validate_data("deployment", deployment)
    if problems:  # our own template is wrong: an internal fault, not the agent's
        raise RuntimeError(f"deployment.json template produced invalid output: {problems[0]}")
    cicd = render("cicd.yaml.j2", **context)
    _check_workflow(cicd)
    art = ctx.epic.rel(ctx.epic.artifacts)
    return [
        OutFile(f"{art}/deployment.json", dump_json(deployment)),
        OutFile(f"{art}/cicd.yaml", cicd.encode()),
        OutFile(f"{art}/runbook.md", render("runbook.md.j2", **context).encode()),
    ]


def _step(cmd: Command) -> dict[str, Any]:
    """A workflow command, or a step that fails saying what is missing (never a made-up script)."""
    if cmd.command is not None:
        return {"command": cmd.command, "source": cmd.source, "per_test": cmd.per_test, "missing": None}
    # The message names the setting, not the absent script, so the file never names one.
    text = f"DEP108: no {cmd.role} command in this repository; set operations.{cmd.role}_command in plan.json"
    return {
        "command": None,
        "source": "missing",
        "per_test": False,
        "missing": cmd.missing,
        "fail": f"echo {shlex.quote('::error::' + text)}; exit 1",
    }


def _check_workflow(text: str) -> None:
    from guardians.protocol.validator import validate_data
    from guardians.store.loaders import load_yaml_text

    problems = validate_data("cicd", load_yaml_text(text, "cicd.yaml"))
    if problems:
        raise RuntimeError(f"cicd.yaml template produced an invalid workflow: {problems[0]}")
