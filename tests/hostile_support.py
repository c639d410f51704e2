"""Repositories for poison-input tests: several copies of the clean example."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

from tests.conftest import EXAMPLES, consensus

TEXT_SUFFIXES = (".json", ".yaml", ".yml", ".md", ".sql")


def make_repo(root: Path, epics: int = 2) -> Path:
    """``root`` with epic_1..epic_N, each a copy of examples/clean with one pending handoff."""
    src = EXAMPLES / "clean" / "docs" / "specs" / "epic_1"
    for n in range(1, epics + 1):
        epic = f"epic_{n}"
        dst = root / "docs" / "specs" / epic
        shutil.copytree(src, dst)
        if n == 1:
            continue
        for path in list(dst.rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES:
                path.write_text(path.read_text().replace("epic_1", epic))
        (dst / "epic_1.md").rename(dst / f"{epic}.md")
    for path in root.rglob("*"):
        if path.is_file() and "/messages/inbox/" in path.as_posix():
            age(path)
    return root


def age(path: Path, seconds: float = 60) -> None:
    """Make a directly-written file look settled (written a while ago)."""
    past = time.time() - seconds
    os.utime(path, (past, past), follow_symlinks=False)


def inbox(root: Path, agent: str, epic: str = "epic_1") -> Path:
    return consensus(root, epic) / "messages" / "inbox" / agent


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every regular file under ``root`` (symlinks are not followed)."""
    out: dict[str, str] = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def decided(root: Path, epic: str) -> list[str]:
    """The decisions logged for an epic, in order."""
    import json

    path = consensus(root, epic) / "decision_log.jsonl"
    if not path.is_file() or path.is_symlink():
        return []
    return [json.loads(line)["decision"] for line in path.read_text().splitlines()]
