"""``guardians log anchor``: ``(epic, seq, head)`` for an outside record of every log."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from guardians.errors import GuardianError


def log_anchor(root: Path, epic_ids: list[str], out: IO[str]) -> int:
    """One line per epic: epic id, seq of the last guardian entry, chain head after the last line.

    Record these where agents cannot write (a CI artifact, another repository);
    a later log that does not reach the same head at that seq was truncated
    or rewritten. Exit 1 when a log does not verify.
    """
    from guardians.store.decision_log import verify_file
    from guardians.store.layout import select_epics
    from guardians.trust.anchor import active

    try:
        epics = select_epics(root, epic_ids)
    except GuardianError as exc:
        out.write(f"error: {exc}\n")
        return exc.exit_code
    status = 0
    for epic in epics:
        result = verify_file(epic.log_path, epic.epic_id, active().anchor)
        if not result.ok:
            out.write(f"error: {epic.rel(epic.log_path)}:{result.line}: {result.problem}\n")
            status = 1
            continue
        out.write(f"({epic.epic_id}, {result.seq}, {result.head})\n")
    return status
