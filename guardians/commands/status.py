"""``guardians status``: the board of every epic (computed in :mod:`guardians.views.status`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

from guardians.errors import EXIT_OK, GuardianError, UsageError
from guardians.store.layout import select_epics
from guardians.views.status import FORMATS, write_json, write_table


def show_status(root: Path, *, fmt: str = "table", out: IO[str]) -> int:
    """Print the board of every epic under ROOT. Returns the exit code."""
    try:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
        epics = select_epics(root, [])
    except GuardianError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    if fmt == "json":
        write_json(epics, out)
        return EXIT_OK
    if not epics:
        out.write(f"no epics under {root}/docs/specs\n")
        return EXIT_OK
    write_table(epics, out)
    from guardians.trust.anchor import active

    out.write(f"trust: {active().describe()}\n")
    return EXIT_OK
