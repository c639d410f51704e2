"""Deciding messages exactly once.

For each epic, under a per-epic lease (FileLock on consensus/.guardians.lock):

1. recover: if a journal is left by a crash, finish it (idempotent redo);
2. take the first pending message that is complete (see inbox.py);
3. compute the Decision (pure: guardians read files but write nothing);
4. commit: write the journal (every output's bytes, the log entries, the
   moves), apply it - outputs replaced atomically, log entries appended
   unless already present, message moved to processed/ - and delete it.

A crash anywhere leaves either no journal (nothing happened, or everything
did) or a journal whose replay produces identical outputs and exactly one
set of log entries. The log's ``message_key`` (sha256 of inbox, name and
bytes) makes a replayed or duplicate delivery a no-op.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guardians.engine.admission import Admission
from guardians.engine.context import ArtifactReader, Context, input_finding
from guardians.engine.decision import Decision, OutFile
from guardians.engine.verdicts import veto
from guardians.errors import InputError, Location
from guardians.rules.base import Finding
from guardians.store.chain import message_key
from guardians.store.decision_log import DecisionLog
from guardians.store.inbox import SENT_MODE, SETTLE_INVALID, SETTLE_VALID, Pending, move, pending, unique_target
from guardians.store.layout import GUARDIANS, Epic, stamp
from guardians.store.loaders import read_bounded, read_bounded_id

if TYPE_CHECKING:
    from guardians.trust.anchor import Trust

LEASE_TIMEOUT = 60.0
DOWNSTREAM_FIRST = tuple(reversed(GUARDIANS))

Evaluator = Callable[[Context], "Decision | None"]


@dataclass(frozen=True, slots=True)
class Decided:
    """What a run keeps of one decision once it is committed (the full Decision goes to ``on_decision``)."""

    agent: str
    decision: str
    subject: str | None


@dataclass
class EpicResult:
    # A summary per decision, not the Decision: its findings, details and
    # outputs would grow memory with the backlog (about 5.5 KiB per message).
    decisions: list[Decided] = field(default_factory=list)
    deferred: int = 0
    closed: str | None = None  # why the epic is closed (its messages are left alone)
    # Things the operator must hear about (a quarantined journal).
    notes: list[str] = field(default_factory=list)


def lease(epic: Epic, timeout: float = LEASE_TIMEOUT) -> Any:
    """The per-epic lease: one process decides an epic's messages at a time."""
    from filelock import FileLock

    from guardians.store.gitignore import ensure_gitignore

    if epic.consensus.is_dir():
        ensure_gitignore(epic.consensus)  # before the lock file exists, so git never lists it
    return FileLock(str(epic.lock_path), timeout=timeout)


def process_epic(
    epic: Epic,
    *,
    now: Callable[[], datetime] | None = None,
    on_decision: Callable[[Decision], None] | None = None,
    lease_timeout: float = LEASE_TIMEOUT,
    trust: Trust | None = None,
) -> EpicResult:
    """Decide every complete pending message of ``epic`` until none is left.

    ``trust``: the anchor every guardian entry must verify against and the
    key this process signs with (None: unsigned, as before).
    """
    from guardians.store.filesystems import check_local
    from guardians.store.safepaths import check_epic

    check_epic(epic)
    check_local(epic.consensus)
    clock = now or (lambda: datetime.now(UTC))
    result = EpicResult()
    with lease(epic, lease_timeout):
        from guardians.store.decision_log import check_origin

        # Before any repair: a log someone else started is never cut, quarantined or appended to.
        check_origin(epic.log_path, epic.epic_id, epic.rel(epic.log_path))
        log = DecisionLog.open(epic.log_path, epic.epic_id, trust)
        log.startup_repair()
        log.head()  # verify the whole log before trusting anything in it (raises LogCorruptError)
        note = recover(epic, log)
        if isinstance(note, str):
            result.notes.append(note)
        closing = log.closed()
        if closing is not None:
            details = closing.get("details")
            why = details.get("reason", "") if isinstance(details, dict) else ""
            result.closed = f"closed by {closing.get('agent')}: {why}"
            return result
        skipped: set[Path] = set()
        while True:
            decided = _decide_pass(epic, log, clock, skipped, result, on_decision)
            if not decided:
                break
            # A decision may unblock a message deferred earlier (an approval
            # waiting for its handoff): the next pass tries those again.
            skipped.clear()
        result.deferred = len(skipped)
    return result


