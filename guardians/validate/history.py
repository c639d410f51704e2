"""Append-only against git, and signed outputs against the log.

``guardians validate --since REF`` fails when an epic's log in the working
tree does not extend its log at REF byte for byte: a truncated, rewritten or
reordered history is caught without any outside service, because CI holds
REF (the base branch) where agents cannot move it.

Under a trust anchor, every detached ``*.sig`` next to a guardian output that
verifies as the guardians' must have its file's sha256 among the outputs of
a guardian entry in the log. A signed output without one is newer than the
log that should hold its decision: the log lost its tail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from guardians.validate.codes import CODES
from guardians.validate.result import EpicReport, Problem

if TYPE_CHECKING:
    from guardians.trust.allowed_signers import AllowedSigners

MAX_SIG = 4096


def history_report(root: Path, epic_ids: list[str], since: str | None, anchor: AllowedSigners | None) -> EpicReport:
    """One report ("history") with every problem of the two checks."""
    from guardians.store.layout import Epic

    report = EpicReport("history")
    for epic_id in epic_ids:
        epic = Epic.at(root, epic_id)
        if since is not None:
            report.problems.extend(_extends(root, epic, since))
        if anchor is not None:
            report.problems.extend(_signed_outputs(epic, anchor))
    return report


def _extends(root: Path, epic: object, ref: str) -> Iterator[Problem]:
    from guardians.store.layout import Epic

    assert isinstance(epic, Epic)
    rel = epic.rel(epic.log_path)
    from guardians.store.git_ref import read_at_ref

    before = read_at_ref(root, ref, rel, option="--since")
    if before is None:
        return  # no log at REF: anything extends nothing
    try:
        with open(epic.log_path, "rb") as fh:
            now = fh.read(len(before))
    except FileNotFoundError:
        now = b""
    if now == before:
        return
    where = _first_difference(before, now)
    what = "is shorter than" if len(now) < len(before) and before.startswith(now) else "rewrites"
    yield Problem(
        rel,
        "VAL106",
        f"the log {what} its version at {ref}: line {where} differs (truncated, rewritten or reordered)",
        CODES["VAL106"][1],
        line=where,
        keyword="append-only",
    )


def _first_difference(a: bytes, b: bytes) -> int:
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return a[:n].count(b"\n") + 1


# Evidence the guardians' tools sign when they measure (guardians/trust/evidence.py); no decision writes them.
EVIDENCE_FILES = frozenset({"health_report.json", "health_series.jsonl"})


def _signed_outputs(epic: object, anchor: AllowedSigners) -> Iterator[Problem]:
    from guardians.store.decision_log import DecisionLog
    from guardians.store.layout import Epic
    from guardians.trust.sshsig import NS_DECISION, SignatureError

    assert isinstance(epic, Epic)
    logged: set[str] = set()
    try:
        for entry in DecisionLog(epic.log_path, epic.epic_id).entries():
            outputs = entry.get("outputs")
            if isinstance(outputs, dict):
                logged.update(str(v) for v in outputs.values())
    except Exception:  # a log that does not parse is reported by the log checks
        return
    for sig in sorted(epic.consensus.rglob("*.sig")):
        target = sig.with_name(sig.name[: -len(".sig")])
        if sig.is_symlink() or target.is_symlink() or not target.is_file() or "quarantine" in sig.parts:
            continue
        if target.name in EVIDENCE_FILES:
            continue  # signed by `guardians probe` as evidence, not written by a decision
        try:
            armored = sig.read_bytes()[:MAX_SIG].decode("ascii")
            data = target.read_bytes()
            anchor.verify(armored, data, NS_DECISION)
        except (OSError, UnicodeDecodeError, SignatureError):
            continue  # not the guardians' signature: proves nothing either way
        if hashlib.sha256(data).hexdigest() not in logged:
            yield Problem(
                epic.rel(target),
                "VAL107",
                "a guardian signed this file, but no decision in the log wrote it: the log lost entries "
                "(truncated or rewritten)",
                CODES["VAL107"][1],
                keyword="signed-output",
            )
