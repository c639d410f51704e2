"""The decision log's hashes and the one verifier of its chain.

Each log line is the canonical JSON of one entry (sorted keys, compact,
ASCII, no NaN). ``prev_hash`` is the previous entry's ``hash``; ``hash`` is
the sha256 of the entry's canonical JSON without ``hash``; the first entry's
``prev_hash`` is sha256("guardians-decision-log/v1:<epic_id>").

:class:`ChainVerifier` is fed one line at a time, so a log of any length is
checked in one pass and constant memory. ``guardians log verify`` stops at the
first break; ``guardians validate`` keeps going (re-synchronising on each
entry's own ``seq`` and ``hash``) so one removed line is one problem, not one
per following line. Both read the same verdicts from here.

The log is shared. Agents append their own protocol lines (timestamp, agent,
decision, epic_id, ...) between guardian entries; such an *agent line* has no
``seq``, ``prev_hash``, ``hash`` or ``sig`` and carries no authority. It is
folded into the chain head as ``sha256("agent-line\0" + head + bytes)``, so
the next guardian entry's ``prev_hash`` commits to every byte before it. A
*guardian entry* is any line with one of those keys; ``seq`` numbers guardian
entries only. Under a trust anchor every guardian entry must carry ``sig``,
an SSHSIG (namespace ``guardians-decision``) over the ASCII bytes of its
``hash``, by a key the anchor allows. A line that names a guardian as its
``agent`` but is not a guardian entry is a forgery and breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guardians.trust.allowed_signers import AllowedSigners

GENESIS_PREFIX = "guardians-decision-log/v1:"


def canonical(obj: Any) -> bytes:
    return _CANONICAL.encode(obj).encode()


# What ``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
# allow_nan=False)`` builds on every call, built once.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def genesis_hash(epic_id: str) -> str:
    return hashlib.sha256((GENESIS_PREFIX + epic_id).encode()).hexdigest()


def entry_hash(entry: dict[str, Any]) -> str:
    body = dict(entry)  # a copy without hash and sig (key order does not matter: canonical sorts)
    body.pop("hash", None)
    body.pop("sig", None)
    return hashlib.sha256(canonical(body)).hexdigest()


CHAIN_KEYS = ("seq", "prev_hash", "hash", "sig")
AGENT_LINE_PREFIX = b"agent-line\0"


def is_guardian_entry(entry: dict[str, Any]) -> bool:
    """A line the guardians wrote (or claim to have written): it has chain keys."""
    return not entry.keys().isdisjoint(CHAIN_KEYS)


def fold_agent_line(head: str, raw: bytes) -> str:
    """The chain head after an agent line: commits to the line's exact bytes."""
    return hashlib.sha256(AGENT_LINE_PREFIX + head.encode() + b"\0" + raw).hexdigest()


def message_key(agent: str, name: str, data: bytes) -> str:
    """The log's key for one inbox message: sha256 of inbox, file name and bytes.

    A decision is committed at most once per key, and ``validate`` uses the
    same key to recognise a message a guardian already vetoed as invalid.
    """
    return hashlib.sha256(f"{agent}/{name}\0".encode() + data).hexdigest()


# Why a line breaks the chain; ``field`` is the entry key at fault ("" for the line itself).
TORN = "torn last line (no newline): a write was interrupted"
NOT_JSON = "not valid JSON"
NOT_OBJECT = "not a JSON object"
EDITED = "hash does not match the entry's content (entry edited)"
RELINKED = "prev_hash does not match the previous entry's hash (line removed, reordered or edited)"
UNSIGNED = "guardian entry has no signature, but a trust anchor is configured (forged or re-chained)"
FORGED_AGENT = "line names a guardian as its agent but is not a signed, chained guardian entry (forged)"


@dataclass(frozen=True)
class ChainBreak:
    """One reason a log line does not continue the chain."""

    line: int
    reason: str
    field: str = ""

    @property
    def kind(self) -> str:
        """torn | unparsable | seq | prev_hash | hash."""
        if self.reason == TORN:
            return "torn"
        return self.field or "unparsable"


def parse_entry(raw: bytes) -> dict[str, Any] | str:
    """A complete log line as an entry, or why it is not one."""
    try:
        entry = json.loads(raw)
    except (ValueError, RecursionError):
        return NOT_JSON
    if not isinstance(entry, dict):
        return NOT_OBJECT
    return entry


