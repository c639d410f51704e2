"""The one chain verifier, as `log verify` (first break) and `validate` (every break) use it."""

from __future__ import annotations

import json
from pathlib import Path

from guardians.store.chain import ChainVerifier, canonical, entry_hash, genesis_hash, message_key
from guardians.store.decision_log import verify_file
from tests.conftest import append_entry, consensus


def _log(tmp_path: Path, n: int) -> Path:
    for i in range(n):
        append_entry(tmp_path, "epic_1", "migration", "approve", 1, f"2026_01_01_00_00_{i:02d}")
    return consensus(tmp_path, "epic_1") / "decision_log.jsonl"


def test_a_good_log_feeds_without_breaks(tmp_path):
    path = _log(tmp_path, 3)
    verifier = ChainVerifier("epic_1")
    for raw in path.read_bytes().splitlines(keepends=True):
        entry, breaks = verifier.feed(raw)
        assert breaks == [] and entry is not None
    assert verifier.ok and verifier.entries == 3 and verifier.lines == 3
    assert verifier.head == json.loads(path.read_bytes().splitlines()[-1])["hash"]


def test_a_removed_line_is_one_break_and_the_verifier_resyncs(tmp_path):
    lines = _log(tmp_path, 4).read_bytes().splitlines(keepends=True)
    verifier = ChainVerifier("epic_1")
    found = [b for raw in (lines[0], lines[2], lines[3]) for b in verifier.feed(raw)[1]]
    assert [(b.line, b.field) for b in found] == [(2, "seq"), (2, "prev_hash")]
    assert verifier.first is not None and verifier.first.line == 2 and verifier.first.kind == "seq"
    assert verifier.entries == 1


def test_edited_torn_and_garbage_lines_name_their_reason():
    verifier = ChainVerifier("epic_2")
    entry = {"seq": 1, "prev_hash": genesis_hash("epic_2"), "x": 1}
    entry["hash"] = entry_hash(entry)
    entry["x"] = 2
    _, breaks = verifier.feed(canonical(entry) + b"\n")
    assert [b.kind for b in breaks] == ["hash"] and "edited" in breaks[0].reason
    assert [b.kind for b in verifier.feed(b"[1]\n")[1]] == ["unparsable"]
    assert [b.kind for b in verifier.feed(b'{"seq": 3')[1]] == ["torn"]
    assert verifier.first is not None and verifier.first.line == 1


def test_a_nan_entry_is_a_break_not_a_crash(tmp_path):
    path = _log(tmp_path, 1)
    entry = json.loads(path.read_bytes())
    entry["details"] = {"value": float("nan")}
    path.write_text(json.dumps(entry) + "\n")
    result = verify_file(path, "epic_1")
    assert not result.ok and result.line == 1 and "hash" in (result.problem or "")


def test_verify_file_reports_the_head_before_the_break(tmp_path):
    path = _log(tmp_path, 3)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + lines[2])
    result = verify_file(path, "epic_1")
    assert (result.ok, result.entries, result.line) == (False, 1, 2)
    assert result.head == json.loads(lines[0])["hash"]


def test_message_key_covers_inbox_name_and_bytes():
    key = message_key("deploy", "m.yaml", b"data")
    assert len(key) == 64
    assert key != message_key("backup", "m.yaml", b"data")
    assert key != message_key("deploy", "n.yaml", b"data")
    assert key != message_key("deploy", "m.yaml", b"date")
