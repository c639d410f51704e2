"""The checkpoint folder: find, read, check and rewrite checkpoints.

``assess`` is the one answer to "can this checkpoint be trusted?"; the
``checkpoint verify``/``list``/``status`` commands and the backup guardian all
call it.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from guardians.checkpoint import metadata as md
from guardians.checkpoint import trust
from guardians.checkpoint.errors import CheckpointError
from guardians.errors import InputError

DEFAULT_FOLDER = Path("data") / "checkpoints"
_NAME_RE = re.compile(md.NAME_PATTERN)


def check_name(name: str) -> str:
    if not _NAME_RE.fullmatch(name):
        raise CheckpointError(f"invalid checkpoint name {name!r}: lower-case letters, digits, '.', '_' or '-'")
    return name


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One writer at a time per checkpoint folder (create, verify, prune, recover)."""
    from filelock import FileLock

    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / ".lock"), timeout=600):
        yield


def names(folder: Path) -> list[str]:
    """Complete checkpoints only: hidden partial folders are never listed."""
    if not folder.is_dir():
        return []
    return sorted(
        p.name
        for p in folder.iterdir()
        if _NAME_RE.fullmatch(p.name) and p.is_dir() and not p.is_symlink() and (p / md.METADATA).is_file()
    )


def partial_leftovers(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(".") and ".partial-" in p.name)


@dataclass
class Assessment:
    """What a reader may rely on for one checkpoint, computed from the bytes on disk."""

    name: str
    folder: Path
    meta: md.Metadata | None
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.meta is not None and not self.problems

    @property
    def restore_tested(self) -> bool:
        """The database part (when there is one) passed a restore test recorded after creation."""
        meta = self.meta
        if meta is None or meta.verification is None or meta.verification.restore_test is None:
            return False
        return meta.verification.restore_test.ok


def assess(folder: Path, name: str, *, checksums: bool = True) -> Assessment:
    """Re-read metadata.json, check its signature hook, and re-hash every part."""
    where = folder / name
    try:
        raw = (where / md.METADATA).read_bytes() if not (where / md.METADATA).is_symlink() else b""
        meta = md.load(where)
    except (InputError, OSError) as exc:
        return Assessment(name, where, None, [f"metadata.json unreadable: {exc}"])
    out = Assessment(name, where, meta)
    if meta.name != name:
        out.problems.append(f"metadata names {meta.name!r}, folder is {name!r}")
    if not meta.complete:
        out.problems.append("metadata says the checkpoint is not complete")
    problem = trust.check(where, raw)
    if problem:
        out.problems.append(problem)
    if checksums:
        out.problems.extend(_check_parts(where, meta))
    return out


def _check_parts(where: Path, meta: md.Metadata) -> list[str]:
    problems = []
    base = where.resolve()
    for part in meta.parts:
        path = where / part.file
        if ".." in Path(part.file).parts or not path.resolve().is_relative_to(base):
            problems.append(f"{part.name}: path {part.file!r} leaves the checkpoint folder")
            continue
        try:
            digest, size = md.sha256_file(path)
        except OSError as exc:
            problems.append(f"{part.name}: {part.file} cannot be read ({exc.strerror})")
            continue
        if size != part.size:
            problems.append(f"{part.name}: {part.file} is {size} bytes, metadata says {part.size}")
        elif digest != part.sha256:
            problems.append(f"{part.name}: {part.file} sha256 {digest[:12]}… does not match {part.sha256[:12]}…")
    return problems


def write_metadata(where: Path, meta: md.Metadata) -> None:
    """Atomically replace metadata.json, then seal it (trust hook)."""
    from guardians.store.atomic import atomic_write_bytes

    data = md.dump(meta)
    atomic_write_bytes(where / md.METADATA, data)
    trust.seal(where, data)


def age_hours(meta: md.Metadata, now: float | None = None) -> float:
    return ((now or time.time()) - meta.created_unix) / 3600


def remove(where: Path) -> None:
    """Delete a checkpoint: first rename it to a hidden name, so a crash never leaves it half-listed."""
    hidden = where.parent / f".{where.name}.partial-deleting"
    if hidden.exists():
        shutil.rmtree(hidden)
    os.rename(where, hidden)
    shutil.rmtree(hidden)
