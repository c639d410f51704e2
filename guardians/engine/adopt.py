"""``guardians adopt``: take over a consensus folder that agents wrote before the guardians came.

What the log model cannot take as it is (lines that are not JSON, a
pretty-printed object spread over lines, blank lines, a chain that starts
somewhere else) is kept, not repaired:

* the old ``decision_log.jsonl`` moves to ``consensus/legacy/`` byte for
  byte, named with its sha256;
* guardian-owned outputs (``deployment.json``, ``cicd.yaml``, ``runbook.md``,
  ``migration_review.json``, ``backup_plan.json``, ``process_report.json``)
  that no logged guardian decision wrote move there too;
* the first entry of the new log (decision ``adopted``) lists every moved
  file with its sha256, so the new chain commits to what was there.

A log that already verifies is kept; only hand-written outputs are moved,
with an ``adopted`` entry appended. Adopting twice changes nothing. All of it
happens under the epic's lease, so no guardian decides meanwhile. The check
that sends ``run`` here is :func:`guardians.store.decision_log.check_origin`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guardians.store.layout import Epic, stamp

if TYPE_CHECKING:
    from guardians.trust.anchor import Trust

MAX_LEGACY_BYTES = 256 << 20  # a legacy log larger than this is moved unread (hashed in chunks)


@dataclass
class Adoption:
    epic_id: str
    moved: list[dict[str, Any]] = field(default_factory=list)  # {path, sha256, moved_to, ...}
    log_problem: str | None = None  # why the old log could not be kept
    entry_seq: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.moved)


def needs_adoption(epic: Epic, trust: Trust | None = None) -> str | None:
    """Why the epic's log cannot be used as it is (None when it verifies, against the anchor if any, or is absent)."""
    from guardians.store.decision_log import verify_file

    if not (epic.log_path.exists() or epic.log_path.is_symlink()):
        return None
    result = verify_file(epic.log_path, epic.epic_id, trust.anchor if trust is not None else None)
    if result.ok:
        return None
    return f"line {result.line}: {result.problem}"


def adopt_epic(epic: Epic, trust: Trust | None = None) -> Adoption:
    """Keep what the guardians did not write under consensus/legacy/ and start (or continue) the log.

    ``trust``: under an anchor the ``adopted`` entry is signed like any guardian entry.
    """
    from guardians.engine.commit import lease
    from guardians.store.decision_log import DecisionLog

    result = Adoption(epic.epic_id)
    with lease(epic):
        problem = needs_adoption(epic, trust)
        log = DecisionLog.open(epic.log_path, epic.epic_id, trust)
        iteration = 1
        if problem is not None:
            result.log_problem = problem
            iteration = _legacy_iteration(epic.log_path)
            result.moved.append({**_keep(epic, epic.log_path), "kind": "decision_log", "problem": problem})
            log = DecisionLog(epic.log_path, epic.epic_id, trust)  # a fresh index: the old file is gone
        for path in _hand_written(epic, log):
            result.moved.append({**_keep(epic, path), "kind": "guardian_output"})
        if result.moved:
            entry = log.append(_entry(epic, result, iteration))
            result.entry_seq = int(entry["seq"])
    return result


def _hand_written(epic: Epic, log: Any) -> list[Path]:
    from guardians.rules.ownership import GUARDIAN_ARTIFACTS

    out = []
    for name in GUARDIAN_ARTIFACTS:
        path = epic.artifacts / name
        if not (path.exists() or path.is_symlink()):
            continue
        rel = epic.rel(path)
        if path.is_symlink() or not path.is_file() or _sha256(path) != log.wrote(rel):
            out.append(path)
    return out


def _keep(epic: Epic, path: Path) -> dict[str, Any]:
    """Move PATH to consensus/legacy/<name>.<sha12><ext> (a rename: a link is moved, never followed)."""
    from guardians.store.inbox import move

    digest = _sha256(path) if path.is_file() and not path.is_symlink() else hashlib.sha256(b"").hexdigest()
    stem, dot, ext = path.name.rpartition(".")
    name = f"{stem}.{digest[:12]}.{ext}" if dot and stem else f"{path.name}.{digest[:12]}"
    target = epic.consensus / "legacy" / name
    rel = epic.rel(path)
    if target.exists() or target.is_symlink():
        path.unlink()  # the same bytes were kept before: nothing is lost
    else:
        move(path, target)
    return {"path": rel, "sha256": digest, "moved_to": epic.rel(target)}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _legacy_iteration(path: Path) -> int:
    """The highest iteration any readable line of the old log names (1 when none does)."""
    import json

    best = 1
    try:
        with open(path, "rb") as fh:
            for raw in fh:
                try:
                    value = json.loads(raw)
                except (ValueError, RecursionError):
                    continue
                it = value.get("iteration") if isinstance(value, dict) else None
                if isinstance(it, int) and not isinstance(it, bool) and 0 < it < 10_000:
                    best = max(best, it)
    except OSError:
        pass
    return best


def _entry(epic: Epic, result: Adoption, iteration: int) -> dict[str, Any]:
    names = ", ".join(m["path"].rsplit("/", 1)[-1] for m in result.moved)
    return {
        "timestamp": stamp(),
        "agent": "guardians",
        "decision": "adopted",
        "epic_id": epic.epic_id,
        "iteration": iteration,
        "source_document": "guardians adopt",
        "previous_artifacts": [],
        "details": {
            "summary": f"kept under consensus/legacy/: {names}",
            "legacy": result.moved,
        },
        "inputs": {m["moved_to"]: m["sha256"] for m in result.moved},
        "outputs": {},
    }
