"""Turn a probe run into health_report.json (and a series sample)."""

from __future__ import annotations

from typing import Any

from guardians.probe.config import ProbeConfig
from guardians.probe.runner import ProbeRun


def build(epic_id: str, timestamp: str, config: ProbeConfig, run: ProbeRun) -> dict[str, Any]:
    specs = {s.name: s for s in config.services}
    services = []
    for res in run.results:
        spec = specs.get(res.service)
        entry: dict[str, Any] = {
            "name": res.service,
            "kind": res.kind,
            "status": res.status,
            "host": spec.host if spec else "127.0.0.1",
            "metrics": res.metrics,
            "required_metrics": list(config.required_for(res.service) or ()),
            "thresholds": {m: list(p) for m, p in sorted(config.thresholds_for(res.service).items())},
            "probe_seconds": res.seconds,
        }
        if spec is not None and spec.port is not None:
            entry["port"] = spec.port
        if res.error:
            entry["error"] = res.error
        if res.details:
            entry["details"] = res.details
        services.append(entry)
    return {
        "epic_id": epic_id,
        "timestamp": timestamp,
        "source": "guardians probe",
        "services": services,
        "port_conflicts": [{"port": c.port, "services": list(c.services), "reason": c.reason} for c in run.conflicts],
        "probe_seconds": run.seconds,
    }
