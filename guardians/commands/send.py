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
from typing import IO

from guardians.errors import GuardianError, InputError, Location
from guardians.store.inbox import SENT_MODE
from guardians.store.layout import Epic, check_agent, stamp


def send_message(root: Path, epic_id: str, to: str, file: Path, out: IO[str]) -> int:
    try:
        return _send(root, epic_id, to, file, out)
    except InputError as exc:
        out.write(f"error: {exc}\n")
        return 1
    except GuardianError as exc:
        out.write(f"error: {exc}\n")
        return exc.exit_code


def _send(root: Path, epic_id: str, to: str, file: Path, out: IO[str]) -> int:
    from guardians.store.loaders import MAX_BYTES, load_document, read_bounded

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
            raise InputError(_loc(name), f"message is larger than {MAX_BYTES} bytes")
    else:
        data = read_bounded(file, display=str(file))
        name = file.name
    message = load_document(data, name)
    problems = _problems(message, epic_id, to)
    if problems:
        for path, text in problems:
            out.write(f"error: {file}: {path}: {text}\n")
        return 1
    target = _deliver(epic, to, data, message, Path(name).suffix or ".yaml")
    out.write(f"delivered {epic.rel(target)}\n")
    return 0


def _loc(name: str) -> Location:
    return Location(name)


def _problems(message: object, epic_id: str, to: str) -> list[tuple[str, str]]:
    from guardians.protocol.validator import validate_data

    problems = [(p.json_path, p.message) for p in validate_data("message", message)]
    if problems or not isinstance(message, dict):
        return problems
    if message["to"] != to:
        problems.append(("$.to", f"message is addressed to {message['to']!r}, not {to!r}"))
    if message["epic_id"] != epic_id:
        problems.append(("$.epic_id", f"message is for {message['epic_id']!r}, not {epic_id!r}"))
    return problems


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
