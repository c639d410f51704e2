"""``guardians adopt [EPIC...]``: keep a legacy log and hand-written outputs under consensus/legacy/."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

from guardians.errors import GuardianError
from guardians.store.layout import select_epics


def adopt_command(
    root: Path,
    epic_ids: list[str],
    out: IO[str],
    err: IO[str] | None = None,
    *,
    trust_ref: str | None = None,
    signing_key: Path | None = None,
) -> int:
    """Exit 0 when every epic is adopted (or needed nothing), 2 on a usage error or fault.

    Under a trust anchor the ``adopted`` entry is signed, so the command needs
    the guardians' signing key, as ``run`` does.
    """
    from guardians.engine.adopt import adopt_epic
    from guardians.trust.anchor import load_trust, use

    err = err if err is not None else sys.stderr
    try:
        trust = use(load_trust(root, trust_ref=trust_ref, signing_key=signing_key, signs=True))
        epics = select_epics(root, epic_ids)
    except GuardianError as exc:
        err.write(f"error: {exc}\n")
        return exc.exit_code
    code = 0
    for epic in epics:
        try:
            result = adopt_epic(epic, trust)
        except (GuardianError, OSError) as exc:
            err.write(f"error: {epic.epic_id}: {exc}\n")
            code = 2
            continue
        if not result.changed:
            out.write(f"{epic.epic_id}: nothing to adopt (the log verifies; every guardian output is the guardians')\n")
            continue
        for moved in result.moved:
            why = f" ({moved['problem']})" if moved.get("problem") else ""
            out.write(f"{epic.epic_id}: kept {moved['path']} as {moved['moved_to']}{why}\n")
        out.write(f"{epic.epic_id}: log entry {result.entry_seq} records sha256 of each kept file\n")
    return code
