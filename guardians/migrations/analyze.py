"""Public API of the migration analysis engine.

``analyze_text`` is pure: text in, :class:`FileReport` out. ``analyze_paths``
reads files safely (no symlinks, regular files only, size cap, strict
UTF-8), finds rollback files for SQL migrations and calls ``analyze_text``.
Problems reading a file become MIG902 findings, never exceptions.
"""

from __future__ import annotations

import ast
import gc
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import partial
from operator import attrgetter, truth
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from guardians.migrations.engine import Analysis, build_statements, run_rules
from guardians.migrations.layouts import (
    forget_listings,
    has_rollback_file,
    is_rollback_file,
    is_rollback_name,
    needs_no_rollback,
    rollback_candidates,
    rollback_hint,
)
from guardians.migrations.parallel import usable_cpus
from guardians.migrations.reading import read_migration
from guardians.migrations.sandbox import parse_python
from guardians.migrations.sql import SplitError, iter_sql, parse_sql
from guardians.migrations.statement import (
    FILE_ERROR,
    MIGRATION_FILE,
    PARSE_ERROR,
    RawStatement,
)
from guardians.migrations.suppress import Suppressed, apply_suppressions, parse_directives
from guardians.rules.base import Finding, make_finding
from guardians.rules.migration import (
    DESTRUCTIVE_CODES,
    UNSUPPRESSIBLE_CODES,
    ParseError,
    UnreadableFile,
    UnsupportedSyntax,
)

if TYPE_CHECKING:
    from guardians.migrations.django_state import ProjectState
    from guardians.migrations.history import DjangoHistory
    from guardians.migrations.pyast import Translation

__all__ = [
    "FileReport",
    "MigrationReport",
    "Suppressed",
    "analyze_paths",
    "analyze_text",
    "classify_risk",
    "detect_kind",
    "discover",
    "is_destructive",
    "is_rollback_file",
    "rollback_candidates",
]

KINDS = ("sql", "alembic", "django")
_NO_SUPPRESSIONS: Mapping[str, str] = {}
_ANALYSIS_FAILURE_CODES = frozenset({ParseError.code, UnreadableFile.code, UnsupportedSyntax.code})
_ALEMBIC_MARK = re.compile(r"^def\s+upgrade\s*\(", re.MULTILINE)
_DJANGO_MARK = re.compile(r"^class\s+Migration\s*\(\s*(?:[\w.]*\.)?Migration\s*\)", re.MULTILINE)
_GOOSE = re.compile(r"^\s*--\s*\+goose\s+(.*)$", re.IGNORECASE)
_DBMATE = re.compile(r"^\s*--\s*migrate:(up|down)\b(.*)$", re.IGNORECASE)
_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".tox"})


@dataclass(frozen=True)
class FileReport:
    path: str
    kind: str  # "sql" | "alembic" | "django" | "unknown"
    findings: tuple[Finding, ...]
    suppressed: tuple[Suppressed, ...]
    statements: int
    has_rollback: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "statements": self.statements,
            "has_rollback": self.has_rollback,
            "findings": [f.to_dict() for f in self.findings],
            "suppressed": [s.to_dict() for s in self.suppressed],
        }