def _decide_pass(
    epic: Epic,
    log: DecisionLog,
    clock: Callable[[], datetime],
    skipped: set[Path],
    result: EpicResult,
    on_decision: Callable[[Decision], None] | None,
) -> int:
    """Decide every pending message of one listing, in pipeline order; returns how many.

    The inboxes are listed once per pass, not once per decision, so draining
    n messages costs O(n) listing work. Messages written during the pass
    (our own handoffs included) are found by the next pass.
    """
    count = 0
    # Downstream first: a handoff is decided before the guardian that wrote it
    # decides a newer round, which would make it stale (handoffs are single-use).
    for item in pending(epic, DOWNSTREAM_FIRST):
        if item.path in skipped or not os.path.lexists(item.path):
            continue  # deferred in this pass, or moved by an earlier decision
        decision = decide(epic, item, log, clock())
        if decision is not None:
            count += 1
            if on_decision is not None:
                on_decision(decision)
            result.decisions.append(Decided(decision.agent, decision.decision, decision.subject))
            if decision.details.get("handed_to"):
                break  # list again, downstream first: the new handoff goes before the next round
        elif os.path.lexists(item.path):
            skipped.add(item.path)
    return count


def decide(epic: Epic, item: Pending, log: DecisionLog, now: datetime) -> Decision | None:
    """Decide one pending message and commit; None when it must wait."""
    from guardians.engine.admission import admit

    rel = epic.rel(item.path)
    try:
        data, ident = read_bounded_id(item.path, display=rel)
    except InputError as exc:
        if not os.path.lexists(item.path):
            return None  # gone since the listing (its writer took it back): nothing to decide
        return _reject_unreadable(epic, item, log, now, exc)
    key = message_key(item.agent, item.path.name, data)
    if log.has_key(key):
        # Decided before a crash cut the move short, or redelivered verbatim.
        move(item.path, unique_target(item.path.parent / "processed", item.path.name, key))
        return None
    if not item.sent and item.age() < SETTLE_VALID:
        return None  # maybe still being written
    reader = ArtifactReader(epic)
    admission = admit(epic, item.agent, rel, data, log, reader)
    if not admission.parsed and not item.sent and item.age() < SETTLE_INVALID:
        return None  # maybe still being written
    decision = _decide_admitted(epic, item, key, admission, log, now, reader)
    if decision is None:
        return None
    return _commit(epic, log, item, key, decision, now, ident)


def _decide_admitted(
    epic: Epic, item: Pending, key: str, admission: Admission, log: DecisionLog, now: datetime, reader: ArtifactReader
) -> Decision | None:
    """Turn the admission verdict into a decision; only admitted messages reach a gate."""
    if admission.verdict == "reject":
        return _reject(epic, item.agent, admission.iteration, admission.summary, admission.findings)
    assert admission.message is not None  # parsed, or it would be a reject
    ctx = Context(epic, item.agent, admission.message, item.path, key, now, log, reader, admission.signed_by)
    if admission.verdict == "veto" and admission.subject in ("invalid_artifact", "input_changed"):
        decision: Decision | None = veto(ctx, admission.subject, admission.findings, admission.summary)
    elif admission.verdict == "veto":
        return invalid_veto(epic, item, key, now, str(admission.sender), admission.findings, admission.iteration)
    else:
        from guardians.gates import EVALUATORS

        decision = EVALUATORS[item.agent](ctx)
    if decision is not None:
        decision.inputs.update(reader.inputs)
        decision.consumes = admission.bound
    return decision


def invalid_veto(
    epic: Epic, item: Pending, key: str, now: datetime, sender: str, findings: list[Finding], iteration: int
) -> Decision:
    """Veto an unusable message back to its sender, listing every finding."""
    from guardians.engine.verdicts import veto_file

    rel = epic.rel(item.path)
    veto_out = veto_file(item.agent, sender, epic, iteration, now, key, "invalid_message", findings, fallback=rel)
    return Decision(
        item.agent,
        "veto",
        epic.epic_id,
        iteration,
        "message rejected as invalid",
        findings,
        subject="invalid_message",
        files=[veto_out],
        details={"vetoed_to": sender},
    )


def _reject(epic: Epic, agent: str, iteration: int, summary: str, findings: list[Finding]) -> Decision:
    """Move a message to rejected/ with no reply: nobody to answer, or nobody who should be."""
    return Decision(
        agent,
        "reject",
        epic.epic_id,
        iteration,
        summary,
        findings,
        subject=findings[0].subject if findings and findings[0].subject else "invalid_message",
        details={"reason": findings[0].message if findings else summary},
    )


