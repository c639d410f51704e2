"""CI formats of ``lint-migrations`` (github, sarif, junit, gitlab) through validate's reporters.

Findings are adapted into the reporters' :class:`Problem` type (a whole-file
finding has no JSON path), so both commands share one reporter per format.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from guardians.migrations.analyze import MigrationReport
from guardians.rules.base import Finding, Severity

if TYPE_CHECKING:
    from guardians.validate.result import Problem


def _problem(f: Finding) -> Problem:
    from guardians.validate.result import Problem

    rule = (f.extra or {}).get("rule") if isinstance(f.extra, dict) else None
    return Problem(
        file=f.file or "?",
        code=f.code,
        message=f.message,
        fix=f.suggestion or f"see `guardians explain {f.code}`",
        json_path="",
        line=f.line,
        column=f.column,
        keyword=str(rule or f.code),
        severity="error" if f.severity >= Severity.ERROR else "warning",
    )


def catalog() -> dict[str, tuple[str, str]]:
    """code -> (title, fix) of every migration rule, for SARIF rule metadata."""
    from guardians.rules.migration import RULES

    return {rule.code: (rule.name, rule.safer) for rule in RULES}


def write_ci_report(report: MigrationReport, fmt: str, out: IO[str]) -> None:
    from guardians.validate.reporters import make_reporter
    from guardians.validate.result import EpicReport, Summary

    reporter = make_reporter(fmt, out)
    reporter.tool = "guardians lint-migrations"
    reporter.catalog = catalog()
    group = EpicReport(
        name="migrations",
        files=[r.path for r in report.files],
        problems=[_problem(f) for f in report.findings()],
    )
    summary = Summary()
    summary.add(group)
    reporter.epic(group)
    reporter.finish(summary)
