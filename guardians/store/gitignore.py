"""Keep the guardians' runtime files out of ``git status``.

The lease, the log's append lock, the commit journal and ``guardians send``'s
temp folders are never meant to be committed. The first time the guardians
touch an epic (``init``, ``run``, ``watch``) they create
``consensus/.gitignore`` naming them. An existing ``.gitignore`` is never
changed: it belongs to whoever wrote it.
"""

from __future__ import annotations

import os
from pathlib import Path

GITIGNORE = """\
# Written by guardians: runtime files that are never committed.
# (The decision log, quarantine/ and everything else here are.)
.guardians.lock
.guardians.journal.json
decision_log.jsonl.lock
messages/inbox/*/.tmp/
"""


def ensure_gitignore(consensus: Path) -> bool:
    """Create ``consensus/.gitignore`` when there is none; True when it was created."""
    from guardians.store.atomic import create_exclusive

    path = consensus / ".gitignore"
    try:
        os.lstat(path)  # any entry, even a dangling link, is someone else's
        return False
    except FileNotFoundError:
        pass
    return create_exclusive(path, GITIGNORE.encode())
