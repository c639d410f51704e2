"""``guardians run``: decide every pending message, epic by epic, until none is left."""

from __future__ import annotations

import errno
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from guardians.engine.commit import process_epic
from guardians.engine.decision import Decision
from guardians.errors import EXIT_USAGE, GuardianError
from guardians.store.inbox import SETTLE_INVALID
from guardians.store.layout import Epic, select_epics

if TYPE_CHECKING:
    from guardians.trust.anchor import Trust

POLL = 0.1


def run_pipeline(
    root: Path,
    epic_ids: list[str],
    out: IO[str],
    *,
    wait_for_writers: bool = True,
    err: IO[str] | None = None,
    fmt: str = "text",
    trust_ref: str | None = None,
    signing_key: Path | None = None,
) -> int:
    """Exit 0 when everything pending was decided; 2 on usage errors or faults.

    Messages written directly into an inbox (not via ``guardians send``) may
    still be in progress; they are waited for until their mtime settles.
    Decisions go to ``out`` (a line each, or with ``fmt="json"`` a JSON
    object each: docs/machine-contract.md), errors to ``err``.
    One epic's fault (a damaged log, a log that does not verify, a symlinked
    inbox, ...) never stops the others: every epic that can be decided is, and
    the failed ones are listed at the end with exit code 2. A disk I/O error
    stops the run at once. The last line on ``err`` says whether the log is
    signed (``trust_ref``/``signing_key``: docs/security.md).
    """
    from guardians.trust.anchor import load_trust, use

    err = err if err is not None else sys.stderr
    try:
        epics = select_epics(root, epic_ids)
        # Process-wide too: gates that read other signed evidence (checkpoints) check it against the same anchor.
        trust = use(load_trust(root, trust_ref=trust_ref, signing_key=signing_key, signs=True))
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
    failed: dict[str, str] = {}
    deadline = time.monotonic() + SETTLE_INVALID + 1.0
    todo = epics
    try:
        while todo:
            decided, waiting = _one_pass(todo, show, failed, err, out if todo is epics else None, trust)
            total += decided
            if not waiting or not wait_for_writers or time.monotonic() > deadline:
                break
            time.sleep(POLL)
            todo = waiting
    except _DiskFailed:
        # After an fsync EIO the kernel may have dropped the pages: going on
        # could report success over lost writes.
        err.write("error: disk I/O error: stopping (see docs/protocol.md)\n")
        return EXIT_USAGE
    if total == 0 and not failed and fmt != "json":
        out.write("nothing to do: no pending messages\n")
    err.write(f"trust: {trust.describe()}\n")
    if failed:
        err.write(f"error: {len(failed)} of {len(epics)} epic(s) could not be decided: {', '.join(failed)}\n")
        return EXIT_USAGE
    return 0


class _DiskFailed(Exception):
    pass


def _one_pass(
    todo: list[Epic],
    show: Callable[[Decision], None],
    failed: dict[str, str],
    err: IO[str],
    notes: IO[str] | None,
    trust: Trust,
) -> tuple[int, list[Epic]]:
    """Decide each epic in turn; an epic's fault is recorded and the next epic goes on."""
    decided = 0
    waiting: list[Epic] = []
    for epic in todo:
        try:
            result = process_epic(epic, on_decision=show, trust=trust)
        except Exception as exc:
            failed[epic.epic_id] = _describe(exc)
            err.write(f"error: {epic.epic_id}: {failed[epic.epic_id]}\n")
            if isinstance(exc, OSError) and exc.errno == errno.EIO:
                raise _DiskFailed from exc
            continue
        for note in result.notes:
            err.write(f"warning: {note}\n")
        decided += len(result.decisions)
        if result.closed and notes is not None:  # said once, on the first pass
            notes.write(f"{epic.epic_id} {result.closed}; its messages are left alone\n")
        if result.deferred:
            waiting.append(epic)
    return decided, waiting


def _describe(exc: Exception) -> str:
    """A GuardianError says what is wrong and where; anything else also names its type."""
    if isinstance(exc, GuardianError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


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
