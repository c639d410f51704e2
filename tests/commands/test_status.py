"""`guardians status` (guardians/commands/status.py), through the CLI on copies of the examples."""

from __future__ import annotations

import json


def test_status_table_follows_the_pipeline(run_cli, example):
    root = example("clean")
    before = run_cli("status", "--root", str(root))
    assert before.exit_code == 0
    header, row, trust = before.output.splitlines()
    assert trust.startswith("trust: unsigned")  # no trust anchor: the board says so
    assert header.split()[:3] == ["EPIC", "HOLDER", "ITER"]
    assert row.split()[:2] == ["epic_1", "migration"]  # the handoff waits in migration's inbox
    assert run_cli("run", "--root", str(root)).exit_code == 0
    after = run_cli("status", "--root", str(root)).output.splitlines()[1]
    assert after.split()[:4] == ["epic_1", "process", "1", "process"]
    assert "operational" in after


def test_status_json_is_one_array(run_cli, example):
    root = example("clean")
    run_cli("run", "--root", str(root))
    result = run_cli("status", "--root", str(root), "--format", "json")
    assert result.exit_code == 0
    [board] = json.loads(result.output)
    assert board["epic_id"] == "epic_1" and board["operational"] is True and board["entries"] == 5


def test_status_without_epics(run_cli, tmp_path):
    table = run_cli("status", "--root", str(tmp_path))
    assert table.exit_code == 0 and "no epics under" in table.output
    empty = run_cli("status", "--root", str(tmp_path), "--format", "json")
    assert empty.exit_code == 0 and json.loads(empty.output) == []


def test_status_on_a_missing_root_is_a_usage_error(run_cli, tmp_path):
    result = run_cli("status", "--root", str(tmp_path / "missing"))
    assert result.exit_code == 2 and "error:" in result.output


def test_status_names_an_edited_entry_the_lenient_reader_would_show(run_cli, example):
    from tests.conftest import edit_log_entry

    root = example("clean")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    edit_log_entry(root, "epic_1", 3, decision="veto")  # an agent rewrites the backup decision in place
    result = run_cli("status", "--root", str(root), "--format", "json")
    assert result.exit_code == 0
    [board] = json.loads(result.output)
    assert board["problem"] and "line 4" in board["problem"] and "edited" in board["problem"]
