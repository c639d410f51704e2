"""What to check and how: which paths are epics and which are loose files,
worker processes for many epics (results keep epic order), the progress bar.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from guardians.errors import UsageError
from guardians.store.layout import EPIC_RE
from guardians.validate.epic import EpicChecker, is_dir
from guardians.validate.result import EpicReport
from guardians.validate.single import check_single, epic_of

PARALLEL_MIN_EPICS = 64
PROGRESS_MIN_FILES = 300


def _displayer(root: Path) -> Callable[[str], str]:
    """Paths shown relative to the current directory when the root is inside it.

    Worked out once per (root, working directory): resolving both paths for
    every epic cost a twentieth of validate's time.
    """
    key = (root, os.getcwd())
    shown = _DISPLAYERS.get(key)
    if shown is None:
        shown = _DISPLAYERS[key] = _make_displayer(root)
    return shown


_DISPLAYERS: dict[tuple[Path, str], Callable[[str], str]] = {}


def _make_displayer(root: Path) -> Callable[[str], str]:
    try:
        prefix = root.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        prefix = root.as_posix()
    if prefix in ("", "."):
        return _identity
    return partial(_join, prefix)


def _identity(rel: str) -> str:
    return rel


def _join(prefix: str, rel: str) -> str:
    return f"{prefix}/{rel}"


def check_epic(root: Path, epic_id: str) -> EpicReport:
    return EpicChecker(root, epic_id, _displayer(root)).run()


def discover(root: Path) -> list[str]:
    base = root / "docs" / "specs"
    try:
        names = [e.name for e in os.scandir(base) if EPIC_RE.fullmatch(e.name) and is_dir(e)]
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(names, key=lambda n: int(n.split("_")[1]))


def iter_epics(root: Path, epic_ids: list[str], jobs: int) -> Iterator[EpicReport]:
    if jobs > 1 and len(epic_ids) >= PARALLEL_MIN_EPICS:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from guardians.protocol.validator import warm_up

        warm_up()
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            yield from pool.map(partial(check_epic, root), epic_ids, chunksize=8)
        return
    for epic_id in epic_ids:
        yield check_epic(root, epic_id)


@dataclass
class Plan:
    """What to check: whole epics (by root) and loose files."""

    epics: list[tuple[Path, str]] = field(default_factory=list)
    files: list[tuple[Path, str]] = field(default_factory=list)


def plan_paths(root: Path | None, paths: list[Path]) -> Plan:
    plan = Plan()
    if not paths:
        base = root if root is not None else Path(".")
        if not base.is_dir():
            raise UsageError(f"root {base} is not a directory")
        if not (base / "docs" / "specs").is_dir():
            raise UsageError(f"no docs/specs/ folder under {base}: is --root the repository root?")
        plan.epics = [(base, e) for e in discover(base)]
        return plan
    if root is not None:
        raise UsageError("give either --root or PATHs, not both")
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"path {path} does not exist")
        if path.is_dir() and not path.is_symlink():
            plan.epics.extend(_epics_in_dir(path))
        else:
            plan.files.append((path, path.as_posix()))
    return plan


def _epics_in_dir(path: Path) -> list[tuple[Path, str]]:
    resolved = path.resolve()
    if (resolved / "docs" / "specs").is_dir():
        return [(path, e) for e in discover(path)]
    for candidate in (resolved, resolved.parent):
        located = epic_of(candidate)
        if located is not None and candidate.name == located[1]:
            root, epic_id = located
            return [(_relative_root(root), epic_id)]
    raise UsageError(f"{path} is neither an epic folder (docs/specs/epic_<N>/) nor a repository root")


def _relative_root(root: Path) -> Path:
    try:
        return root.relative_to(Path.cwd().resolve()) if root.is_absolute() else root
    except ValueError:
        return root


def progress_bar(total_epics: int) -> Any:
    err = sys.stderr
    if os.environ.get("CI") or not err.isatty() or total_epics < 2:
        return None
    return _Progress(total_epics)


class _Progress:
    """A click progress bar on stderr, started once enough files were checked."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.files = 0
        self.bar: Any = None

    def update(self, files: int) -> None:
        self.done += 1
        self.files += files
        if self.bar is None and self.files > PROGRESS_MIN_FILES:
            import click

            self.bar = click.progressbar(length=self.total, label="validating", file=sys.stderr)
            self.bar.__enter__()
            self.bar.update(self.done)
        elif self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def iter_reports(plan: Plan, jobs: int) -> Iterator[EpicReport]:
    by_root: dict[Path, dict[str, None]] = {}  # epic ids in order, each once (a list's `in` made this quadratic)
    for root, epic_id in plan.epics:
        by_root.setdefault(root, {})[epic_id] = None
    for root, ids in by_root.items():
        yield from iter_epics(root, list(ids), jobs)
    if plan.files:
        report = EpicReport("files")
        for path, display in plan.files:
            check_single(path, display, report)
        yield report
