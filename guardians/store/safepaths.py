"""Refuse links and wrong kinds of file where the guardians write or follow.

Agents can create any file under the repository root, including a symlink
named ``decision_log.jsonl`` that points at ``.git/HEAD``, a ``quarantine``
link into someone else's folder, or a directory where the lock file should
be. Every path the guardians write or follow inside an epic is checked here
before the epic is touched: each must be missing or be the expected kind
(a real directory, or a regular file), never a symbolic link.

The check runs when an epic is opened, and the writers open their files with
O_NOFOLLOW as well, so a link that appears later is refused at the syscall.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from guardians.errors import GuardianError
from guardians.store.layout import Epic

INBOX_SUBDIRS = ("processed", "rejected", "waiting", ".tmp")


class UnsafePathError(GuardianError):
    """A path inside an epic is a link, or not the kind of file expected there."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device or special file"


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None


def expect_dir(path: Path, shown: str) -> None:
    info = _lstat(path)
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise UnsafePathError(
            f"{shown} is not a directory ({_kind(info.st_mode)}); the guardians only use a real directory there "
            "(replace it with a directory; links are never followed inside an epic)"
        )


def expect_file(path: Path, shown: str) -> None:
    info = _lstat(path)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UnsafePathError(
            f"{shown} is not a regular file ({_kind(info.st_mode)}); the guardians only use a regular file there "
            "(move it away; links are never followed inside an epic)"
        )


def check_epic(epic: Epic) -> None:
    """Every folder and file the guardians use in ``epic`` is missing or of the right kind."""
    rel = epic.rel
    # The folders leading to the epic, below the root the user gave us.
    path = epic.root
    for part in epic.consensus.relative_to(epic.root).parts:
        path = path / part
        expect_dir(path, rel(path))
    for folder in (epic.artifacts, epic.checkpoints, epic.consensus / "quarantine", epic.consensus / "messages"):
        expect_dir(folder, rel(folder))
    for name in (epic.log_path.name, epic.log_path.name + ".lock", epic.lock_path.name, epic.journal_path.name):
        expect_file(epic.consensus / name, rel(epic.consensus / name))
    expect_dir(epic.inbox_root, rel(epic.inbox_root))
    try:
        agents = sorted(os.listdir(epic.inbox_root))
    except (FileNotFoundError, NotADirectoryError):
        return
    for agent in agents:
        inbox = epic.inbox_root / agent
        expect_dir(inbox, rel(inbox))
        for sub in INBOX_SUBDIRS:
            expect_dir(inbox / sub, rel(inbox / sub))


def check_output_path(path: Path) -> None:
    """A user-given output file: missing or a regular file (never a device, FIFO or link)."""
    info = _lstat(path)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UnsafePathError(
            f"{path} is {_kind(info.st_mode)}; refusing to write over it (only regular files are written)"
        )


def open_regular(path: Path, flags: int, mode: int = 0o644) -> int:
    """``os.open`` without following a final symlink; the result must be a regular file."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePathError(f"{path} is a symbolic link; refused (links are never followed)") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePathError(f"{path} is {_kind(info.st_mode)}; refused (a regular file is expected)")
        # O_NONBLOCK only kept the open from hanging on a FIFO; regular files ignore it.
        return fd
    except BaseException:
        os.close(fd)
        raise
