"""``guardians lint-migrations PATH...``: configure, analyse, filter, report, return an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from guardians.errors import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, UsageError
from guardians.rules.base import Finding, Severity

if TYPE_CHECKING:
    from guardians.migrations.analyze import MigrationReport, Suppressed
    from guardians.migrations.config import LintConfig

FORMATS = ("text", "json", "github", "sarif", "junit", "gitlab")
_NO_SUPPRESSIONS: Mapping[str, str] = {}


def lint_migrations(
    paths: Sequence[Path],
    *,
    fmt: str = "text",
    fail_on: str | None = None,
    out: IO[str],
    err: IO[str] | None = None,
    suppressions: Mapping[str, str] = _NO_SUPPRESSIONS,
    max_bytes: int = 5_000_000,
    config: Path | None = None,
    use_config: bool = True,
    since: str | None = None,
    baseline: Path | None = None,
    update_baseline: bool = False,
    jobs: int | None = None,
) -> int:
    """Exit 1 if an unsuppressed finding has severity >= ``fail_on``, 0 otherwise, 2 on usage errors.

    ``config`` names the configuration file (default: found from the current
    directory, see :mod:`guardians.migrations.config`); ``since`` keeps only
    files changed since a git ref; ``baseline`` hides findings recorded in
    that file, which is written (and nothing fails) when it does not exist
    yet or ``update_baseline`` is set. ``jobs`` is the number of processes
    that share many SQL files (default: see :func:`analyze_paths`).
    """
    err = err if err is not None else sys.stderr
    options = _Options(
        fmt, fail_on, suppressions, max_bytes, config, use_config, since, baseline, update_baseline, jobs
    )
    try:
        return _lint(paths, options, out, err)
    except UsageError as exc:
        err.write(f"guardians lint-migrations: {exc}\n")
        return EXIT_USAGE


@dataclass(frozen=True, slots=True)
class _Options:
    fmt: str
    fail_on: str | None
    suppressions: Mapping[str, str]
    max_bytes: int
    config: Path | None
    use_config: bool
    since: str | None
    baseline: Path | None
    update: bool
    jobs: int | None


def _lint(paths: Sequence[Path], opt: _Options, out: IO[str], err: IO[str]) -> int:
    from guardians.migrations.analyze import analyze_paths
    from guardians.migrations.config import LintConfig, load_config

    cfg = load_config(opt.config) if opt.use_config else LintConfig()
    level = opt.fail_on or cfg.fail_on or "error"
    problem = _usage_problem(paths, opt.fmt, level)
    if problem:
        raise UsageError(problem)
    threshold = Severity.parse(level)
    changed: set[Path] | None = None
    if opt.since is not None:
        from guardians.migrations.since import changed_since

        changed = changed_since(opt.since, Path.cwd())

    def include(path: Path) -> bool:
        if cfg.excluded(path):
            return False
        return changed is None or path.absolute() in changed

    report = analyze_paths(
        list(paths), display_root=Path.cwd(), suppressions=opt.suppressions, max_bytes=opt.max_bytes,
        layout=cfg.layout, include=include, jobs=opt.jobs,
    )  # fmt: skip
    report = _configured(report, cfg)
    if opt.baseline is not None:
        from guardians.migrations.baseline import load_baseline, new_findings, write_baseline

        if opt.update or not opt.baseline.exists():
            count = write_baseline(opt.baseline, report.findings())
            err.write(f"guardians lint-migrations: baseline {opt.baseline} written with {count} finding(s)\n")
            return EXIT_OK
        known = load_baseline(opt.baseline)
        report = _only(report, lambda fs: new_findings(fs, known))
    _write(report, opt.fmt, out, threshold)
    from guardians.quick_exit import request

    request()  # the report is written and workers are reaped: freeing it all at exit is wasted CPU
    return EXIT_PROBLEMS if any(f.severity >= threshold for f in report.findings()) else EXIT_OK


def _only(report: MigrationReport, keep: Callable[[list[Finding]], list[Finding]]) -> MigrationReport:
    from guardians.migrations.analyze import MigrationReport, classify_risk, is_destructive

    files = tuple(replace(r, findings=tuple(keep(list(r.findings)))) for r in report.files)
    everything: list[Finding | Suppressed] = []
    for r in files:
        everything.extend(r.findings)
        everything.extend(r.suppressed)
    return MigrationReport(files, classify_risk(everything), is_destructive(everything), report.extra)


def _configured(report: MigrationReport, cfg: LintConfig) -> MigrationReport:
    """Findings as the configuration asks: selected, not ignored, severities replaced."""
    if cfg.source is None:
        return report

    def keep(findings: list[Finding]) -> list[Finding]:
        path = Path(findings[0].file or "") if findings else None
        return [cfg.adjust(f) for f in findings if cfg.keeps(f, path)]

    return _only(report, keep)


def _write(report: MigrationReport, fmt: str, out: IO[str], threshold: Severity) -> None:
    if fmt == "json":
        from guardians.migrations.lint import write_json

        write_json(report, out)
    elif fmt == "text":
        from guardians.migrations.lint import write_text

        write_text(report, out, threshold)
    else:
        from guardians.migrations.formats import write_ci_report

        write_ci_report(report, fmt, out)


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
