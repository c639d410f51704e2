"""`guardians close EPIC --reason`: a tech lead stops an escalated or waiting epic."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import consensus, log_entries


def _status(run_cli, root: Path) -> dict:
    result = run_cli("status", "--root", str(root), "--format", "json")
    assert result.exit_code == 0, result.output
    return {s["epic_id"]: s for s in json.loads(result.output)}


def test_close_stops_an_escalated_epic_and_run_leaves_it_alone(example, run_cli) -> None:
    root = example("three-strikes")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert _status(run_cli, root)["epic_6"]["escalated"] is True
    result = run_cli("close", "epic_6", "--root", str(root), "--reason", "the feature is dropped from the release")
    assert result.exit_code == 0, result.output
    last = log_entries(root, "epic_6")[-1]
    assert last["decision"] == "closed" and last["agent"] == "tech-lead"
    assert last["details"]["reason"] == "the feature is dropped from the release"
    assert run_cli("log", "verify", "--root", str(root)).exit_code == 0
    # a fixed handoff arriving later is not decided
    handoff = consensus(root, "epic_6") / "messages" / "inbox" / "migration" / "late.yaml"
    handoff.write_text(
        "from: quality\nto: migration\ntimestamp: '2026_11_30_10_00_00'\nepic_id: epic_6\niteration: 4\n"
        "type: handoff\nsubject: ready_for_guardians\ncontent: {}\n"
    )
    run = run_cli("run", "--root", str(root))
    assert run.exit_code == 0 and "closed by tech-lead" in run.output and "dropped" in run.output
    assert handoff.exists()
    board = _status(run_cli, root)["epic_6"]
    assert board["closed"] is True and board["escalated"] is False and "dropped" in board["closed_reason"]
    table = run_cli("status", "--root", str(root)).output
    assert "closed: the feature is dropped" in table
    timeline = run_cli("log", "epic_6", "--root", str(root), "--format", "json").output
    assert "the feature is dropped from the release" in timeline.splitlines()[-1]
    # closing twice is harmless; the validator accepts the log
    assert "already closed" in run_cli("close", "epic_6", "--root", str(root), "--reason", "again").output
    assert run_cli("validate", "--root", str(root)).exit_code in (0, 1)
    assert "closed" not in run_cli("validate", "--root", str(root)).output


def test_close_refuses_an_epic_that_is_not_stuck(example, run_cli) -> None:
    root = example("clean")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    result = run_cli("close", "epic_1", "--root", str(root), "--reason", "x")
    assert result.exit_code == 2 and "neither escalated nor waiting" in result.output + result.stderr
    assert log_entries(root, "epic_1")[-1]["decision"] == "operational"


def test_close_needs_a_reason_and_a_valid_epic(example, run_cli) -> None:
    root = example("three-strikes")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert run_cli("close", "epic_6", "--root", str(root), "--reason", "   ").exit_code == 2
    assert run_cli("close", "epic_x", "--root", str(root), "--reason", "x").exit_code == 2
    assert run_cli("close", "epic_6", "--root", str(root)).exit_code == 2  # --reason is required
    assert log_entries(root, "epic_6")[-1]["decision"] == "escalate"
