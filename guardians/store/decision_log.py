"""The hash-chained, append-only decision log (consensus/decision_log.jsonl).

The line format and the chain (hashes, verification) are defined in
:mod:`guardians.store.chain`.

Appends are serialised with a FileLock, written with one os.write on an
O_APPEND descriptor and fsynced; the entry is committed when fsync returns.
A torn tail (crash mid-write, NUL padding) is moved to quarantine/ and cut
off on the next append; a bad line before the tail fails closed.

Every line is checked by the one chain verifier as it is read (incrementally:
only lines appended since the last read), before anything in it is used; a
line that does not verify stops the guardians with the line's number. Agent
lines (see :mod:`guardians.store.chain`) are verified as part of the chain but
never indexed: they carry no authority.
"""

from __future__ import annotations

import json
import os
import stat
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from guardians.errors import LogCorruptError
from guardians.protocol.order import GUARDIANS
from guardians.store.chain import (
    ChainVerifier,
    canonical,
    entry_hash,
    genesis_hash,
    is_guardian_entry,
    parse_entry,
)
from guardians.store.chain import message_key as message_key

if TYPE_CHECKING:
    from guardians.trust.allowed_signers import AllowedSigners
    from guardians.trust.anchor import Trust

MAX_LINE = 1 << 20
LOCK_TIMEOUT = 30.0


@dataclass
class _Index:
    """What we know of the file up to ``offset``; refreshed incrementally."""

    chain: ChainVerifier
    inode: int = -1  # of the file read so far: a replaced log is read again from the start
    offset: int = 0
    seq: int = 0
    head: str = ""
    keys: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    # Last entry per agent (ignoring rejects) and the latest recorded approval:
    # what guardians ask of the history, without rescanning the file.
    last: dict[str, dict[str, Any]] = field(default_factory=dict)
    approval: dict[str, Any] | None = None
    closed: dict[str, Any] | None = None  # the `guardians close` entry, once there is one
    # sha256 of every file an approve entry wrote -> that entry.
    produced: dict[str, dict[str, Any]] = field(default_factory=dict)
    # path -> sha256 of the last bytes a guardian entry says it wrote there.
    written: dict[str, str] = field(default_factory=dict)
    # hashes of the entries whose handoff a later decision consumed.
    consumed: set[str] = field(default_factory=set)

    def add(self, entry: dict[str, Any]) -> None:
        key = entry.get("message_key")
        if isinstance(key, str):
            self.keys.add(key)
        decision = str(entry.get("decision"))
        if decision == "closed":
            self.closed = entry
        agent = entry.get("agent")
        if agent not in GUARDIANS:
            # An agent's own line (the protocol lets agents log their decisions too) carries no
            # authority: it is no veto towards the cap, no approval, no proof of a written file.
            return
        self.counts[decision] = self.counts.get(decision, 0) + 1
        outputs = entry.get("outputs")
        if isinstance(outputs, dict):
            for path, digest in outputs.items():
                self.written[str(path)] = str(digest)
                if decision == "approve":
                    self.produced[str(digest)] = entry
        if isinstance(entry.get("consumes"), str):
            self.consumed.add(entry["consumes"])
        if decision == "reject":
            return
        self.last[str(agent)] = entry
        details = entry.get("details")
        if agent == "migration" and isinstance(details, dict) and isinstance(details.get("approval"), dict):
            self.approval = details["approval"]


# Recently used logs, so a long-running watcher reads each log incrementally.
# Bounded: a watcher serving thousands of epics must not grow without limit.
_OPEN: OrderedDict[str, DecisionLog] = OrderedDict()
_OPEN_MAX = 64


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head: str
    line: int | None = None
    problem: str | None = None
    agent_lines: int = 0
    signed: int = 0
    seq: int = 0  # of the last guardian entry