def _reject_unreadable(epic: Epic, item: Pending, log: DecisionLog, now: datetime, exc: InputError) -> Decision | None:
    if not item.sent and item.age() < SETTLE_INVALID and "larger than" not in exc.message:
        return None
    key = message_key(item.agent, item.path.name, f"{exc.message}:{item.mtime}".encode())
    if log.has_key(key):
        return None
    finding = input_finding(
        exc,
        "GRD001",
        "invalid_message",
        "write the message as one valid JSON or YAML document; see `guardians schema show message`",
    )
    decision = _reject(epic, item.agent, 1, "unreadable message moved to rejected/", [finding])
    return _commit(epic, log, item, key, decision, now)


# --- commit -------------------------------------------------------------------------


def _commit(
    epic: Epic,
    log: DecisionLog,
    item: Pending,
    key: str,
    decision: Decision,
    now: datetime,
    ident: tuple[int, int] | None = None,
) -> Decision:
    from guardians.engine.fit import fit_findings, output_problem

    # Size and sanity first: nothing below may produce a journal that cannot be applied.
    fit_findings(decision, epic.rel(epic.artifacts), key)
    problem = output_problem(decision.files)
    if problem:
        decision = _too_large(decision, problem)
    rel_msg = epic.rel(item.path)
    folder = "rejected" if decision.decision == "reject" else "waiting" if decision.park else "processed"
    dest = unique_target(item.path.parent / folder, item.path.name, key)
    files = _resolve_names(epic, decision.files)
    decision.files = files
    keep = _foreign_outputs(epic, log, files)
    if keep:
        decision.details["kept"] = [{"path": src, "sha256": sha, "moved_to": dst} for src, dst, sha in keep]
        names = ", ".join(src.rsplit("/", 1)[-1] for src, _, _ in keep)
        decision.summary += f"; kept hand-written {names} in legacy/"
    outputs = {f.path: hashlib.sha256(f.data).hexdigest() for f in files}
    base = {
        "timestamp": stamp(now),
        "agent": decision.agent,
        "epic_id": decision.epic_id,
        "iteration": decision.iteration,
        "source_document": rel_msg,
        "previous_artifacts": decision.previous_artifacts or sorted(decision.inputs),
        "inputs": dict(sorted(decision.inputs.items())),
        "message_key": key,
    }
    entry = {
        **base,
        "decision": decision.decision,
        "details": _details(decision),
        "outputs": outputs,
    }
    if decision.consumes:
        entry["consumes"] = decision.consumes  # the handoff's emitting entry: used up now
    entries = _fit_entries([entry] + [{**base, "outputs": {}, **extra} for extra in decision.followups])
    signer = log.trust.signer
    if signer is not None:
        from guardians.trust.sshsig import NS_DECISION

        # Detached signatures next to every output, verifiable with `ssh-keygen -Y verify`.
        # Each .sig goes just before its file: that file's durable write syncs the folder for both.
        files = [x for f in files for x in (OutFile(f.path + ".sig", signer.sign(f.data, NS_DECISION).encode()), f)]
    journal: dict[str, Any] = {
        "message": rel_msg,
        "dest": epic.rel(dest),
        "key": key,
        "files": [{"path": f.path, "data": base64.b64encode(f.data).decode()} for f in files],
        "moves": [list(m) for m in decision.moves],
        "keep": [[src, dst] for src, dst, _ in keep],
        "entries": entries,
        "reason": decision.details.get("reason") if folder == "rejected" else None,
        # (device, inode) of the bytes decided: only that file is moved.
        "ident": list(ident) if ident else None,
    }
    from guardians.engine.journal import seal
    from guardians.store.atomic import atomic_write_bytes

    atomic_write_bytes(epic.journal_path, seal(journal, signer))
    _apply(epic, log, journal)
    return decision