@dataclass(frozen=True)
class MigrationReport:
    files: tuple[FileReport, ...]
    risk: str  # "low" | "medium" | "high"
    destructive: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def findings(self) -> list[Finding]:
        """Unsuppressed findings of every file, in file order."""
        return [f for report in self.files for f in report.findings]

    def suppressed(self) -> list[Suppressed]:
        return [s for report in self.files for s in report.suppressed]

    def blocking(self) -> list[Finding]:
        return [f for f in self.findings() if f.blocking]

    def summary(self) -> dict[str, Any]:
        findings = self.findings()
        counts = Counter(map(_SEVERITY, findings))  # counted in C, in first-seen order like the findings
        by_severity: dict[str, int] = {}
        for severity, count in counts.items():  # first-seen order, as the findings
            name = str(severity)
            by_severity[name] = by_severity.get(name, 0) + count
        return {
            "files": len(self.files),
            "statements": sum(r.statements for r in self.files),
            "findings": len(findings),
            "blocking": sum(map(truth, map(_BLOCKING, findings))),
            "suppressed": len(self.suppressed()),
            "by_severity": by_severity,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: risk, destructive, summary and per-file findings/suppressed."""
        return {
            "risk": self.risk,
            "destructive": self.destructive,
            "summary": self.summary(),
            "files": [r.to_dict() for r in self.files],
        }


# --------------------------------------------------------------------------- risk


def is_destructive(findings: Iterable[Finding | Suppressed]) -> bool:
    """True if any finding (suppressed or not) is from a destructive rule (MIG1xx)."""
    return any(f.code in DESTRUCTIVE_CODES for f in findings)


def classify_risk(findings: Iterable[Finding | Suppressed]) -> str:
    """``high`` for destructive changes or files that could not be analysed,
    ``medium`` for any other blocking finding (locks, rewrites, no rollback),
    else ``low``. Suppressed entries count: a waiver accepts a risk, it does
    not remove it.
    """
    risk = "low"
    for f in findings:
        if f.code in DESTRUCTIVE_CODES or f.code in _ANALYSIS_FAILURE_CODES:
            return "high"
        if getattr(f, "blocking", True):
            risk = "medium"
    return risk


# --------------------------------------------------------------------------- kinds and rollbacks


def detect_kind(text: str, display_path: str) -> str | None:
    """``sql`` for .sql; ``alembic`` / ``django`` for .py by content; else None."""
    suffix = PurePath(display_path).suffix.lower()
    if suffix == ".sql":
        return "sql"
    if suffix == ".py":
        if _DJANGO_MARK.search(text):
            return "django"
        if _ALEMBIC_MARK.search(text):
            return "alembic"
    return None


def _sql_sections(text: str) -> tuple[str, bool, bool]:
    """Handle goose / dbmate files: (text with the down section blanked, has down, transactional)."""
    if "+goose" not in text and "migrate:" not in text:
        return text, False, False
    lines = text.split("\n")
    section = "up"
    transactional = True
    has_down = False
    for i, line in enumerate(lines):
        goose = _GOOSE.match(line)
        dbmate = _DBMATE.match(line)
        if goose:
            word = goose.group(1).strip().lower()
            if word.startswith("down"):
                section = "down"
            elif word.startswith("up"):
                section = "up"
            elif word.startswith("no transaction"):
                transactional = False
        elif dbmate:
            section = dbmate.group(1).lower()
            if section == "up" and "transaction:false" in dbmate.group(2).replace(" ", "").lower():
                transactional = False
        elif section == "down":
            stripped = line.strip()
            if stripped and not stripped.startswith("--"):
                has_down = True
            lines[i] = ""
    return "\n".join(lines), has_down, transactional


# --------------------------------------------------------------------------- analysis


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _file_error(display_path: str, message: str, line: int = 1, kind: str = "unknown") -> FileReport:
    raw = RawStatement(FILE_ERROR, {"message": message}, "", line, 1)
    stmts = build_statements([raw], file=display_path, dialect="sql", transactional=False)
    findings = tuple(f for f, _ in run_rules(stmts, "sql"))
    return FileReport(display_path, kind, findings, (), 0, False)


@contextmanager
def _gc_paused(*, promote: bool = False) -> Iterator[None]:
    """The parser returns large trees of small dicts; pausing the cyclic GC
    while they are alive avoids repeated full scans (about 2x faster).
    Nothing created during analysis relies on cycle collection.

    ``promote``: the objects still alive at the end (the reports of a whole
    run) move to the oldest generation as they are, instead of being scanned
    by the young collection that the next allocation would start (95 ms
    after 10,000 files). ``gc.freeze()`` then ``gc.unfreeze()`` does that in
    constant time; skipped if the program froze objects itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if promote and gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def analyze_text(
    text: str,
    display_path: str,
    kind: str | None = None,
    *,
    has_rollback: bool | None = None,
    suppressions: Mapping[str, str] = _NO_SUPPRESSIONS,
    django_state: ProjectState | None = None,
) -> FileReport:
    """Analyse one migration's text. Pure: no I/O.

    ``kind`` defaults to :func:`detect_kind`. For SQL, ``has_rollback`` says
    whether a rollback file exists (``analyze_paths`` checks); ``None`` means
    only an in-file down section (goose, dbmate) counts. For Alembic and
    Django, rollback is judged from the file itself. ``suppressions`` maps
    rule codes to approval reasons (per-epic waivers). ``django_state`` is
    what earlier migrations of the app defined (see
    :mod:`guardians.migrations.history`); it is updated with this file's
    operations.
    """
    if not gc.isenabled():  # already paused (analyze_paths): no context manager per file
        return _analyze_text(text, display_path, kind, has_rollback, suppressions, django_state)
    with _gc_paused():
        return _analyze_text(text, display_path, kind, has_rollback, suppressions, django_state)


def _analyze_text(
    text: str,
    display_path: str,
    kind: str | None,
    has_rollback: bool | None,
    suppressions: Mapping[str, str],
    django_state: ProjectState | None = None,
) -> FileReport:
    kind = kind or detect_kind(text, display_path)
    if kind not in KINDS:
        return _file_error(
            display_path, "not recognised as a SQL (.sql), Alembic or Django migration: cannot be analysed"
        )
    if kind == "sql":
        body, in_file_down, transactional = _sql_sections(text)
        analysis, first = _feed_sql(body, display_path, transactional)
        rollback = bool(has_rollback) or in_file_down
        # a file that changes neither schema nor data (queries, settings) has nothing to roll back
        reversible = rollback or analysis.changes == 0
        raws = [
            RawStatement(
                MIGRATION_FILE,
                {"reversible": reversible, "reason": f"no rollback: {rollback_hint()}"},
                first[0] if first else _first_line(body),
                first[1] if first else 1,
                1,
            )
        ]
        directives, bad = parse_directives(body, python=False)
    else:
        try:
            tree = parse_python(text, display_path)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None) or 1
            message = getattr(exc, "msg", None) or str(exc)
            lines = text.splitlines()
            raw = RawStatement(
                PARSE_ERROR,
                {"message": f"Python syntax error: {message}"},
                lines[line - 1] if 0 < line <= len(lines) else "",
                line,
                getattr(exc, "offset", None) or 1,
            )
            raws, rollback, transactional = [raw], False, True
            directives, bad = [], []
            analysis = Analysis(file=display_path, dialect=kind, transactional=transactional)
        else:
            tr = _translate(kind, text, tree, display_path, django_state)
            raws = list(tr.statements)
            rollback = tr.has_rollback
            transactional = tr.transactional
            analysis = Analysis(file=display_path, dialect=kind, transactional=transactional)
            if kind == "alembic" and not tr.has_rollback:
                raws.append(
                    RawStatement(
                        MIGRATION_FILE,
                        {"reversible": False, "reason": tr.rollback_reason},
                        tr.rollback_text,
                        tr.rollback_line,
                        1,
                        tr.rollback_line,
                    )
                )
            directives, bad = parse_directives(text, python=True)
    raws.extend(bad)
    analysis.feed(raws)
    del raws
    pairs = analysis.finish()
    kept, suppressed = apply_suppressions(pairs, directives, suppressions, unsuppressible=UNSUPPRESSIBLE_CODES)
    kept = _in_order(_dedupe(kept))
    return FileReport(display_path, kind, tuple(kept), tuple(suppressed), analysis.statements, rollback)


