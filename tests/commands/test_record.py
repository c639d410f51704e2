"""`guardians record` (guardians/commands/record.py): an agent's own line in the shared log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import consensus
from tests.trust_keys import Keys, make_keys, needs_ssh_keygen


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path / "keys")


@needs_ssh_keygen
def test_record_appends_agent_lines_that_carry_no_authority(example, run_cli, keys, monkeypatch):
    keys.env(monkeypatch)
    root = example("clean")
    rec = run_cli(
        "record", "epic_1", "--root", str(root), "--agent", "quality", "--decision", "complete",
        "--source-document", "review.json", "--previous-artifact", "plan.json", "--details", '{"coverage": 91}',
    )  # fmt: skip
    assert rec.exit_code == 0, rec.output
    assert run_cli("run", "--root", str(root)).exit_code == 0
    lines = [json.loads(x) for x in (consensus(root, "epic_1") / "decision_log.jsonl").read_text().splitlines()]
    assert lines[0] == {
        "agent": "quality", "decision": "complete", "details": {"coverage": 91}, "epic_id": "epic_1",
        "iteration": 1, "previous_artifacts": ["plan.json"], "source_document": "review.json",
        "timestamp": lines[0]["timestamp"],
    }  # fmt: skip
    assert lines[1]["seq"] == 1  # seq counts guardian entries only
    verify = run_cli("log", "verify", "--root", str(root))
    assert verify.exit_code == 0 and "1 agent lines" in verify.output
    assert run_cli("validate", "--root", str(root)).exit_code == 0
    for bad in (["--agent", "backup"], ["--agent", "Quality"], ["--decision", "Done!"], ["--details", "[1]"]):
        args = {"--agent": "quality", "--decision": "done", **dict(zip(bad[::2], bad[1::2], strict=True))}
        flat = [x for kv in args.items() for x in kv]
        refused = run_cli("record", "epic_1", "--root", str(root), *flat)
        assert refused.exit_code == 2, (bad, refused.output)