def _fit_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries whose details would make an over-long log line keep only their summary."""
    from guardians.engine.fit import ENTRY_BUDGET, entry_size, shrink_entry
    from guardians.store.decision_log import MAX_LINE

    out = [shrink_entry(e) if entry_size(e) > ENTRY_BUDGET else e for e in entries]
    for e in out:
        if entry_size(e) > MAX_LINE - 1024:  # seq, prev_hash and hash are added on append
            raise InputError(Location(str(e.get("source_document"))), "decision is too large to record")
    return out


def _too_large(decision: Decision, problem: str) -> Decision:
    """A decision whose outputs cannot be written becomes a reject that says why."""
    reason = f"{problem}; nothing was written (split the change into smaller pieces)"
    return Decision(
        decision.agent,
        "reject",
        decision.epic_id,
        decision.iteration,
        reason,
        decision.findings,
        subject="decision_too_large",
        details={"reason": reason, **{k: v for k, v in decision.details.items() if k.startswith("findings_")}},
    )


def _details(decision: Decision) -> dict[str, Any]:
    details = dict(decision.details)
    details["summary"] = decision.summary
    if decision.subject:
        details["subject"] = decision.subject
    details["findings"] = [f.to_dict() for f in decision.findings]
    return details


def _resolve_names(epic: Epic, files: list[OutFile]) -> list[OutFile]:
    """Give veto/escalation files a name no other file has (same-second vetoes)."""
    out: list[OutFile] = []
    taken: set[str] = set()
    for f in files:
        path = f.path
        name = path.rsplit("/", 1)[-1]
        if name.startswith(("veto_", "escalation_", "handoff_")):
            stem = path[: -len(".yaml")]
            n = 1
            while path in taken or (epic.root / path).exists():
                n += 1
                path = f"{stem}_{n}.yaml"
        taken.add(path)
        out.append(OutFile(path, f.data))
    return out


def _foreign_outputs(epic: Epic, log: DecisionLog, files: list[OutFile]) -> list[tuple[str, str, str]]:
    """(path, legacy path, sha256) of every output about to be replaced that no logged decision wrote.

    Guardians never overwrite a file they did not write (docs/protocol.md): a
    hand-written ``deployment.json`` is kept under ``consensus/legacy/`` and
    the decision's log entry records where, with its sha256.
    """
    keep = []
    for f in files:
        if "/messages/inbox/" in f.path:
            continue  # messages get names no other file has (_resolve_names)
        path = epic.root / f.path
        try:
            current = read_bounded(path, display=f.path, max_bytes=64 << 20)
        except InputError:
            if path.exists() or path.is_symlink():
                # A link, a folder or a device where our output goes: keep it too (rename, never follow).
                keep.append((f.path, _legacy_name(epic, f.path, "0" * 64), "0" * 64))
            continue
        sha = hashlib.sha256(current).hexdigest()
        if sha != log.wrote(f.path) and sha != hashlib.sha256(f.data).hexdigest():
            keep.append((f.path, _legacy_name(epic, f.path, sha), sha))
    return keep


def _legacy_name(epic: Epic, rel: str, sha: str) -> str:
    name = Path(rel).name
    stem, dot, ext = name.rpartition(".")
    base = f"{stem}.{sha[:12]}.{ext}" if dot and stem else f"{name}.{sha[:12]}"
    return epic.rel(epic.consensus / "legacy" / base)


def _keep(src: Path, dst: Path) -> None:
    """Move a foreign file to legacy/ once; a replay never moves our own new file over it."""
    if dst.exists() or dst.is_symlink() or not (src.exists() or src.is_symlink()):
        return
    move(src, dst)


def _apply(epic: Epic, log: DecisionLog, journal: dict[str, Any]) -> None:
    """Redo-able: every step is idempotent."""
    from guardians.store.atomic import atomic_write_bytes, fsync_dir

    for src, dst in journal.get("keep", []):
        _keep(_inside(epic, src), _inside(epic, dst))
    unsynced: set[Path] = set()
    for f in journal["files"]:
        target = _inside(epic, f["path"])
        # Messages we deliver are complete: mark them read-only like `guardians send`.
        mode = SENT_MODE if "/messages/inbox/" in f["path"] else 0o644
        # A detached .sig is a convenience for outside verifiers; the signed log
        # entry (which holds every output's sha256) is the durable proof. So a
        # .sig skips its own fsyncs; the durable write of its file, right after
        # it in the same folder, syncs the folder for both.
        detached = f["path"].endswith(".sig")
        atomic_write_bytes(target, base64.b64decode(f["data"]), mode=mode, durable=not detached)
        (unsynced.add if detached else unsynced.discard)(target.parent)
    for folder in unsynced:
        fsync_dir(folder)
    for src, dst in journal["moves"]:
        _move_signature(_inside(epic, src), _inside(epic, dst))
        move(_inside(epic, src), _inside(epic, dst))
    done = sum(1 for e in log.entries() if e.get("message_key") == journal["key"]) if log.has_key(journal["key"]) else 0
    for entry in journal["entries"][done:]:
        log.append(entry)
    message = _inside(epic, journal["message"])
    dest = _inside(epic, journal["dest"])
    _move_signature(message, dest)
    _move_decided(message, dest, journal.get("ident"))
    if journal.get("reason"):
        atomic_write_bytes(dest.with_name(dest.name + ".reason"), (str(journal["reason"]) + "\n").encode())
    os.unlink(epic.journal_path)
    from guardians.store.atomic import fsync_dir

    fsync_dir(epic.consensus)


def _move_decided(message: Path, dest: Path, ident: list[int] | None) -> None:
    """Move the decided message, but only if it is still the file whose bytes were decided.

    A file renamed over the same name while we decided (or after a crash,
    before the replay) is a new message: it stays pending and is decided
    on its own.
    """
    try:
        info = os.lstat(message)
    except FileNotFoundError:
        return
    if ident and [info.st_dev, info.st_ino] != list(ident):
        return
    move(message, dest)
    if not ident:
        return
    moved = os.lstat(dest)
    if [moved.st_dev, moved.st_ino] != list(ident):
        # Swapped between the check and the rename: put the newcomer back.
        _requeue(dest, message)


def _requeue(path: Path, pending_name: Path) -> None:
    target = pending_name
    n = 1
    while True:
        try:
            os.link(path, target)
            break
        except FileExistsError:
            n += 1
            target = pending_name.with_name(f"{pending_name.stem}.{n}{pending_name.suffix}")
    os.unlink(path)
    from guardians.store.atomic import fsync_dir

    fsync_dir(pending_name.parent)


def _move_signature(src: Path, dst: Path) -> None:
    """A guardian's message keeps its detached signature next to it when it moves.

    Called just before the message itself is moved, whose folder fsyncs
    make this rename durable too.
    """
    sig = src.with_name(src.name + ".sig")
    if sig.is_file() and not sig.is_symlink():
        dst.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.replace(sig, dst.with_name(dst.name + ".sig"))


def _inside(epic: Epic, rel: str) -> Path:
    # Resolve the folder, not the file: a message may itself be a symlink
    # that we are moving to rejected/ without following it.
    path = (epic.root / rel).parent.resolve()
    if ".." in Path(rel).parts or not path.is_relative_to(epic.consensus.resolve()):
        raise InputError(Location(rel), "path escapes the epic folder")
    return epic.root / rel


STALE_SEND_TMP = 36 * 3600  # Maildir's rule for abandoned tmp/ files


def sweep_temp_files(epic: Epic, now: float | None = None) -> int:
    """Delete temp files a crash left behind. Caller holds the lease.

    Our atomic writes (``.<name>.<random>.tmp``) in the epic happen only under
    the lease, so any found now are orphans. ``guardians send`` writes into
    ``inbox/<agent>/.tmp/`` without the lease; those are removed only when
    untouched for 36 hours.
    """
    import time

    clock = now if now is not None else time.time()
    removed = 0
    folders = [epic.consensus, epic.artifacts, epic.checkpoints]
    if epic.inbox_root.is_dir():
        for inbox in epic.inbox_root.iterdir():
            folders += [inbox, inbox / "processed", inbox / "waiting", inbox / "rejected"]
            removed += _sweep(inbox / ".tmp", lambda n, age: age > STALE_SEND_TMP, clock)
    for folder in folders:
        removed += _sweep(folder, lambda n, age: n.startswith(".") and n.endswith(".tmp"), clock)
    return removed


def _sweep(folder: Path, stale: Callable[[str, float], bool], clock: float) -> int:
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return 0
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        if entry.is_file(follow_symlinks=False) and stale(entry.name, clock - info.st_mtime):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed += 1
    return removed


_SWEPT: set[Path] = set()


def recover(epic: Epic, log: DecisionLog) -> bool | str:
    """Finish a commit that a crash interrupted. Caller holds the lease.

    True when a journal was replayed; a note (str) when one was quarantined
    instead because it is malformed or, under a trust anchor, not signed by a
    guardian key: a journal is replayed with the guardians' authority (its
    entries are chained and signed by us), so we replay only our own.
    """
    # Orphans come only from a process that died mid-write, so one sweep per
    # epic per process is enough (our own failed writes clean up after themselves).
    if epic.consensus not in _SWEPT:
        sweep_temp_files(epic)
        _SWEPT.add(epic.consensus)
    if not epic.journal_path.exists():
        return False
    from guardians.engine.journal import JournalRefused, open_journal, quarantine
    from guardians.store.safepaths import open_regular

    try:
        with os.fdopen(open_regular(epic.journal_path, os.O_RDONLY), "rb") as fh:
            raw = fh.read()
        journal = open_journal(raw, log.trust.anchor)
    except (OSError, JournalRefused) as exc:
        # Ours are written atomically, so one that does not open is not ours:
        # keep it for inspection and carry on; its message is still pending.
        return quarantine(epic, str(exc))
    _apply(epic, log, journal)
    return True
