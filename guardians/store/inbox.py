"""Inboxes: which files are pending, when a file is complete, where it goes.

Layout of ``messages/inbox/<agent>/``:

* ``*.yaml|*.yml|*.json`` at the top level: pending messages (new);
* ``.tmp/``: where ``guardians send`` writes before renaming into place;
* ``processed/``: messages that were decided (cur, in Maildir terms);
* ``rejected/``: messages that could not be read, with a ``.reason`` file;
* ``waiting/``: handoffs parked until a human approval arrives.

Files that do not match the message name allowlist (editor swap files,
dotfiles, ``*.tmp``) are ignored.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from guardians.store.layout import GUARDIANS, Epic, is_message_name

# A file written via ``guardians send`` is renamed into place read-only;
# that mode is the "complete" marker. Files written directly by agents
# are trusted only once their mtime has settled.
SENT_MODE = 0o444
SETTLE_VALID = 0.5  # seconds unchanged before a parseable file is decided
SETTLE_INVALID = 5.0  # seconds unchanged before an unparseable file is vetoed


@dataclass(frozen=True)
class Pending:
    agent: str
    path: Path
    mtime: float
    size: int
    sent: bool

    def age(self, now: float | None = None) -> float:
        return (now if now is not None else time.time()) - self.mtime


def pending(epic: Epic, agents: tuple[str, ...] = GUARDIANS) -> list[Pending]:
    """Pending messages of the given guardians' inboxes, in pipeline order."""
    out: list[Pending] = []
    for agent in agents:
        inbox = epic.inbox(agent)
        try:
            names = os.listdir(inbox)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in sorted(names):
            if not is_message_name(name):
                continue
            path = inbox / name
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(info.st_mode) and not stat.S_ISLNK(info.st_mode):
                continue
            sent = stat.S_IMODE(info.st_mode) == SENT_MODE
            out.append(Pending(agent, path, info.st_mtime, info.st_size, sent))
    return out


def unique_target(directory: Path, name: str, key: str) -> Path:
    """A free name in ``directory``; a reused name gets the key appended."""
    target = directory / name
    if not target.exists():
        return target
    stem, dot, ext = name.rpartition(".")
    return directory / f"{stem}.{key[:12]}{dot}{ext}"


def move(src: Path, dst: Path) -> None:
    """Rename within the epic; idempotent when replayed after a crash."""
    from guardians.store.atomic import fsync_dir

    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dst)
    except FileNotFoundError:
        if dst.exists():
            return
        raise
    fsync_dir(dst.parent)
    if src.parent != dst.parent:
        fsync_dir(src.parent)
