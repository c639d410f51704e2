"""Atomic file writes: temp file in the same folder, fsync, os.replace, fsync dir.

A reader (or a crash) only ever sees the old content or the new content.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(directory: Path, name: str, data: bytes, mode: int, *, sync: bool = True) -> str:
    """Durably write ``data`` to a new temp file in ``directory``; return its path.

    On any failure the descriptor is closed and the temp file removed.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        try:
            view = memoryview(data)
            while view:  # os.write may write less than asked
                written = os.write(fd, view)
                view = view[written:]
            os.fchmod(fd, mode)
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o644, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically and (unless ``durable`` is False) durably.

    ``durable=False`` skips both fsyncs: for derived files whose loss in a
    power cut is harmless and whose folder the caller fsyncs once afterwards.
    """
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(directory, path.name, data, mode, sync=durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(directory)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def create_exclusive(path: Path, data: bytes) -> bool:
    """Write ``data`` to a new file at ``path`` atomically; False if it exists.

    Used for names that must never overwrite each other (vetoes in the same
    second): the temp file is hard-linked into place, which fails if taken.
    """
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(directory, path.name, data, 0o644)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        fsync_dir(directory)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
