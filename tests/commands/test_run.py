"""`guardians run` (guardians/commands/run.py), through the CLI on copies of the examples."""

from __future__ import annotations

from tests.conftest import consensus, log_entries


def test_run_decides_every_pending_message_once(run_cli, example):
    root = example("clean")
    first = run_cli("run", "--root", str(root))
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert [line.split()[2] for line in lines] == ["migration", "deploy", "backup", "process"]
    assert first.stderr.startswith("trust: unsigned")
    assert all(line.startswith("epic_1 it1 ") for line in lines)
    entries = log_entries(root, "epic_1")
    assert entries[-1]["decision"] == "operational"
    again = run_cli("run", "--root", str(root))
    assert again.exit_code == 0 and "nothing to do: no pending messages" in again.output
    assert log_entries(root, "epic_1") == entries  # running twice changes nothing


def test_run_only_the_named_epic(run_cli, example):
    root = example("clean")
    assert run_cli("init", "--root", str(root), "epic_2").exit_code == 0
    result = run_cli("run", "--root", str(root), "epic_2")
    assert result.exit_code == 0 and "nothing to do" in result.output
    assert log_entries(root, "epic_1") == []  # epic_1's pending handoff was left alone
    assert (consensus(root, "epic_1") / "messages" / "inbox" / "migration" / "001_handoff.yaml").exists()


def test_run_on_empty_root_says_nothing_to_do(run_cli, tmp_path):
    result = run_cli("run", "--root", str(tmp_path))
    assert result.exit_code == 0 and "nothing to do" in result.output


def test_run_unknown_epic_is_a_usage_error(run_cli, example):
    root = example("clean")
    result = run_cli("run", "--root", str(root), "epic_99")
    assert result.exit_code == 2
    assert "epic_99" in result.output
