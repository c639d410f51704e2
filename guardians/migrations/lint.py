"""Core of ``guardians lint-migrations``: analyse files, print, return an exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from guardians.migrations.analyze import MigrationReport, analyze_paths
from guardians.rules.base import Finding, Severity

FORMATS = ("text", "json")
_NO_SUPPRESSIONS: Mapping[str, str] = {}


def lint_migrations(
    paths: Sequence[Path],
    *,
    fmt: str = "text",
    fail_on: str = "error",
    out: IO[str],
    err: IO[str] | None = None,
    suppressions: Mapping[str, str] = _NO_SUPPRESSIONS,
    max_bytes: int = 5_000_000,
) -> int:
    """Exit 1 if an unsuppressed finding has severity >= ``fail_on``, 0 otherwise, 2 on usage errors."""
    err = err if err is not None else sys.stderr
    problem = _usage_problem(paths, fmt, fail_on)
    if problem:
        err.write(f"guardians lint-migrations: {problem}\n")
        return 2
    threshold = Severity.parse(fail_on)
    report = analyze_paths(list(paths), display_root=Path.cwd(), suppressions=suppressions, max_bytes=max_bytes)
    if fmt == "json":
        _write_json(report, out)
    else:
        _write_text(report, out, threshold)
    return 1 if any(f.severity >= threshold for f in report.findings()) else 0


def _usage_problem(paths: Sequence[Path], fmt: str, fail_on: str) -> str | None:
    if not paths:
        return "give at least one file or directory"
    if fmt not in FORMATS:
        return f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})"
    try:
        Severity.parse(fail_on)
    except KeyError:
        return f"unknown --fail-on level {fail_on!r} (choose from info, warning, error, critical)"
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        return "no such file or directory: " + ", ".join(missing)
    return None


def _write_json(report: MigrationReport, out: IO[str]) -> None:
    """One JSON document; one finding per line (the C encoder keeps large outputs fast)."""
    dumps = json.dumps

    def items(values: list[dict[str, object]]) -> str:
        if not values:
            return "[]"
        return "[\n    " + ",\n    ".join(dumps(v, ensure_ascii=False) for v in values) + "\n  ]"

    summary = report.summary()
    out.write(
        "{\n"
        f'  "risk": {dumps(report.risk)},\n'
        f'  "destructive": {dumps(report.destructive)},\n'
        f'  "summary": {dumps(summary)},\n'
        f'  "findings": {items([f.to_dict() for f in report.findings()])},\n'
        f'  "suppressed": {items([s.to_dict() for s in report.suppressed()])}\n'
        "}\n"
    )


def _write_text(report: MigrationReport, out: IO[str], threshold: Severity) -> None:
    findings = report.findings()
    for f in findings:
        out.write(_format(f))
    for s in report.suppressed():
        out.write(f"{s.file}:{s.line}: {s.code} suppressed ({s.source}): {s.reason}\n")
    counts: dict[str, int] = {}
    for f in findings:
        counts[str(f.severity)] = counts.get(str(f.severity), 0) + 1
    detail = ", ".join(f"{n} {sev}" for sev, n in sorted(counts.items(), key=lambda kv: -Severity.parse(kv[0])))
    failing = sum(1 for f in findings if f.severity >= threshold)
    statements = sum(r.statements for r in report.files)
    out.write(
        f"{len(findings)} finding(s){f' ({detail})' if detail else ''}, {len(report.suppressed())} suppressed, "
        f"in {len(report.files)} file(s) / {statements} statement(s); risk: {report.risk}; "
        f"{failing} at or above {threshold}\n"
    )


def _format(f: Finding) -> str:
    lines = [f"{f.file}:{f.line or 1}:{f.column or 1}: {f.code} [{f.severity}] {f.message}\n"]
    if f.statement:
        lines.append(f"    {f.statement}\n")
    if f.suggestion:
        lines.append(f"    fix: {f.suggestion}\n")
    return "".join(lines)
