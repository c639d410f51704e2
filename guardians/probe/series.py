"""The health series: one JSON line per probe round, appended under a lock."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from guardians.errors import InputError, Location

SERIES = "health_series.jsonl"
MAX_SAMPLES = 10_000


def append(path: Path, sample: dict[str, Any], on_written: Callable[[Path, bytes], None] | None = None) -> int:
    """Append one sample durably; returns its 1-based number.

    ``on_written`` gets the whole series after the append, under the lock (the
    probe signs it there, so signature and series never disagree).
    """
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=60):
        number = len(read(path)) + 1 if path.exists() else 1
        line = json.dumps({**sample, "sample": number}, sort_keys=True) + "\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        if on_written is not None:
            from guardians.store.loaders import read_bounded

            on_written(path, read_bounded(path, display=path.name, max_bytes=64_000_000))
    return number


def read(path: Path, display: str | None = None) -> list[dict[str, Any]]:
    """Every sample; a damaged line is an InputError naming the file and line."""
    from guardians.store.loaders import read_bounded

    name = display or str(path)
    data = read_bounded(path, display=name, max_bytes=64_000_000)
    out: list[dict[str, Any]] = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(Location(name, "$", number, exc.colno), f"not JSON: {exc.msg}") from None
        if not isinstance(item, dict):
            raise InputError(Location(name, "$", number), "a sample must be a JSON object")
        out.append(item)
        if len(out) > MAX_SAMPLES:
            raise InputError(Location(name, "$", number), f"more than {MAX_SAMPLES} samples")
    return out
