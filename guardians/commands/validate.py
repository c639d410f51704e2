"""``guardians validate``: every artifact, message and log line of every epic
against its schema, plus the cross-file checks (VAL1xx) that no single
schema can express.

Design, for speed and bounded memory:

* epics are walked one at a time, and the files of an epic one at a time; the
  decision log is streamed line by line (each line capped in length);
* a compiled validator decides pass/fail; the explaining one runs only on
  failing documents (``guardians.protocol.validator``);
* line/column positions are computed only for failing files;
* with many epics, two worker processes split them (results keep epic order).

The checks live in ``guardians.validate``; this module runs them and reports.
Exit codes: 0 valid (warnings allowed), 1 problems found, 2 usage error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

from guardians.errors import UsageError
from guardians.validate.plan import iter_reports, plan_paths, progress_bar
from guardians.validate.result import EpicReport, Summary

if TYPE_CHECKING:
    from guardians.validate.triage import Triage

FORMATS = ("text", "json", "github", "junit", "sarif", "gitlab")


def validate_command(
    root: Path | None,
    paths: list[Path],
    fmt: str,
    out: IO[str],
    *,
    err: IO[str] | None = None,
    color: bool | None = None,
    jobs: int | None = None,
    statistics: bool = False,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    baseline: Path | None = None,
    since: str | None = None,
) -> int:
    """Run the checks and report; returns the exit code (0 valid, 1 problems, 2 usage).

    ``since``: a git ref every epic's log must extend; under a trust anchor,
    signed outputs are also checked against the log (``guardians.validate.history``).
    """
    err = err or sys.stderr
    if fmt not in FORMATS:
        err.write(f"Error: unknown format {fmt!r}; use one of {', '.join(FORMATS)}\n")
        return 2
    try:
        plan = plan_paths(root, paths)
        triage = _triage(select, ignore, baseline, statistics, fmt)
    except UsageError as exc:
        err.write(f"Error: {exc}\n")
        return 2
    from guardians.validate.reporters import make_reporter

    reporter = make_reporter(fmt, out, color=color, statistics=statistics)
    summary = Summary()
    workers = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    progress = progress_bar(len(plan.epics))
    try:
        for report in iter_reports(plan, workers):
            triage.apply(report)
            summary.add(report)
            reporter.epic(report)
            if progress is not None:
                progress.update(len(report.files))
        history = _history(plan.epics, since)
        if history is not None:
            triage.apply(history)
            summary.add(history)
            reporter.epic(history)
    except UsageError as exc:
        err.write(f"Error: {exc}\n")
        return 2
    finally:
        if progress is not None:
            progress.close()
    reporter.finish(summary)
    _after_baseline(triage, baseline, err)
    return 1 if summary.errors else 0


def _triage(
    select: tuple[str, ...], ignore: tuple[str, ...], baseline: Path | None, statistics: bool, fmt: str
) -> Triage:
    from guardians.validate.triage import Triage, load_baseline, parse_codes

    if statistics and fmt not in ("text", "json"):
        raise UsageError("--statistics prints a table (text) or a JSON list; use --format text or json")
    known = load_baseline(baseline) if baseline is not None else None
    return Triage(parse_codes(select), parse_codes(ignore), known, recording=baseline is not None and known is None)


def _after_baseline(triage: Triage, baseline: Path | None, err: IO[str]) -> None:
    from guardians.validate.triage import write_baseline

    if baseline is None:
        return
    if triage.recording:
        write_baseline(baseline, triage.recorded)
        err.write(f"wrote {baseline}: {triage.suppressed:,} known problem(s); later runs report only new ones\n")
    elif triage.suppressed:
        err.write(f"{triage.suppressed:,} known problem(s) in {baseline} not shown\n")


def _history(epics: list[tuple[Path, str]], since: str | None) -> EpicReport | None:
    """Append-only against ``since`` and signed outputs against the log; None when neither applies."""
    from guardians.trust.anchor import active

    anchor = active().anchor
    if since is None and anchor is None:
        return None
    from guardians.validate.history import history_report

    merged = EpicReport("history")
    for root, epic_id in epics:
        merged.problems.extend(history_report(root, [epic_id], since, anchor).problems)
    return merged
