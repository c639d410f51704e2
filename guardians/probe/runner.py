"""Run every probe at once, each with a deadline. A probe that hangs past its
deadline is reported ``unknown`` (inconclusive) and abandoned: it runs in a
daemon thread, so it can neither block the report nor the process exit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from guardians.probe import checks
from guardians.probe.checks import CheckResult
from guardians.probe.config import ProbeConfig
from guardians.probe.ports import Conflict, conflicts

GRACE_SECONDS = 2.0


@dataclass
class ProbeRun:
    results: list[CheckResult]
    conflicts: list[Conflict] = field(default_factory=list)
    seconds: float = 0.0


def _job(fn: Any, *args: Any) -> tuple[threading.Thread, list[CheckResult]]:
    box: list[CheckResult] = []

    def work() -> None:
        started = time.monotonic()
        try:
            result = fn(*args)
        except Exception as exc:  # a probe bug must not take the guardian down
            result = CheckResult(str(getattr(args[0], "name", "host")), "error", "unknown", error=repr(exc))
        result.seconds = round(time.monotonic() - started, 3)
        box.append(result)

    thread = threading.Thread(target=work, daemon=True, name="probe")
    thread.start()
    return thread, box


def run(config: ProbeConfig) -> ProbeRun:
    started = time.monotonic()
    jobs: list[tuple[str, str, threading.Thread, list[CheckResult]]] = []
    for spec in config.services:
        thread, box = _job(checks.KINDS[spec.kind], spec, config.timeout_seconds)
        jobs.append((spec.name, spec.kind, thread, box))
    if config.host:
        thread, box = _job(checks.host, config.disk_path)
        jobs.append(("host", "host", thread, box))
    # Requests are sequential inside an HTTP probe: its deadline scales with them.
    most = max([s.http.requests for s in config.services if s.http] + [1])
    deadline = started + config.timeout_seconds * most + GRACE_SECONDS
    results: list[CheckResult] = []
    for name, kind, thread, box in jobs:
        thread.join(max(0.0, deadline - time.monotonic()))
        if box:
            results.append(box[0])
        else:
            limit = deadline - started
            results.append(CheckResult(name, kind, "unknown", error=f"probe did not answer within {limit:.1f} s"))
    return ProbeRun(results, conflicts(config), round(time.monotonic() - started, 3))
