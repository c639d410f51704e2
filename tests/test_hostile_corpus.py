"""Every file and tree of tests/hostile/ through validate, send and run.

For each case the repository holds two epics; the case is applied to epic_1.
Whatever the case, the process stays up (no internal error), epic_2 is
decided, nothing already written changes (the log only grows by complete
entries; files outside the repository are untouched), and epic_1 ends in a
named error, a veto, a reject or a decision.

The corpus is rebuilt by ``python tests/hostile/make_corpus.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import consensus
from tests.hostile_support import age, decided, inbox, make_repo, snapshot

HOSTILE = Path(__file__).resolve().parent / "hostile"
KINDS = ("messages", "migrations", "trees")
CASES = [(kind, p.name) for kind in KINDS for p in sorted((HOSTILE / kind).iterdir())]
SCRATCH = (".guardians.journal.json",)  # our own redo file: replayed and removed
PENDING = re.compile(r"/messages/inbox/[^/]+/[^/]+$")  # a pending message moves on once decided


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 80


def _entry_lines(data: bytes) -> list[bytes]:
    """The complete, hashed entries of a log's bytes (torn or foreign lines left out)."""
    out = []
    for line in data.split(b"\n")[:-1]:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and "hash" in value:
            out.append(line)
    return out


def _log_op(epic: Path, op: dict[str, Any]) -> None:
    from guardians.store.decision_log import DecisionLog

    path = epic / "consensus" / "decision_log.jsonl"
    if "log" in op:
        log = DecisionLog(path, "epic_1")
        for n in range(op["log"]):
            log.append({"agent": "quality", "decision": "reject", "epic_id": "epic_1", "iteration": 1, "n": n})
        return
    lines = path.read_bytes().splitlines(keepends=True)
    if "damage_log_line" in op:
        lines[op["damage_log_line"] - 1] = b"garbage\n"
    else:  # edit_last_entry: still an entry, but its hash no longer matches
        entry = json.loads(lines[-1])
        entry["decision"] = "approve"
        lines[-1] = json.dumps(entry).encode() + b"\n"
    path.write_bytes(b"".join(lines))


def _json_set(path: Path, key: list[Any], value: Any) -> None:
    data = json.loads(path.read_text())
    node = data
    for part in key[:-1]:
        node = node[part]
    node[key[-1]] = value
    path.write_text(json.dumps(data))


def _write(path: Path, data: bytes, mode: str = "wb") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open(mode) as fh:
        fh.write(data)


_FILE_OPS: dict[str, Callable[[Callable[[str], Path], Path, dict[str, Any]], None]] = {
    "write": lambda at, p, op: _write(p, op["text"].encode("utf-8", "surrogatepass")),
    "append": lambda at, p, op: _write(p, op["text"].encode(), "ab"),
    "symlink": lambda at, p, op: p.symlink_to(at(op["to"])),
    "hardlink": lambda at, p, op: os.link(at(op["to"]), p),
    "mkdir": lambda at, p, op: p.mkdir(parents=True),
    "fifo": lambda at, p, op: os.mkfifo(p),
    "remove": lambda at, p, op: shutil.rmtree(p) if p.is_dir() else p.unlink(),
    "move": lambda at, p, op: shutil.move(p, at(op["to"])),
    "json_set": lambda at, p, op: _json_set(p, op["key"], op["value"]),
}


def _apply_tree(root: Path, outside: Path, spec: dict[str, Any]) -> None:
    epic = root / "docs" / "specs" / "epic_1"

    def at(rel: str) -> Path:
        return Path(rel.replace("{outside}", str(outside))) if rel.startswith("{outside}") else epic / rel

    for op in spec["ops"]:
        name, arg = next(iter(op.items()))
        if name in _FILE_OPS:
            _FILE_OPS[name](at, at(arg), op)
        else:
            _log_op(epic, op)


