"""The commit journal's format: sealed (signed) when written, checked before replay.

A journal is replayed with the guardians' authority: its files are written,
its messages moved and its log entries chained (and signed) by us. So a
journal is replayed only when it has exactly the shape we write and, under a
trust anchor, carries a ``guardians-decision`` signature over its canonical
JSON by a key the anchor allows. Anything else is moved to ``quarantine/``
with a ``.reason`` file and reported; it is never replayed.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from guardians.store.chain import canonical
from guardians.store.layout import Epic, stamp

if TYPE_CHECKING:
    from guardians.trust.allowed_signers import AllowedSigners
    from guardians.trust.keys import Signer

_HEX64 = re.compile(r"[0-9a-f]{64}")


class JournalRefused(ValueError):
    """The journal is not one of ours; the message says why."""


def seal(journal: dict[str, Any], signer: Signer | None) -> bytes:
    """The journal's bytes, signed when we hold a key."""
    if signer is not None:
        from guardians.trust.sshsig import NS_DECISION

        journal["sig"] = signer.sign(canonical(_unsigned(journal)), NS_DECISION)
    return canonical(journal)


def open_journal(raw: bytes, anchor: AllowedSigners | None) -> dict[str, Any]:
    """The journal in ``raw`` if it may be replayed; raises JournalRefused otherwise."""
    try:
        journal = json.loads(raw)
    except (ValueError, RecursionError):
        raise JournalRefused("journal is not valid JSON") from None
    problem = _shape(journal)
    if problem:
        raise JournalRefused(f"journal is malformed: {problem}")
    if anchor is not None:
        from guardians.trust.sshsig import NS_DECISION, SignatureError

        sig = journal.get("sig")
        if not isinstance(sig, str):
            raise JournalRefused("journal is not signed, but a trust anchor is configured")
        try:
            anchor.verify(sig, canonical(_unsigned(journal)), NS_DECISION)
        except SignatureError as exc:
            raise JournalRefused(f"journal signature is not valid: {exc}") from None
    return dict(journal)


def _unsigned(journal: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in journal.items() if k != "sig"}


def _shape(journal: Any) -> str | None:
    """Why ``journal`` does not have the shape commit writes, or None."""
    from guardians.protocol.order import GUARDIANS

    if not isinstance(journal, dict):
        return "not a JSON object"
    for key in ("message", "dest"):
        if not isinstance(journal.get(key), str):
            return f"$.{key} must be a path"
    if not isinstance(journal.get("key"), str) or not _HEX64.fullmatch(journal["key"]):
        return "$.key must be a message key (64 hex digits)"
    files, moves, entries = journal.get("files"), journal.get("moves"), journal.get("entries")
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("data"), str) for f in files
    ):
        return "$.files must be a list of {path, data}"
    if not isinstance(moves, list) or not all(
        isinstance(m, list) and len(m) == 2 and all(isinstance(p, str) for p in m) for m in moves
    ):
        return "$.moves must be a list of [from, to] paths"
    if not isinstance(entries, list) or not entries:
        return "$.entries must be a non-empty list"
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("agent") not in GUARDIANS:
            return f"$.entries[{i}] is not a guardian's decision"
        if entry.get("message_key") != journal["key"]:
            return f"$.entries[{i}].message_key does not match $.key"
    if journal.get("reason") is not None and not isinstance(journal["reason"], str):
        return "$.reason must be text or null"
    return None


def quarantine(epic: Epic, reason: str) -> str:
    """Move the journal to quarantine/ with a .reason file; the note to report."""
    from guardians.store.atomic import atomic_write_bytes
    from guardians.store.inbox import move

    qdir = epic.consensus / "quarantine"
    target = qdir / f"{epic.journal_path.name}.{stamp()}.refused"
    n = 1
    while target.exists():
        n += 1
        target = qdir / f"{epic.journal_path.name}.{stamp()}.{n}.refused"
    qdir.mkdir(parents=True, exist_ok=True)
    move(epic.journal_path, target)
    atomic_write_bytes(target.with_name(target.name + ".reason"), (reason + "\n").encode())
    return f"{epic.epic_id}: quarantined {epic.rel(epic.journal_path)} as {epic.rel(target)}: {reason}; not replayed"
