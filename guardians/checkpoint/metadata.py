"""metadata.json of a checkpoint: what was captured, where, when, by whom,
and the sha256 and size of every part."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT = "guardians-checkpoint/1"
METADATA = "metadata.json"
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"
RETENTION_CLASSES = ("production", "development", "test", "milestone")


class Part(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str = Field(max_length=300)
    kind: Literal["database", "redis", "file"]
    file: str = Field(max_length=1000, description="Path of the part inside the checkpoint folder.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class GitState(BaseModel):
    # A commit id only: it is handed to git by the gate, so no option-like text gets through.
    commit: str | None = Field(default=None, pattern=r"^[0-9a-f]{40,64}$")
    branch: str | None = Field(default=None, max_length=500)
    dirty: bool | None = None
    commit_time: int | None = Field(default=None, description="Committer time, Unix seconds.")


class RestoreTest(BaseModel):
    model_config = ConfigDict(extra="allow")

    at: str
    ok: bool
    problems: list[str] = Field(default_factory=list)


class Verification(BaseModel):
    model_config = ConfigDict(extra="allow")

    checked_at: str
    checksums_ok: bool
    restore_test: RestoreTest | None = None


class Metadata(BaseModel):
    model_config = ConfigDict(extra="allow")

    format: Literal["guardians-checkpoint/1"]
    name: str = Field(pattern=NAME_PATTERN)
    description: str = Field(default="", max_length=2000)
    retention: Literal["production", "development", "test", "milestone"]
    created_at: str = Field(description="UTC, YYYY_MM_DD_HH_MM_SS.")
    created_unix: float
    creator: str
    host: str
    git: GitState
    tools: dict[str, str]
    parts: list[Part]
    verification: Verification | None = None
    complete: bool

    def part(self, kind: str) -> Part | None:
        return next((p for p in self.parts if p.kind == kind), None)


def sha256_file(path: Path) -> tuple[str, int]:
    """Digest and size, streamed in 4 MiB blocks; symlinks are refused."""
    digest = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        while block := fh.read(4 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_state(root: Path) -> GitState:
    commit = _git(root, "rev-parse", "HEAD")
    if commit is None:
        return GitState()
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    when = _git(root, "show", "-s", "--format=%ct", "HEAD")
    return GitState(
        commit=commit,
        branch=_git(root, "rev-parse", "--abbrev-ref", "HEAD"),
        dirty=bool(status) if status is not None else None,
        commit_time=int(when) if when and when.isdigit() else None,
    )


def who() -> tuple[str, str]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return user, socket.gethostname()


def dump(meta: Metadata) -> bytes:
    return (json.dumps(meta.model_dump(mode="json", exclude_none=False), indent=2, sort_keys=True) + "\n").encode()


def load(folder: Path) -> Metadata:
    """Read and validate ``folder/metadata.json`` (bounded, no symlinks)."""
    from guardians.errors import InputError, Location
    from guardians.store.loaders import load_document, read_bounded

    path = folder / METADATA
    data = read_bounded(path, display=str(path), max_bytes=16_000_000)
    doc: Any = load_document(data, str(path))
    from pydantic import ValidationError

    try:
        return Metadata.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise InputError(Location(str(path), where), err["msg"]) from None
