"""``guardians report EPIC --html FILE``: write the page rendered by :mod:`guardians.views.html_report`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

from guardians.errors import EXIT_OK, EXIT_USAGE, GuardianError, UsageError
from guardians.store.layout import select_epics


def write_report(root: Path, epic_id: str, html: Path, *, out: IO[str]) -> int:
    """Render EPIC's report into HTML (``-``: standard output). Returns the exit code."""
    from guardians.store.atomic import atomic_write_bytes
    from guardians.views.html_report import render_report

    try:
        epics = select_epics(root, [epic_id])
        if str(html) != "-":
            _check_target(html)
        page = render_report(epics[0])
    except GuardianError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    data = page.encode("utf-8")
    if str(html) == "-":
        out.write(page)
        return EXIT_OK
    try:
        atomic_write_bytes(html, data)
    except OSError as exc:
        sys.stderr.write(
            f"error: cannot write {html}: {exc.strerror or exc}; pick a writable file (or `-` for stdout)\n"
        )
        return EXIT_USAGE
    out.write(f"wrote {html} ({len(data)} bytes)\n")
    return EXIT_OK


def _check_target(html: Path) -> None:
    """Write only regular files: a device node, FIFO, link or directory at PATH is left alone."""
    from guardians.store.safepaths import UnsafePathError, check_output_path

    if html.is_dir() and not html.is_symlink():
        raise UsageError(f"--html {html} is a directory; give a file name")
    try:
        check_output_path(html)
    except UnsafePathError as exc:
        raise UsageError(f"--html {exc}") from None
