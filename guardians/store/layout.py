"""Where things live. Every path under an epic is derived here, after the
epic id and agent names passed an allowlist, so no input can escape the root.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from guardians.errors import UsageError
from guardians.protocol.order import GUARDIANS as GUARDIANS

# re-exported: the store names its files with these stamps, and callers import them from here too
from guardians.protocol.stamps import STAMP_FORMAT as STAMP_FORMAT
from guardians.protocol.stamps import parse_stamp as parse_stamp
from guardians.protocol.stamps import stamp as stamp

EPIC_RE = re.compile(r"epic_[0-9]{1,9}")
AGENT_RE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
# Message files: no leading dot (editor temp files, our own temp files), no
# path separators, a known extension. Anything else in an inbox is ignored.
MESSAGE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}\.(ya?ml|json)")
EDITOR_JUNK_RE = re.compile(r"(~|\.swp|\.swx|\.tmp|\.part|\.crdownload|#)$")

UPSTREAM: tuple[str, ...] = ("quality", "developer", "architect", "tech-lead")


def check_epic_id(epic: str) -> str:
    if not EPIC_RE.fullmatch(epic):
        raise UsageError(f"invalid epic id {epic!r}: expected 'epic_' followed by digits, e.g. epic_7")
    return epic


def check_agent(agent: str) -> str:
    if not AGENT_RE.fullmatch(agent):
        raise UsageError(f"invalid agent name {agent!r}: expected lower-case letters, digits, '-' or '_'")
    return agent


def is_message_name(name: str) -> bool:
    return bool(MESSAGE_NAME_RE.fullmatch(name)) and not EDITOR_JUNK_RE.search(name)


@dataclass(frozen=True)
class Epic:
    """Paths of one epic under a repository root."""

    root: Path
    epic_id: str

    @classmethod
    def at(cls, root: Path, epic_id: str) -> Epic:
        return cls(root, check_epic_id(epic_id))

    @property
    def dir(self) -> Path:
        return self.root / "docs" / "specs" / self.epic_id

    @property
    def consensus(self) -> Path:
        return self.dir / "consensus"

    @property
    def artifacts(self) -> Path:
        return self.consensus / "artifacts"

    @property
    def inbox_root(self) -> Path:
        return self.consensus / "messages" / "inbox"

    @property
    def log_path(self) -> Path:
        return self.consensus / "decision_log.jsonl"

    @property
    def checkpoints(self) -> Path:
        return self.consensus / "checkpoints"

    @property
    def lock_path(self) -> Path:
        return self.consensus / ".guardians.lock"

    @property
    def journal_path(self) -> Path:
        return self.consensus / ".guardians.journal.json"

    def inbox(self, agent: str) -> Path:
        return self.inbox_root / check_agent(agent)

    def rel(self, path: Path) -> str:
        """Path relative to the repository root, for logs and messages."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


def specs_dir(root: Path) -> Path:
    return root / "docs" / "specs"


def discover_epics(root: Path) -> Iterator[Epic]:
    """Every epic_<N> folder with a consensus/ dir, in numeric order."""
    base = specs_dir(root)
    if not base.is_dir():
        return
    found = [p.name for p in base.iterdir() if EPIC_RE.fullmatch(p.name) and (p / "consensus").is_dir()]
    for name in sorted(found, key=lambda n: int(n.split("_")[1])):
        yield Epic(root, name)


def select_epics(root: Path, epic_ids: list[str]) -> list[Epic]:
    if not root.is_dir():
        raise UsageError(f"root {root} is not a directory")
    if not epic_ids:
        return list(discover_epics(root))
    # A repeated id is one epic: decide, show or verify it once.
    epics = [Epic.at(root, e) for e in dict.fromkeys(epic_ids)]
    for epic in epics:
        if not epic.consensus.is_dir():
            raise UsageError(
                f"{epic.epic_id}: no consensus folder at {epic.rel(epic.consensus)}; "
                f"check --root, or create it with `guardians init {epic.epic_id}`"
            )
    return epics
