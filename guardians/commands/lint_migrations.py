"""``guardians lint-migrations PATH...``: analyse migration files with the MIG rules and report."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from guardians.errors import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from guardians.rules.base import Severity

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
    from guardians.migrations.analyze import analyze_paths
    from guardians.migrations.lint import write_json, write_text

    err = err if err is not None else sys.stderr
    problem = _usage_problem(paths, fmt, fail_on)
    if problem:
        err.write(f"guardians lint-migrations: {problem}\n")
        return EXIT_USAGE
    threshold = Severity.parse(fail_on)
    report = analyze_paths(list(paths), display_root=Path.cwd(), suppressions=suppressions, max_bytes=max_bytes)
    if fmt == "json":
        write_json(report, out)
    else:
        write_text(report, out, threshold)
    return EXIT_PROBLEMS if any(f.severity >= threshold for f in report.findings()) else EXIT_OK


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
