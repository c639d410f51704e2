"""``guardians init EPIC``: create an epic's folders without touching existing files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from guardians.errors import GuardianError
from guardians.store.layout import GUARDIANS, UPSTREAM, Epic

EPIC_MD = """# {epic}

Describe the epic here. Agents write their artifacts to `consensus/artifacts/`
and deliver messages with `guardians send {epic} --to AGENT FILE`.
"""


def init_epic(root: Path, epic_id: str, out: IO[str], fmt: str = "text") -> int:
    try:
        epic = Epic.at(root, epic_id)
    except GuardianError as exc:
        out.write(json.dumps({"ok": False, "error": str(exc)}) + "\n" if fmt == "json" else f"error: {exc}\n")
        return exc.exit_code
    from guardians.store.atomic import create_exclusive

    created = []
    for folder in [epic.artifacts, epic.checkpoints, *(epic.inbox(a) for a in (*GUARDIANS, *UPSTREAM))]:
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            created.append(folder)
    from guardians.store.gitignore import ensure_gitignore

    if ensure_gitignore(epic.consensus):
        created.append(epic.consensus / ".gitignore")
    md = epic.dir / f"{epic_id}.md"
    if create_exclusive(md, EPIC_MD.format(epic=epic_id).encode()):
        created.append(md)
    if fmt == "json":
        out.write(json.dumps({"ok": True, "epic_id": epic_id, "created": [epic.rel(p) for p in created]}) + "\n")
        return 0
    for path in created:
        out.write(f"created {epic.rel(path)}\n")
    if not created:
        out.write(f"{epic_id} already exists; nothing changed\n")
    return 0
