"""``guardians adopt``: a log the guardians did not start is kept under legacy/, and a new one begins."""

from __future__ import annotations

import hashlib
import json

from tests.conftest import consensus, log_entries


def _legacy_epic(root):
    folder = consensus(root, "epic_8")
    (folder / "messages" / "inbox" / "migration").mkdir(parents=True)
    (folder / "artifacts").mkdir()
    # what agents wrote before the guardians came: a pretty-printed object and a protocol line
    log = (
        json.dumps({"timestamp": "2026-11-01T10:00:00Z", "agent": "quality", "decision": "complete"}, indent=2) + "\n"
    ).encode()
    (folder / "decision_log.jsonl").write_bytes(log)
    (folder / "artifacts" / "runbook.md").write_text("# our own runbook\n")
    return folder, log


def test_adopt_keeps_the_old_log_and_starts_a_verified_one(run_cli, tmp_path) -> None:
    folder, old = _legacy_epic(tmp_path)
    refused = run_cli("run", "--root", str(tmp_path))
    assert refused.exit_code == 2 and "guardians adopt epic_8" in refused.output + refused.stderr
    assert (folder / "decision_log.jsonl").read_bytes() == old  # run changed nothing

    adopted = run_cli("adopt", "epic_8", "--root", str(tmp_path))
    assert adopted.exit_code == 0, adopted.output
    kept = {p.read_bytes() for p in (folder / "legacy").iterdir()}
    assert old in kept
    first = log_entries(tmp_path, "epic_8")[0]
    assert first["decision"] == "adopted" and first["seq"] == 1
    assert hashlib.sha256(old).hexdigest() in {m["sha256"] for m in first["details"]["legacy"]}
    assert run_cli("log", "verify", "--root", str(tmp_path)).exit_code == 0


def test_adopt_twice_changes_nothing(run_cli, tmp_path) -> None:
    folder, _ = _legacy_epic(tmp_path)
    assert run_cli("adopt", "--root", str(tmp_path)).exit_code == 0
    log = (folder / "decision_log.jsonl").read_bytes()
    again = run_cli("adopt", "--root", str(tmp_path))
    assert again.exit_code == 0 and "epic_8: nothing to adopt" in again.output
    assert (folder / "decision_log.jsonl").read_bytes() == log


def test_adopt_of_an_unknown_epic_is_a_usage_error(run_cli, tmp_path) -> None:
    result = run_cli("adopt", "epic_99", "--root", str(tmp_path))
    assert result.exit_code == 2
