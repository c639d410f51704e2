"""Reading a migration file safely: regular files only, no symlinks, bounded, strict UTF-8."""

from __future__ import annotations

from pathlib import Path

from guardians.errors import InputError
from guardians.store.loaders import read_bounded


def read_migration(path: Path, max_bytes: int) -> tuple[str | None, str, int]:
    """(text, error message, error line). Refuses symlinks and non-regular files."""
    try:
        data = read_bounded(path, display=str(path), max_bytes=max_bytes)
    except InputError as exc:
        return None, exc.message, 1
    try:
        return data.decode("utf-8"), "", 0
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", line
