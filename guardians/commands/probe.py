"""``guardians probe``: measure the services, write health_report.json, and with
--watch append samples to the health series and run the canary analysis."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from guardians.errors import EXIT_PROBLEMS
from guardians.probe.config import ProbeConfig


def _probe(epic_id: str, config: ProbeConfig) -> dict[str, Any]:
    from guardians.probe import report, runner
    from guardians.store.layout import stamp

    return report.build(epic_id, stamp(), config, runner.run(config))


def _judge(body: dict[str, Any], config: ProbeConfig) -> tuple[str, list[Any]]:
    """The process guardian's own rules over the report: one answer to "is it healthy?"."""
    from guardians.protocol.models.inputs import HealthReport
    from guardians.rules.process import HealthInput, check_all, overall

    report = HealthReport.model_validate(body)
    findings = check_all(HealthInput(report, config))
    return overall(report, findings), findings


def _print(body: dict[str, Any], out: IO[str], prefix: str = "") -> None:
    for svc in body["services"]:
        metrics = ", ".join(f"{k}={v:g}" for k, v in sorted(svc["metrics"].items()))
        error = f" - {svc['error']}" if svc.get("error") else ""
        out.write(f"{prefix}{svc['name']:<20} {svc['status']:<8} {metrics}{error}\n")
    for conflict in body["port_conflicts"]:
        out.write(f"{prefix}port conflict: {conflict['reason']}\n")


def probe_epic(
    root: Path,
    epic: str,
    config_path: Path | None,
    out: IO[str],
    *,
    watch: bool = False,
    interval: float = 10.0,
    count: int = 1,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Exit 0 when healthy (or the canary succeeded), 1 when critical, down, failed or inconclusive."""
    from guardians.engine.verdicts import dump_json
    from guardians.probe.config import load_config
    from guardians.probe.series import SERIES, append
    from guardians.store.atomic import atomic_write_bytes
    from guardians.store.layout import select_epics
    from guardians.trust.evidence import seal

    target = select_epics(root, [epic])[0]
    config = load_config(root, config_path)
    rounds = count if watch else 1
    body: dict[str, Any] = {}
    for number in range(1, rounds + 1):
        body = _probe(target.epic_id, config)
        report = dump_json(body)
        atomic_write_bytes(target.artifacts / "health_report.json", report)
        seal(target.artifacts / "health_report.json", report)
        if watch:
            append(target.artifacts / SERIES, body, on_written=seal)
            _print(body, out, f"[{number}/{rounds}] ")
            if number < rounds:
                sleep(interval)
    if watch:
        return _analyse(target.artifacts, config, out)
    _print(body, out)
    state, findings = _judge(body, config)
    for finding in findings:
        out.write(f"{finding.code} {finding.message}\n")
    out.write(f"health: {state} (health_report.json written)\n")
    return 0 if state in ("healthy", "warning") else EXIT_PROBLEMS


def _analyse(artifacts: Path, config: ProbeConfig, out: IO[str]) -> int:
    from guardians.probe.analysis import canary_stage_analysis, run_analysis, spec_from_stage
    from guardians.probe.series import SERIES, read
    from guardians.protocol.models.outputs import Deployment
    from guardians.rules.process import check_canary
    from guardians.store.loaders import load_document, read_bounded

    deployment = None
    path = artifacts / "deployment.json"
    if path.exists():
        deployment = Deployment.model_validate(load_document(read_bounded(path), str(path)))
    result = run_analysis(read(artifacts / SERIES), spec_from_stage(canary_stage_analysis(deployment)), config)
    for finding in check_canary(result):
        out.write(f"{finding.code} {finding.message}\n")
    out.write(f"canary analysis: {result.phase} over {result.samples} sample(s)\n")
    return 0 if result.phase == "successful" else EXIT_PROBLEMS
