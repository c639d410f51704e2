"""``guardians send``: validate a message and deliver it atomically.

The message is written to ``inbox/<to>/.tmp/``, fsynced, made read-only
(mode 0444: the mark of a complete file) and renamed into the inbox, so a
guardian never sees it half-written and decides it without waiting.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from guardians.errors import EXIT_PROBLEMS, GuardianError, InputError, Location
from guardians.store.inbox import SENT_MODE
from guardians.store.layout import Epic, check_agent, stamp

if TYPE_CHECKING:
    from guardians.engine.admission import Admission
    from guardians.trust.anchor import Trust


def send_message(
    root: Path, epic_id: str, to: str, file: Path, out: IO[str], fmt: str = "text", *, trust_ref: str | None = None
) -> int:
    if fmt == "json":
        return _send_json(root, epic_id, to, file, out, trust_ref)
    try:
        return _send(root, epic_id, to, file, out, trust_ref=trust_ref)
    except InputError as exc:
        out.write(f"error: {exc}\n")
        return EXIT_PROBLEMS
    except GuardianError as exc:
        out.write(f"error: {exc}\n")
        return exc.exit_code


def _send_json(root: Path, epic_id: str, to: str, file: Path, out: IO[str], trust_ref: str | None) -> int:
    """``--format json``: one object, {"ok", "delivered"} or {"ok", "verdict", "findings"} or {"ok", "error"}."""
    import io
    import json

    result: dict[str, object]
    text = io.StringIO()
    findings: list[Any] = []
    try:
        code = _send(root, epic_id, to, file, text, findings, trust_ref=trust_ref)
    except GuardianError as exc:
        code = 1 if isinstance(exc, InputError) else exc.exit_code
        result = {"ok": False, "error": str(exc), "findings": []}
    else:
        lines = text.getvalue().splitlines()
        if code == 0:
            result = {"ok": True, "delivered": lines[-1].removeprefix("delivered ")}
        else:
            result = {"ok": False, "error": lines[0].removeprefix("error: "), "findings": findings}
    out.write(json.dumps(result) + "\n")
    return code


def _send(
    root: Path,
    epic_id: str,
    to: str,
    file: Path,
    out: IO[str],
    findings: list[Any] | None = None,
    *,
    trust_ref: str | None = None,
) -> int:
    from guardians.store.loaders import MAX_BYTES, read_bounded
    from guardians.trust.anchor import load_trust

    epic = Epic.at(root, epic_id)
    check_agent(to)
    if not epic.consensus.is_dir():
        raise GuardianError(
            f"{epic_id}: no consensus folder at {epic.rel(epic.consensus)}; run `guardians init {epic_id}`"
        )
    if str(file) == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        name = "stdin.yaml"
        if len(data) > MAX_BYTES:
            raise InputError(Location(name), f"message is larger than {MAX_BYTES} bytes")
    else:
        data = read_bounded(file, display=str(file))
        name = file.name
    trust = load_trust(root, trust_ref=trust_ref)
    return deliver_checked(epic, to, data, name, out, trust=trust, shown=str(file), findings=findings)


def deliver_checked(
    epic: Epic,
    to: str,
    data: bytes,
    name: str,
    out: IO[str],
    *,
    trust: Trust,
    shown: str | None = None,
    findings: list[Any] | None = None,
) -> int:
    """Deliver ``data`` into ``to``'s inbox if the guardian would accept it; the exit code."""
    admission = _admission(epic, to, name, data, trust)
    if not admission.accepted:
        verdict = "reject" if admission.verdict == "reject" else "veto"
        out.write(f"error: {shown or name}: not delivered: the guardians would {verdict} it\n")
        if findings is not None:
            findings.extend(f.to_dict() for f in admission.findings)
        for f in admission.findings:
            out.write(f"error: {f.location()}: {f.code} {f.message}\n")
            if f.suggestion:
                out.write(f"  fix: {f.suggestion}\n")
        return EXIT_PROBLEMS
    assert admission.message is not None
    from guardians.store.safepaths import check_epic

    check_epic(epic)  # never deliver through a symlinked inbox or into a non-directory
    target = _deliver(epic, to, data, admission.message, Path(name).suffix or ".yaml")
    out.write(f"delivered {epic.rel(target)}\n")
    return 0


def _admission(epic: Epic, to: str, name: str, data: bytes, trust: Trust) -> Admission:
    """The same admission the guardian will run, against the log as it is now."""
    from guardians.engine.admission import admit
    from guardians.store.decision_log import DecisionLog

    log = DecisionLog.open(epic.log_path, epic.epic_id, trust)
    rel = f"{epic.rel(epic.inbox(to))}/{name}"
    return admit(epic, to, rel, data, log, trust=trust)


def _deliver(epic: Epic, to: str, data: bytes, message: dict[str, object], suffix: str) -> Path:
    from guardians.store.atomic import fsync_dir

    inbox = epic.inbox(to)
    tmpdir = inbox / ".tmp"
    tmpdir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=tmpdir, suffix=".tmp")
    try:
        os.write(fd, data)
        os.fsync(fd)
        os.fchmod(fd, SENT_MODE)
    finally:
        os.close(fd)
    # Unique, sortable, allowlisted name: time, sender, random part.
    rand = os.urandom(4).hex()
    ext = suffix if suffix in (".json", ".yaml", ".yml") else ".yaml"
    target = inbox / f"{stamp()}_{message.get('from')}_{message.get('type')}_{rand}{ext}"
    os.link(tmp, target)  # never replaces an existing message
    os.unlink(tmp)
    fsync_dir(inbox)
    return target