class DecisionLog:
    """One epic's decision log. Safe to use from several processes.

    ``trust`` says which keys the log's guardian entries must be signed by
    (its anchor) and which key this process signs its own entries with.
    """

    def __init__(self, path: Path, epic_id: str, trust: Trust | None = None) -> None:
        from guardians.trust.anchor import UNKEYED

        self.path = path
        self.epic_id = epic_id
        self.trust = trust or UNKEYED
        self._index = self._fresh()

    def _fresh(self) -> _Index:
        return _Index(ChainVerifier(self.epic_id, self.trust.anchor), head=genesis_hash(self.epic_id))

    @property
    def anchor(self) -> AllowedSigners | None:
        return self.trust.anchor

    def _lock(self) -> Any:
        from filelock import FileLock

        return FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT)

    # -- reading -----------------------------------------------------------------

    def _refresh(self) -> None:
        """Read lines appended since the last refresh (by us or others)."""
        if not _log_exists(self.path):
            self._index = self._fresh()
            return
        with _open_log(self.path) as fh:
            info = os.fstat(fh.fileno())
            size = info.st_size
            if size < self._index.offset or info.st_ino != self._index.inode:
                self._index = self._fresh()  # repaired, truncated or replaced (adopted): start over
                self._index.inode = info.st_ino
            if size == self._index.offset:
                return
            index = self._index
            fh.seek(index.offset)
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break  # torn tail; repair() deals with it under the lock
                lineno = index.chain.lines + 1
                try:
                    entry = _parse_line(raw, lineno, self.path)
                except LogCorruptError:
                    self._index = self._fresh()  # never resume from a half-read state
                    raise
                breaks = index.chain.check(entry, raw)
                if breaks:
                    started = index.seq > 0  # a guardian entry verified before the break
                    self._index = self._fresh()  # re-read from the start once repaired
                    fix = (
                        "restore the log from version control"
                        if started
                        else f"no guardian entry precedes it, so the guardians did not start this log: run "
                        f"`guardians adopt {self.epic_id}` to keep it under consensus/legacy/ and start a new one"
                    )
                    raise LogCorruptError(
                        f"{self.path}:{lineno}: {breaks[0].reason}; the guardians refuse to act on a decision log "
                        f"that does not verify (`guardians log verify` names the first bad line); {fix}"
                    )
                index.offset += len(raw)
                index.head = index.chain.head
                if is_guardian_entry(entry):
                    index.seq = index.chain.seq
                    index.add(entry)

    @classmethod
    def open(cls, path: Path, epic_id: str, trust: Trust | None = None) -> DecisionLog:
        """A per-process shared instance, so its index is read incrementally."""
        from guardians.trust.anchor import UNKEYED

        key = str(path)
        log = _OPEN.get(key)
        if log is None or log.epic_id != epic_id or log.trust != (trust or UNKEYED):
            log = _OPEN[key] = cls(path, epic_id, trust)
            while len(_OPEN) > _OPEN_MAX:
                _OPEN.popitem(last=False)
        _OPEN.move_to_end(key)
        return log

    def count(self, *decisions: str) -> int:
        self._refresh()
        return sum(self._index.counts.get(d, 0) for d in decisions)

    def last_entry(self, agent: str) -> dict[str, Any] | None:
        """The agent's most recent entry that is not a reject."""
        self._refresh()
        return self._index.last.get(agent)

    def produced_by(self, sha256: str) -> str | None:
        """The agent whose approve entry recorded writing a file with this digest."""
        entry = self.emitter(sha256)
        return str(entry.get("agent")) if entry else None

    def emitter(self, sha256: str) -> dict[str, Any] | None:
        """The approve entry that recorded writing a file with this digest."""
        self._refresh()
        return self._index.produced.get(sha256)

    def wrote(self, path: str) -> str | None:
        """sha256 of the last bytes a logged decision wrote to PATH (repository-relative), if any."""
        self._refresh()
        return self._index.written.get(path)

    def closed(self) -> dict[str, Any] | None:
        """The entry that closed the epic (``guardians close``), if any."""
        self._refresh()
        return self._index.closed

    def consumed(self, entry_hash_: str) -> bool:
        """True when a later decision consumed the handoff this entry emitted."""
        self._refresh()
        return entry_hash_ in self._index.consumed

    def head(self) -> tuple[int, str]:
        """(seq of the last guardian entry, chain head) after every complete line."""
        self._refresh()
        return self._index.seq, self._index.head

    def latest_approval(self) -> dict[str, Any] | None:
        self._refresh()
        return self._index.approval

    def has_key(self, key: str) -> bool:
        """True when a decision for the message with this sha256 is committed."""
        self._refresh()
        return key in self._index.keys

    def entries(self, *, agent_lines: bool = False) -> Iterator[dict[str, Any]]:
        """Stream complete guardian entries (and agent lines if asked); a torn final line is skipped."""
        if not _log_exists(self.path):
            return
        with _open_log(self.path) as fh:
            for lineno, raw in enumerate(fh, 1):
                if not raw.endswith(b"\n"):
                    return
                entry = _parse_line(raw, lineno, self.path)
                if agent_lines or is_guardian_entry(entry):
                    yield entry

    # -- writing -----------------------------------------------------------------

    def append(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Chain, hash and durably append one entry; returns the full entry."""
        with self._lock():
            self.repair()
            self._refresh()
            entry = dict(fields)
            entry["seq"] = self._index.seq + 1
            entry["prev_hash"] = self._index.head
            entry.pop("hash", None)
            entry.pop("sig", None)
            entry["hash"] = entry_hash(entry)
            if self.trust.signer is not None:
                from guardians.trust.sshsig import NS_DECISION

                entry["sig"] = self.trust.signer.sign(entry["hash"].encode(), NS_DECISION)
            line = canonical(entry) + b"\n"
            if len(line) > MAX_LINE:
                raise ValueError(f"decision log entry is {len(line)} bytes; the limit is {MAX_LINE}")
            self._write_line(line)
            self._index.chain.check(entry, line, ours=True)
            self._index.offset += len(line)
            self._index.seq = entry["seq"]
            self._index.head = entry["hash"]
            self._index.add(entry)
            return entry

    def append_agent_line(self, fields: dict[str, Any]) -> bytes:
        """Append one agent line (no chain keys) under the lock, in one write.

        The log is verified up to its end first, so an agent line is never
        added after a break (which would make the break harder to find).
        """
        line = canonical({k: v for k, v in fields.items() if k not in ("seq", "prev_hash", "hash", "sig")}) + b"\n"
        if len(line) > MAX_LINE:
            raise ValueError(f"agent line is {len(line)} bytes; the limit is {MAX_LINE}")
        with self._lock():
            self.repair()
            self._refresh()
            self._write_line(line)
            self._index.chain.check(json.loads(line), line)
            self._index.offset += len(line)
            self._index.head = self._index.chain.head
        return line

    def _write_line(self, line: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        from guardians.store.safepaths import open_regular

        fd = open_regular(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            written = os.write(fd, line)
            if written != len(line):
                # A short write leaves a torn tail that repair() will cut off.
                raise OSError(f"short write to {self.path}: {written} of {len(line)} bytes")
            # An fsync error is not retried: the page may already be dropped.
            os.fsync(fd)
        finally:
            os.close(fd)

    def startup_repair(self) -> str | None:
        """Repair a torn tail under the append lock before anything reads the log."""
        with self._lock():
            return self.repair()

    def repair(self) -> str | None:
        """Quarantine and cut a torn or garbage last line. Caller holds the lock.

        Returns the quarantine file name when something was repaired.
        """
        if not _log_exists(self.path):
            return None
        from guardians.store.safepaths import expect_dir, open_regular

        with os.fdopen(open_regular(self.path, os.O_RDWR), "r+b") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                return None
            cut = _good_prefix_length(fh, size)
            if cut == size:
                return None
            fh.seek(cut)
            tail = fh.read()
            from guardians.store.atomic import atomic_write_bytes
            from guardians.store.layout import stamp

            qdir = self.path.parent / "quarantine"
            expect_dir(qdir, str(qdir))
            qfile = qdir / f"{self.path.name}.{stamp()}.{cut}.torn"
            atomic_write_bytes(qfile, tail)
            fh.truncate(cut)
            fh.flush()
            os.fsync(fh.fileno())
        self._index = self._fresh()
        return qfile.name

    def verify(self) -> VerifyResult:
        return verify_file(self.path, self.epic_id, self.trust.anchor)


def _log_exists(path: Path) -> bool:
    """False when there is no log yet; refuses anything but a regular file."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(mode):
        what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        raise LogCorruptError(
            f"{path} is {what}; the decision log must be the file the guardians append to "
            "(move the link, directory or device away, then restore the log from version control)"
        )
    return True


def _open_log(path: Path) -> BinaryIO:
    """The log opened for reading without following a link (it must be a regular file)."""
    from guardians.store.safepaths import UnsafePathError, open_regular

    try:
        return os.fdopen(open_regular(path, os.O_RDONLY), "rb")
    except UnsafePathError as exc:
        raise LogCorruptError(str(exc)) from None


def _parse_line(raw: bytes, lineno: int, path: Path) -> dict[str, Any]:
    fix = (
        "`guardians log verify` names the first broken line; restore the log from version control, or run "
        f"`guardians adopt {path.parent.parent.name}` to keep it under consensus/legacy/ and start a new log"
    )
    entry = parse_entry(raw)
    if isinstance(entry, str):
        raise LogCorruptError(f"{path}:{lineno}: decision log line {lineno} is {entry}; {fix}")
    return entry


def _good_prefix_length(fh: BinaryIO, size: int) -> int:
    """Length of the file up to and including the last good line.

    Only the final line may be bad; a bad line earlier means the log was
    damaged some other way, and we refuse to guess (fail closed).
    """
    if _tail_is_clean(fh, size):
        return size
    data_tail_start = max(0, size - 2 * MAX_LINE)
    fh.seek(data_tail_start)
    tail = fh.read(size - data_tail_start)
    last_nl = tail.rfind(b"\n")
    if last_nl == -1:
        if data_tail_start:
            # No entry is longer than MAX_LINE, so one interrupted append cannot
            # leave this much; cutting inside it would glue the next entry to garbage.
            raise LogCorruptError(
                f"decision log ends with more than {len(tail)} bytes without a line break; refusing to repair"
            )
        return 0
    complete_end = data_tail_start + last_nl + 1
    # Is the last complete line itself garbage (e.g. a line of NULs)?
    prev_nl = tail.rfind(b"\n", 0, last_nl)
    if prev_nl == -1 and data_tail_start:
        # The last complete line starts before the window: it is not one of ours.
        raise LogCorruptError("decision log's last line is longer than any entry; refusing to repair")
    last_line = tail[prev_nl + 1 : last_nl + 1]
    shape = _entry_shape(last_line)
    if shape == "edited":
        # Complete and shaped like an entry, but its hash is wrong: no crash
        # leaves that, someone changed it. Cutting it would hide the change.
        raise LogCorruptError(
            "decision log's last line is an entry whose hash does not match its content (edited); "
            "refusing to repair: `guardians log verify` shows it, restore the log from version control"
        )
    if shape in ("garbage", "forged"):
        # A forged guardian line at the tail is cut like garbage (and kept in
        # quarantine/): nothing trusts it and nothing chains onto it. Anywhere
        # else the chain verifier refuses the log at that line.
        # Not one of our entries (torn JSON, NULs, or a parseable line that is
        # no entry): quarantine and cut it, so nothing chains onto it.
        if prev_nl == -1 and data_tail_start == 0:
            return 0
        _ensure_line_ok(tail, prev_nl)
        return data_tail_start + prev_nl + 1
    return complete_end


_ENTRY_KEYS = ("seq", "prev_hash", "hash")


def _entry_shape(line: bytes) -> str:
    """'entry' (a hashed entry), 'agent' (an agent's own line), 'edited' (entry-shaped, hash wrong),
    'forged' (an unchained line naming a guardian) or 'garbage'."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return "garbage"
    if isinstance(value, dict) and not is_guardian_entry(value) and isinstance(value.get("agent"), str):
        from guardians.protocol.order import GUARDIANS

        return "forged" if value["agent"] in GUARDIANS else "agent"
    if not isinstance(value, dict) or not all(k in value for k in _ENTRY_KEYS):
        return "garbage"
    if not isinstance(value["seq"], int) or not isinstance(value["hash"], str):
        return "garbage"
    try:
        ok = value["hash"] == entry_hash(value)
    except (TypeError, ValueError):
        return "garbage"
    return "entry" if ok else "edited"


def _tail_is_clean(fh: BinaryIO, size: int, window: int = 64 * 1024) -> bool:
    """The common case, cheaply: the file ends with a complete line that parses.

    Reads at most ``window`` bytes, so opening a long log stays O(1).
    """
    start = max(0, size - window)
    fh.seek(start)
    tail = fh.read(size - start)
    if not tail.endswith(b"\n"):
        return False
    prev_nl = tail.rfind(b"\n", 0, len(tail) - 1)
    if prev_nl == -1 and start:
        return False  # last line longer than the window: let the full check decide
    return _entry_shape(tail[prev_nl + 1 :]) in ("entry", "agent")


def _ensure_line_ok(tail: bytes, end_nl: int) -> None:
    start = tail.rfind(b"\n", 0, end_nl) + 1
    if _entry_shape(tail[start : end_nl + 1]) not in ("entry", "agent"):
        raise LogCorruptError("decision log has more than one damaged line at its end; refusing to repair")


def verify_file(path: Path, epic_id: str, anchor: AllowedSigners | None = None) -> VerifyResult:
    """Check seq, prev_hash, hash (and, under an anchor, sig) of every line; report the first break."""
    verifier = ChainVerifier(epic_id, anchor)
    try:
        if not _log_exists(path):
            return VerifyResult(True, 0, verifier.head)
    except LogCorruptError as exc:
        return VerifyResult(False, 0, verifier.head, None, str(exc))
    try:
        fh = _open_log(path)
    except (LogCorruptError, OSError) as exc:
        return VerifyResult(False, 0, verifier.head, None, str(exc))
    with fh:
        for raw in fh:
            head = verifier.head
            _, breaks = verifier.feed(raw)
            if breaks:
                return VerifyResult(
                    False, verifier.entries, head, breaks[0].line, breaks[0].reason, verifier.agent_lines
                )
    return VerifyResult(
        True, verifier.entries, verifier.head, None, None, verifier.agent_lines, verifier.signed, verifier.seq
    )


def check_origin(path: Path, epic_id: str, display: str) -> None:
    """Refuse a log whose first line is not the guardians' first entry of EPIC (a cheap check before a run).

    Such a log was started by someone else: appending would chain onto a
    history the guardians cannot vouch for, and its lines would count as
    decisions. ``guardians adopt`` keeps it under consensus/legacy/ and
    starts a new one.
    """
    try:
        with open(path, "rb") as fh:
            first = fh.readline(MAX_LINE)
            only = not fh.read(1)
    except FileNotFoundError:
        return
    if not first or not first.endswith(b"\n") or only:
        # Empty, or one line: a first append a crash cut short looks the same as one foreign
        # line, and repair() quarantines either (the bytes are kept in quarantine/).
        return
    entry = parse_entry(first)
    if _entry_shape(first) == "agent":
        return  # agents' own lines may come first; the chain verifier checks the rest before anything is used
    if isinstance(entry, dict) and entry.get("seq") == 1 and entry.get("prev_hash") == genesis_hash(epic_id):
        try:
            if entry.get("hash") == entry_hash(entry):
                return
        except (TypeError, ValueError):
            pass
    raise LogCorruptError(
        f"{display}:1: the decision log was not started by the guardians of {epic_id} (its first line is not "
        f"their first entry); run `guardians adopt {epic_id}` to keep it under consensus/legacy/ and start a new "
        "log, or restore it from version control"
    )
