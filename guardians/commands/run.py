"""``guardians run``: decide every pending message, epic by epic, until none is left."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import IO, Any

from guardians.engine.commit import process_epic
from guardians.engine.decision import Decision
from guardians.errors import EXIT_USAGE, GuardianError
from guardians.store.inbox import SETTLE_INVALID
from guardians.store.layout import select_epics

POLL = 0.1


def run_pipeline(
    root: Path,
    epic_ids: list[str],
    out: IO[str],
    *,
    wait_for_writers: bool = True,
    err: IO[str] | None = None,
    fmt: str = "text",
) -> int:
    """Exit 0 when everything pending was decided; 2 on usage errors or faults.

    Messages written directly into an inbox (not via ``guardians send``) may
    still be in progress; they are waited for until their mtime settles.
    Decisions go to ``out`` (a line each, or with ``fmt="json"`` a JSON
    object each: docs/machine-contract.md), errors to ``err``.
    """
    err = err if err is not None else sys.stderr
    try:
        epics = select_epics(root, epic_ids)
    except GuardianError as exc:
        err.write(f"error: {exc}\n")
        return exc.exit_code
    if not epics:
        if fmt == "json":
            return 0
        out.write(f"nothing to do: no epics under {root / 'docs' / 'specs'} (create one with `guardians init EPIC`)\n")
        return 0

    def show(decision: Decision) -> None:
        out.write((json.dumps(decision_json(decision)) if fmt == "json" else decision.line()) + "\n")
        out.flush()

    total = 0
    deadline = time.monotonic() + SETTLE_INVALID + 1.0
    todo = epics
    while todo:
        waiting = []
        for epic in todo:
            try:
                result = process_epic(epic, on_decision=show)
            except GuardianError as exc:
                err.write(f"error: {epic.epic_id}: {exc}\n")
                return EXIT_USAGE
            total += len(result.decisions)
            if result.closed and todo is epics:  # said once, on the first pass
                out.write(f"{epic.epic_id} {result.closed}; its messages are left alone\n")
            if result.deferred:
                waiting.append(epic)
        if not waiting or not wait_for_writers or time.monotonic() > deadline:
            break
        time.sleep(POLL)
        todo = waiting
    if total == 0 and fmt != "json":
        out.write("nothing to do: no pending messages\n")
    return 0


def decision_json(decision: Decision) -> dict[str, Any]:
    """One decision of ``guardians run --format json`` (a stable shape: docs/machine-contract.md)."""
    return {
        "epic_id": decision.epic_id,
        "iteration": decision.iteration,
        "agent": decision.agent,
        "decision": decision.decision,
        "subject": decision.subject,
        "summary": decision.summary,
        "findings": [f.to_dict() for f in decision.findings],
        "outputs": [f.path for f in decision.files],
    }
