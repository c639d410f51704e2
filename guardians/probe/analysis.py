"""Canary analysis of a health series, after Argo Rollouts' AnalysisRun and Flagger.

Each sample yields one measurement per (service, metric): ``successful`` when
the value is below the success bound, ``failed`` at or above the failure bound,
``inconclusive`` in between, ``error`` when the value is missing (the probe
failed or timed out). The built-in metric ``up`` is successful for a service
that is up, failed for one that is down. A (service, metric) run fails when
failed measurements exceed ``failure_limit`` or consecutive errors exceed
``consecutive_error_limit``; it is inconclusive when inconclusive measurements
exceed ``inconclusive_limit`` or it has no successful measurement. The analysis
is failed if any run failed, else inconclusive if any run is, else successful.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Pair = tuple[float, float]


@dataclass(frozen=True)
class Condition:
    success_below: float
    failure_at: float


@dataclass(frozen=True)
class AnalysisSpec:
    conditions: dict[str, Condition] = field(default_factory=dict)  # metric -> bounds, for every service
    failure_limit: int = 0
    inconclusive_limit: int = 0
    consecutive_error_limit: int = 4
    min_samples: int = 1


@dataclass
class MetricRun:
    service: str
    metric: str
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    consecutive_errors: int = 0
    max_consecutive_errors: int = 0
    failed_samples: list[dict[str, Any]] = field(default_factory=list)
    phase: str = "successful"

    def add(self, outcome: str, sample: int, value: Any) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if outcome == "error":
            self.consecutive_errors += 1
            self.max_consecutive_errors = max(self.max_consecutive_errors, self.consecutive_errors)
        else:
            self.consecutive_errors = 0
        if outcome in ("failed", "error"):
            self.failed_samples.append({"sample": sample, "outcome": outcome, "value": value})


@dataclass
class Analysis:
    phase: str  # successful | failed | inconclusive
    samples: int
    runs: list[MetricRun]
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "samples": self.samples,
            "reason": self.reason,
            "runs": [{k: v for k, v in vars(r).items() if k != "consecutive_errors"} for r in self.runs],
        }


def _measure(value: Any, cond: Condition) -> str:
    if value is None:
        return "error"
    number = float(value)
    if number >= cond.failure_at:
        return "failed"
    return "successful" if number < cond.success_below else "inconclusive"


def _up(status: str | None) -> str:
    return {"up": "successful", "down": "failed", "degraded": "inconclusive"}.get(status or "", "error")


def analyze(
    samples: list[dict[str, Any]],
    spec: AnalysisSpec,
    thresholds: dict[str, dict[str, Pair]],
    required: dict[str, tuple[str, ...]],
) -> Analysis:
    """``thresholds``/``required``: per service, from the probe config (defaults for unknown services)."""
    if len(samples) < spec.min_samples:
        why = f"{len(samples)} sample(s), at least {spec.min_samples} needed"
        return Analysis("inconclusive", len(samples), [], why)
    runs: dict[tuple[str, str], MetricRun] = {}
    for number, sample in enumerate(samples, 1):
        by_name = {str(s.get("name")): s for s in sample.get("services", []) if isinstance(s, dict)}
        for name in sorted(set(by_name) | set(required)):
            svc = by_name.get(name, {})
            metrics = svc.get("metrics") or {}
            run = runs.setdefault((name, "up"), MetricRun(name, "up"))
            run.add(_up(svc.get("status")), number, svc.get("status"))
            for metric in required.get(name, tuple(metrics)):
                warn, crit = thresholds.get(name, {}).get(metric, (float("inf"), float("inf")))
                cond = spec.conditions.get(metric, Condition(warn, crit))
                value = metrics.get(metric)
                runs.setdefault((name, metric), MetricRun(name, metric)).add(_measure(value, cond), number, value)
    for run in runs.values():
        if run.failed > spec.failure_limit or run.max_consecutive_errors > spec.consecutive_error_limit:
            run.phase = "failed"
        elif run.inconclusive > spec.inconclusive_limit or run.successful == 0:
            run.phase = "inconclusive"
    ordered = sorted(runs.values(), key=lambda r: (r.service, r.metric))
    phases = {r.phase for r in ordered}
    if "failed" in phases:
        phase = "failed"
    elif "inconclusive" in phases or not ordered:
        phase = "inconclusive"
    else:
        phase = "successful"
    return Analysis(phase, len(samples), ordered)


def spec_from_stage(analysis: Any) -> AnalysisSpec:
    """AnalysisSpec from deployment.json's canary stage ``analysis`` (None: the defaults)."""
    if analysis is None:
        return AnalysisSpec()
    conditions = {m.metric: Condition(m.success_below, m.failure_at) for m in analysis.metrics}
    return AnalysisSpec(
        conditions,
        analysis.failure_limit,
        analysis.inconclusive_limit,
        analysis.consecutive_error_limit,
        analysis.min_samples,
    )


def canary_stage_analysis(deployment: Any) -> Any:
    if deployment is None:
        return None
    stage = next((s for s in deployment.deployment_strategy.stages if s.stage == "canary"), None)
    return getattr(stage, "analysis", None) if stage is not None else None


def run_analysis(samples: list[dict[str, Any]], spec: AnalysisSpec, config: Any) -> Analysis:
    """The one analysis entry point: thresholds and required metrics per service from the probe config."""
    names = {str(s.get("name")) for sample in samples for s in sample.get("services", []) if isinstance(s, dict)}
    names |= {s.name for s in config.services} | ({"host"} if config.host else set())
    thresholds = {n: config.thresholds_for(n) for n in names}
    required = {n: r for n in names if (r := config.required_for(n)) is not None}
    return analyze(samples, spec, thresholds, required)
