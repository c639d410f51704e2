"""``guardians close EPIC --reason TEXT``: a tech lead stops an escalated (or waiting) epic.

The decision is a ``closed`` entry in the epic's log, appended under the
epic's lease like any guardian decision, with who closed it and why. From
then on ``run`` and ``watch`` leave the epic's messages where they are and
say that it is closed; ``log``, ``status`` and the report show the reason.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

from guardians.errors import GuardianError, UsageError
from guardians.store.layout import check_agent, select_epics, stamp

CLOSABLE = ("escalated", "waiting")


def close_epic(
    root: Path,
    epic_id: str,
    reason: str,
    by: str,
    out: IO[str],
    err: IO[str] | None = None,
    *,
    trust_ref: str | None = None,
    signing_key: Path | None = None,
) -> int:
    """Append the closing entry. Exit 0 when closed (or already closed), 2 when it cannot be.

    Under a trust anchor the entry is signed with the guardians' key (as ``run``
    signs), so the log keeps verifying.
    """
    from guardians.engine.commit import lease
    from guardians.store.decision_log import DecisionLog
    from guardians.trust.anchor import load_trust, use
    from guardians.views.status import epic_status

    err = err if err is not None else sys.stderr
    try:
        trust = use(load_trust(root, trust_ref=trust_ref, signing_key=signing_key, signs=True))
        check_agent(by)
        if not reason.strip():
            raise UsageError("--reason must say why the epic is stopped")
        epic = select_epics(root, [epic_id])[0]
        with lease(epic):
            status = epic_status(epic)
            log = DecisionLog.open(epic.log_path, epic.epic_id, trust)
            log.head()  # a log that does not verify is not extended (raises LogCorruptError)
            if status.closed:
                out.write(f"{epic_id} is already closed\n")
                return 0
            if not (status.escalated or status.waiting):
                state = "operational" if status.operational else status.last_text
                raise UsageError(
                    f"{epic_id} is neither escalated nor waiting for an approval (last decision: {state}); "
                    "only a stuck epic is closed"
                )
            entry = log.append(
                {
                    "timestamp": stamp(),
                    "agent": by,
                    "decision": "closed",
                    "epic_id": epic.epic_id,
                    "iteration": status.iteration or 1,
                    "source_document": "guardians close",
                    "previous_artifacts": [],
                    "details": {
                        "summary": f"epic closed by {by}",
                        "reason": " ".join(reason.split())[:2000],
                        "closed": True,
                        "was": "escalated" if status.escalated else "waiting",
                    },
                    "inputs": {},
                    "outputs": {},
                }
            )
    except GuardianError as exc:
        err.write(f"error: {exc}\n")
        return exc.exit_code
    out.write(f"{epic_id} closed by {by} (log entry {entry['seq']}): {entry['details']['reason']}\n")
    return 0
