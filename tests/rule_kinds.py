"""How rule cases of the deploy, backup, process and common kinds are run.

Deploy and process cases are JSON merge patches (RFC 7386: ``null`` deletes)
applied to the artifacts of ``examples/clean``, so each case shows only what
differs from a production-ready change.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import EXAMPLES

_ART = EXAMPLES / "clean" / "docs" / "specs" / "epic_1" / "consensus" / "artifacts"


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _base(name: str) -> Any:
    return json.loads((_ART / name).read_text())


def run_deploy(rule: Any, case: dict[str, Any]) -> list[str]:
    from guardians.rules.deploy import build_input

    inp = build_input(
        merge_patch(_base("plan.json"), case.get("plan", {})),
        merge_patch(_base("review.json"), case.get("review", {})),
        case.get("migration"),
    )
    return [f.code for f in rule.check(inp)]


def run_backup(rule: Any, case: dict[str, Any]) -> list[str]:
    from guardians.rules.backup import build_input

    return [f.code for f in rule.check(build_input(case))]


def run_process(rule: Any, case: dict[str, Any]) -> list[str]:
    from guardians.rules.process import build_input

    return [f.code for f in rule.check(build_input(merge_patch(_base("health_report.json"), case)))]


def run_common(rule: Any, case: dict[str, Any]) -> list[str]:
    return [f.code for f in rule.check(**case)]


KINDS = {"deploy": run_deploy, "backup": run_backup, "process": run_process, "common": run_common}