def _prepare(kind: str, name: str, root: Path, outside: Path, tmp_path: Path) -> tuple[Path, str | None]:
    """Apply the case; returns the file to `guardians send` and the inbox name to expect decided."""
    source = HOSTILE / kind / name
    handoff = inbox(root, "migration") / "001_handoff.yaml"
    if kind == "messages":
        handoff.unlink()
        dropped = inbox(root, "migration") / name
        shutil.copyfile(source, dropped)
        age(dropped)
        return source, name
    if kind == "migrations":
        migrations = consensus(root, "epic_1") / "artifacts" / "migrations"
        shutil.copyfile(source, migrations / name)
        impl_path = consensus(root, "epic_1") / "artifacts" / "implementation.json"
        impl = json.loads(impl_path.read_text())
        impl["migrations"] = [f"docs/specs/epic_1/consensus/artifacts/migrations/{name}"]
        impl_path.write_text(json.dumps(impl))
        to_send = tmp_path / "handoff.yaml"
        shutil.move(handoff, to_send)  # delivered by `guardians send` this time
        return to_send, None
    spec = json.loads(source.read_text())
    to_send = tmp_path / "handoff.yaml"
    shutil.copyfile(handoff, to_send)
    to_send.write_text(to_send.read_text().replace("iteration: 1", "iteration: 2"))
    _apply_tree(root, outside, spec)
    return to_send, None


def _no_crash(result: Result, allowed: tuple[int, ...]) -> None:
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    assert result.exit_code in allowed, (result.exit_code, result.output)


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("kind", "name"), CASES, ids=[f"{k}/{n}" for k, n in CASES])
def test_hostile_case(kind: str, name: str, tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    root = make_repo(tmp_path / "repo", epics=2)
    outside = tmp_path / "outside"
    outside.mkdir()
    to_send, expect_decided = _prepare(kind, name, root, outside, tmp_path)
    before = {
        **{f"repo/{k}": v for k, v in snapshot(root).items()},
        **{f"out/{k}": v for k, v in snapshot(outside).items()},
    }
    log_path = consensus(root, "epic_1") / "decision_log.jsonl"
    log_before = log_path.read_bytes() if log_path.is_file() and not log_path.is_symlink() else b""

    _no_crash(run_cli("validate", "--root", str(root)), (0, 1))
    sent = run_cli("send", "--root", str(root), "epic_1", "--to", "migration", str(to_send))
    _no_crash(sent, (0, 1, 2))
    if sent.exit_code:
        assert sent.output.startswith("error: "), sent.output  # a named error
    ran = run_cli("run", "--root", str(root))
    _no_crash(ran, (0, 2))

    # Every other epic is decided.
    assert decided(root, "epic_2")[-1] == "operational", ran.output
    # Each case ends in a named error, a veto, a reject or a decision.
    if ran.exit_code == 2:
        assert "error: epic_1: " in ran.output and "could not be decided: epic_1" in ran.output
    else:
        assert decided(root, "epic_1"), ran.output
    if expect_decided and ran.exit_code == 0:
        entries = [json.loads(x) for x in log_path.read_text().splitlines()]
        assert any(e["source_document"].endswith(f"/{expect_decided}") for e in entries)
        assert not (inbox(root, "migration") / expect_decided).exists()
    # Nothing already written changes: files keep their bytes (pending messages
    # move on), the log only gains complete entries, outside stays untouched.
    after = {
        **{f"repo/{k}": v for k, v in snapshot(root).items()},
        **{f"out/{k}": v for k, v in snapshot(outside).items()},
    }
    for path, digest in before.items():
        if path.endswith(SCRATCH) or PENDING.search(path):
            continue
        if path.endswith("/epic_1/consensus/decision_log.jsonl"):
            new = log_path.read_bytes() if log_path.is_file() and not log_path.is_symlink() else b""
            old_entries = _entry_lines(log_before)
            assert _entry_lines(new)[: len(old_entries)] == old_entries
            continue
        assert after.get(path) == digest, f"{path} changed or vanished"