class ChainVerifier:
    """Checks seq, prev_hash and hash of a log fed one line at a time.

    ``feed`` takes a raw line (with its newline) and parses it; callers that
    parse lines themselves (with stricter loaders) call ``check`` with the
    entry, or ``skip`` for a line they could not parse. ``first`` is the first
    break seen, with its line number; ``head`` is the hash the next entry must
    name as its ``prev_hash``.
    """

    def __init__(self, epic_id: str, anchor: AllowedSigners | None = None) -> None:
        self.head = genesis_hash(epic_id)
        self.anchor = anchor
        self.seq = 0  # the seq the last guardian entry claimed (or should have)
        self.lines = 0
        self.entries = 0  # guardian entries that continued the chain before the first break
        self.agent_lines = 0
        self.signed = 0  # guardian entries whose signature verified
        self.first: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.first is None

    def feed(self, raw: bytes) -> tuple[dict[str, Any] | None, list[ChainBreak]]:
        """Parse and check one line; (entry or None, its breaks)."""
        if not raw.endswith(b"\n"):
            self.lines += 1
            return None, self._note([ChainBreak(self.lines, TORN)])
        entry = parse_entry(raw)
        if isinstance(entry, str):
            return None, [self.skip(entry)]
        return entry, self.check(entry, raw)

    def skip(self, reason: str) -> ChainBreak:
        """A line that is not an entry: it breaks the chain and takes a seq."""
        self.lines += 1
        self.seq += 1
        return self._note([ChainBreak(self.lines, reason)])[0]

    def check(self, entry: dict[str, Any], raw: bytes | None = None, *, ours: bool = False) -> list[ChainBreak]:
        """Check one parsed line against the chain so far, then move past it.

        ``raw`` (the line's bytes) is needed to fold an agent line into the head.
        ``ours``: the entry was just signed by this process, so its signature
        is not checked again (the expensive part, and it cannot be wrong).
        """
        if not is_guardian_entry(entry):
            return self._agent_line(entry, raw)
        self.lines += 1
        line = self.lines
        breaks = []
        seq = entry.get("seq")
        if seq != self.seq + 1:
            reason = f"seq is {seq!r}, expected {self.seq + 1} (line missing, duplicated or reordered)"
            breaks.append(ChainBreak(line, reason, "seq"))
        # Re-synchronise on the entry's own seq so one gap is reported once.
        self.seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else self.seq + 1
        if entry.get("prev_hash") != self.head:
            breaks.append(ChainBreak(line, RELINKED, "prev_hash"))
        try:
            actual = entry_hash(entry)
        except (TypeError, ValueError):  # NaN or infinity: not canonical JSON, so not ours
            actual = ""
        if entry.get("hash") != actual:
            breaks.append(ChainBreak(line, EDITED, "hash"))
        elif self.anchor is not None and not ours:
            breaks += self._signature(line, entry)
        claimed = entry.get("hash")
        self.head = claimed if isinstance(claimed, str) else actual
        if not breaks and self.first is None:
            self.entries += 1
        return self._note(breaks)

    def _signature(self, line: int, entry: dict[str, Any]) -> list[ChainBreak]:
        from guardians.trust.sshsig import NS_DECISION, SignatureError

        assert self.anchor is not None
        sig = entry.get("sig")
        if sig is None:
            return [ChainBreak(line, UNSIGNED, "sig")]
        try:
            self.anchor.verify(sig, str(entry["hash"]).encode(), NS_DECISION)
        except SignatureError as exc:
            return [ChainBreak(line, f"guardian entry signature is not valid: {exc}", "sig")]
        self.signed += 1
        return []

    def _agent_line(self, entry: dict[str, Any], raw: bytes | None) -> list[ChainBreak]:
        from guardians.protocol.order import GUARDIANS

        self.lines += 1
        if raw is None:
            raw = canonical(entry) + b"\n"
        self.head = fold_agent_line(self.head, raw)
        if entry.get("agent") in GUARDIANS:
            return self._note([ChainBreak(self.lines, FORGED_AGENT, "agent")])
        self.agent_lines += 1
        return []

    def _note(self, breaks: list[ChainBreak]) -> list[ChainBreak]:
        if breaks and self.first is None:
            self.first = breaks[0]
        return breaks
