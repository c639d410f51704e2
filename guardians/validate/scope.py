"""Where a path lies in the protocol, from the path alone, with nothing but ``os``.

The write hook runs before every file write of a coding agent, and most
writes are nowhere near an epic. This module answers "is this under
``docs/specs/epic_<N>/``, and where?" without importing anything heavier
(no pathlib, re or dataclasses: each costs more than the answer), and
:mod:`guardians.validate.draft` builds its classification on the same answer.
"""

from __future__ import annotations

import os

Location = tuple[str, str, tuple[str, ...]]  # (repository root, epic id, parts below the epic folder)


def is_epic_id(name: str) -> bool:
    """``epic_`` and 1-9 ASCII digits (the allowlist of ``store.layout.EPIC_RE``)."""
    digits = name[5:]
    return name.startswith("epic_") and 1 <= len(digits) <= 9 and digits.isascii() and digits.isdigit()


def locate(path: str) -> Location | None:
    """Where ``path`` (absolute, or relative to the current directory) lies; None outside every epic.

    ``..`` is resolved lexically first, so ``consensus/x/../decision_log.jsonl``
    is the log. The innermost ``docs/specs/epic_<N>`` wins.
    """
    absolute = os.path.normpath(os.path.join(os.getcwd(), path))
    parts = absolute.split(os.sep)
    for i in range(len(parts) - 1, 2, -1):
        if is_epic_id(parts[i]) and parts[i - 1] == "specs" and parts[i - 2] == "docs":
            return os.sep.join(parts[: i - 2]) or os.sep, parts[i], tuple(parts[i + 1 :])
    return None


def resolved(path: str) -> str | None:
    """Where ``path`` leads when a symlink is on the way (None when it leads to itself)."""
    absolute = os.path.normpath(os.path.join(os.getcwd(), path))
    real = os.path.realpath(absolute)
    return None if real == absolute else real


def in_consensus(path: str) -> bool:
    """True when ``path``, or where it leads, is inside an epic's ``consensus/`` folder."""
    for candidate in (path, resolved(path)):
        found = locate(candidate) if candidate is not None else None
        if found is not None and len(found[2]) >= 2 and found[2][0] == "consensus":
            return True
    return False