def _feed_sql(body: str, display_path: str, transactional: bool) -> tuple[Analysis, tuple[str, int] | None]:
    """Parse and check a SQL file piece by piece; returns the analysis and the
    first statement's (text, line). Falls back to one whole parse when the
    file cannot be cut into pieces (see :func:`iter_sql`)."""
    analysis = Analysis(file=display_path, dialect="sql", transactional=transactional)
    first: tuple[str, int] | None = None
    try:
        for raws in iter_sql(body):
            if first is None and raws:
                first = (raws[0].text, raws[0].line)
            analysis.feed(raws)
        return analysis, first
    except SplitError:
        pass
    analysis = Analysis(file=display_path, dialect="sql", transactional=transactional)
    raws = parse_sql(body)
    analysis.feed(raws)
    return analysis, (raws[0].text, raws[0].line) if raws else None


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One framework call can expand to several statements with the same finding."""
    keys = list(map(_DEDUPE_KEY, findings))
    if len(set(keys)) == len(keys):  # the usual case, decided in C
        return findings
    seen: set[tuple[str, int | None, str]] = set()
    out: list[Finding] = []
    for key, f in zip(keys, findings, strict=True):
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _in_order(findings: list[Finding]) -> list[Finding]:
    """Findings by (line, column, code), a missing line or column counting as 0.

    The key is read in C when every line and column is a number. A ``None`` then
    raises TypeError as soon as it is compared with a number (a correct sort
    compares every pair of neighbours it outputs); ``sorted`` leaves ``findings``
    untouched for the general key. Both keys order such findings the same way.
    """
    try:
        return sorted(findings, key=_LOCATION)
    except TypeError:
        return sorted(findings, key=lambda f: (f.line or 0, f.column or 0, f.code))


def _translate(
    kind: str, text: str, tree: ast.Module, display_path: str, django_state: ProjectState | None
) -> Translation:
    """Framework front ends are imported on first use (plain SQL runs never need them)."""
    if kind == "alembic":
        from guardians.migrations import alembic

        return alembic.translate(text, tree)
    from guardians.migrations import django

    return django.translate(text, tree, display_path, django_state)


def _display(path: Path, root: Path | None, prefix: str | None = None) -> str:
    """``path`` relative to ``root`` when it is under it (string operations: this runs per file).

    ``prefix`` is :func:`_root_prefix` of ``root``, computed once per run by callers."""
    if root is not None:
        full = os.path.abspath(path)
        if prefix is None:
            prefix = _root_prefix(root)
        if full.startswith(prefix):
            return full[len(prefix) :].replace(os.sep, "/")
    return path.as_posix()


def _root_prefix(root: Path) -> str:
    return os.path.join(os.path.abspath(root), "")


#: Sort key giving the order of ``sorted(paths)`` about 5x faster: POSIX paths compare by
#: their parts (a tuple compares in C, ``Path.__lt__`` runs Python code per comparison).
_SORT_KEY: Callable[[Path], Any] | None = attrgetter("parts") if os.name == "posix" else None


def discover(paths: Sequence[Path], layout: str = "auto") -> list[Path]:
    """Expand directories into migration files (*.sql, Alembic/Django *.py), sorted.

    Rollback and verification scripts (see :func:`is_rollback_file`) and
    ``__init__.py`` are skipped; symlinked directories are not followed. Files
    given explicitly are kept, except Python files that are neither an Alembic
    revision nor a Django migration (helpers next to the migrations).
    """
    out: list[Path] = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            found: list[Path] = []
            folders = 0  # that hold migrations
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
                parent = os.path.basename(dirpath)
                here = Path(dirpath)  # here / name: half the cost of Path(dirpath, name), per file
                before = len(found)
                for name in sorted(filenames):
                    if name.endswith(".sql"):
                        if not is_rollback_name(name, parent, layout):
                            found.append(here / name)
                    elif name.endswith(".py") and _is_candidate(here / name, layout):
                        found.append(here / name)
                folders += len(found) > before
            # the paths of one folder differ in their last part only: sorted by name, they are in order
            out.extend(found if folders <= 1 and _SORT_KEY is not None else sorted(found, key=_SORT_KEY))
        elif path.suffix.lower() != ".py" or path.is_symlink() or _is_candidate(path, layout):
            out.append(path)
    return out


def _is_candidate(path: Path, layout: str = "auto") -> bool:
    name = path.name
    if name.endswith(".sql"):
        return not is_rollback_file(path, layout)
    if not name.endswith(".py") or name == "__init__.py":
        return False
    if path.is_symlink():
        return True  # reported as refused rather than silently skipped
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(200_000)
    except OSError:
        return True
    return detect_kind(head, name) is not None


#: From this many SQL files on, they are analysed on every core (at most 2): this process and a forked worker.
PARALLEL_MIN_FILES = 64


def _analyze_sql_file(
    job: tuple[Path, str], suppressions: Mapping[str, str], max_bytes: int, layout: str
) -> FileReport:
    path, display = job
    text, error, line = read_migration(path, max_bytes)
    if text is None:
        return _file_error(display, f"{display} {error}", line)
    directory, name = os.path.split(os.fspath(path))
    parent = os.path.basename(directory)
    rollback = (
        is_rollback_name(name, parent, layout)
        or needs_no_rollback(path, layout)
        or has_rollback_file(directory, name, parent, layout)
    )
    return analyze_text(text, display, "sql", has_rollback=rollback, suppressions=suppressions)


_SEVERITY = attrgetter("severity")
_BLOCKING = attrgetter("blocking")
_DEDUPE_KEY = attrgetter("code", "line", "message")
_LOCATION = attrgetter("line", "column", "code")

#: A finding's fields, in order (``make_finding`` takes them so).
_FINDING_FIELDS = attrgetter(*(f.name for f in fields(Finding)))


def _pack(reports: list[FileReport]) -> list[tuple[Any, ...]]:
    """Reports as tuples of plain values, which a worker pickles (and this process
    unpickles) in about half the time of the dataclass objects."""
    return [
        (r.path, r.kind, [_FINDING_FIELDS(f) for f in r.findings], r.suppressed, r.statements, r.has_rollback)
        for r in reports
    ]


def _unpack(packed: list[tuple[Any, ...]]) -> list[FileReport]:
    return [
        FileReport(path, kind, tuple([make_finding(*f) for f in findings]), suppressed, statements, rollback)
        for path, kind, findings, suppressed, statements, rollback in packed
    ]


def _sql_reports(
    jobs: list[tuple[Path, str]], suppressions: Mapping[str, str], max_bytes: int, layout: str, workers: int
) -> Iterator[FileReport]:
    analyze = partial(_analyze_sql_file, suppressions=suppressions, max_bytes=max_bytes, layout=layout)
    if workers > 1 and len(jobs) >= PARALLEL_MIN_FILES:
        from guardians.migrations.parallel import ordered_map

        return ordered_map(analyze, jobs, workers, pack=_pack, unpack=_unpack)
    return map(analyze, jobs)


def analyze_paths(
    paths: Sequence[Path],
    *,
    display_root: Path | None = None,
    suppressions: Mapping[str, str] = _NO_SUPPRESSIONS,
    max_bytes: int = 5_000_000,
    layout: str = "auto",
    include: Callable[[Path], bool] | None = None,
    jobs: int | None = None,
) -> MigrationReport:
    """Read and analyse migration files (directories are expanded with :func:`discover`).

    ``include`` selects which discovered files are reported (``--since``,
    ``exclude``); Django migrations that are not reported still provide the
    state later ones are judged against. Many SQL files are analysed on
    ``jobs`` processes, this one and forked workers (default: the CPUs this
    process may run on, at most 2; see :mod:`guardians.migrations.parallel`); Python
    migrations run in order in this process (Django state carries from file
    to file). Reports keep file order.
    """
    forget_listings()  # directory listings are valid for one run
    history: DjangoHistory | None = None  # created for the first Django migration (imports on demand)
    files = [p for p in discover(paths, layout) if include is None or include(p)]
    prefix = _root_prefix(display_root) if display_root is not None else None
    sql_jobs = [(p, _display(p, display_root, prefix)) for p in files if p.suffix.lower() == ".sql"]
    workers = jobs if jobs is not None else min(2, usable_cpus())
    sql_reports = _sql_reports(sql_jobs, suppressions, max_bytes, layout, workers)
    reports: list[FileReport] = []
    # the whole run, not just each file: reports pile up, and every 700 allocations
    # the collector would scan them again (no cycles are created: measured 0 left)
    with _gc_paused(promote=True):
        for path in files:
            if path.suffix.lower() == ".sql":
                reports.append(next(sql_reports))
                continue
            display = _display(path, display_root, prefix)
            text, error, line = read_migration(path, max_bytes)
            if text is None:
                reports.append(_file_error(display, f"{display} {error}", line))
                continue
            state = None
            if path.suffix == ".py" and _DJANGO_MARK.search(text):
                if history is None:
                    from guardians.migrations.history import DjangoHistory

                    history = DjangoHistory(max_bytes)
                state = history.state_before(path)
            reports.append(analyze_text(text, display, suppressions=suppressions, django_state=state))
    everything: list[Finding | Suppressed] = []
    for report in reports:
        everything.extend(report.findings)
        everything.extend(report.suppressed)
    return MigrationReport(tuple(reports), classify_risk(everything), is_destructive(everything))
