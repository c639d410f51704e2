"""`guardians status`: the board of every epic, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from guardians.cli import cli
from tests.conftest import append_entry
from tests.realservers import real_checkpoint

_clock = iter(range(10**6))


def add(root: Path, epic: str, agent: str, decision: str, iteration: int = 1, **details: Any) -> None:
    append_entry(root, epic, agent, decision, iteration, f"2026_11_24_10_{next(_clock) % 60:02d}_00", **details)


def pending(root: Path, epic: str, agent: str, name: str = "handoff_1.yaml") -> None:
    inbox = root / "docs" / "specs" / epic / "consensus" / "messages" / "inbox" / agent
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_text("from: x\n")


def board(root: Path) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["status", "--root", str(root), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    return {row["epic_id"]: row for row in rows}


def chain(root: Path, epic: str, upto: str, iteration: int = 1) -> None:
    """Approvals along the pipeline up to (and including) ``upto``."""
    nxt = {"migration": "deploy", "deploy": "backup", "backup": "process", "process": None}
    for agent, target in nxt.items():
        add(root, epic, agent, "approve", iteration, **({"handed_to": target} if target else {}))
        if agent == upto:
            return


def test_operational_epic_and_pending_holder(tmp_path: Path) -> None:
    chain(tmp_path, "epic_1", "process")
    add(tmp_path, "epic_1", "process", "operational")
    row = board(tmp_path)["epic_1"]
    assert row["operational"] is True and row["escalated"] is False and row["waiting_for_approval"] is False
    assert row["holder"] == "process"  # nothing pending: the last agent that decided
    assert row["last_decision"]["decision"] == "operational" and row["last_decision"]["seq"] == 5
    assert row["open_vetoes"] == []
    pending(tmp_path, "epic_1", "migration")  # a new iteration arrives
    assert board(tmp_path)["epic_1"]["holder"] == "migration"


def test_holder_is_the_first_guardian_with_a_pending_message(tmp_path: Path) -> None:
    chain(tmp_path, "epic_2", "migration")
    pending(tmp_path, "epic_2", "backup")
    pending(tmp_path, "epic_2", "deploy")
    pending(tmp_path, "epic_2", "deploy", ".handoff.yaml.swp")  # editor junk is not a message
    row = board(tmp_path)["epic_2"]
    assert row["holder"] == "deploy"
    assert row["pending"] == {"backup": 1, "deploy": 1}


def test_open_veto_until_the_same_guardian_approves(tmp_path: Path) -> None:
    chain(tmp_path, "epic_3", "migration")
    add(tmp_path, "epic_3", "deploy", "veto", subject="no_rollback_plan", vetoed_to="quality")
    row = board(tmp_path)["epic_3"]
    assert row["open_vetoes"] == [{"agent": "deploy", "subject": "no_rollback_plan", "to": "quality", "iteration": 1}]
    assert row["holder"] == "deploy" and row["iteration"] == 1
    chain(tmp_path, "epic_3", "migration", iteration=2)  # migration approving does not close deploy's veto
    assert len(board(tmp_path)["epic_3"]["open_vetoes"]) == 1
    add(tmp_path, "epic_3", "deploy", "approve", 2, handed_to="backup")
    row = board(tmp_path)["epic_3"]
    assert row["open_vetoes"] == [] and row["iteration"] == 2


def test_waiting_for_tech_lead_approval(tmp_path: Path) -> None:
    add(tmp_path, "epic_4", "migration", "waiting", risk="high")
    row = board(tmp_path)["epic_4"]
    assert row["waiting_for_approval"] is True and row["holder"] == "tech-lead"
    pending(tmp_path, "epic_4", "migration", "approval_1.yaml")  # the approval arrived
    assert board(tmp_path)["epic_4"]["holder"] == "migration"
    add(tmp_path, "epic_4", "migration", "approve", handed_to="deploy")
    assert board(tmp_path)["epic_4"]["waiting_for_approval"] is False


def test_escalated_and_rejects_do_not_change_state(tmp_path: Path) -> None:
    chain(tmp_path, "epic_5", "migration", 3)
    add(tmp_path, "epic_5", "deploy", "escalate", 3, subject="security_issue", vetoed_to="quality")
    add(tmp_path, "epic_5", "deploy", "reject", 3, subject="invalid_message")
    row = board(tmp_path)["epic_5"]
    assert row["escalated"] is True and row["holder"] == "tech-lead"
    assert row["last_decision"]["decision"] == "reject"
    assert row["open_vetoes"][0]["subject"] == "security_issue"


def test_table_board_and_damaged_log(tmp_path: Path) -> None:
    chain(tmp_path, "epic_10", "process")
    add(tmp_path, "epic_10", "process", "operational")
    add(tmp_path, "epic_2", "migration", "waiting")
    add(tmp_path, "epic_2", "migration", "approve", handed_to="deploy")
    add(tmp_path, "epic_2", "deploy", "veto", subject="missing_monitoring\x1b[2J", vetoed_to="quality")
    (tmp_path / "docs/specs/epic_3/consensus").mkdir(parents=True)
    (tmp_path / "docs/specs/epic_3/consensus/decision_log.jsonl").write_text("not json\n{}\n")
    result = CliRunner().invoke(cli, ["status", "--root", str(tmp_path)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "EPIC", "HOLDER", "ITER", "LAST", "DECISION", "WAITING", "ESCALATED", "OPERATIONAL", "OPEN", "VETOES"
    ]  # fmt: skip
    assert [line.split()[0] for line in lines[1:-1]] == ["epic_2", "epic_3", "epic_10"]
    assert lines[-1].startswith("trust: unsigned:") and "accidents only" in lines[-1]
    epic2, epic3, epic10 = lines[1:-1]
    assert epic2.split()[:5] == ["epic_2", "deploy", "1", "deploy", "veto"]
    assert epic2.endswith("deploy missing_monitoring [2J (it 1)")
    assert "\x1b" not in result.stdout
    assert "(PARTIAL)" in epic3 and "line 1 is not valid JSON" in result.stderr
    assert epic10.split() == ["epic_10", "process", "1", "process", "operational", "-", "-", "yes", "-"]
    # columns line up with the header
    for column in ("WAITING", "ESCALATED", "OPERATIONAL"):
        at = lines[0].index(column)
        assert {line[at] for line in lines[1:-1]} <= {"-", "y"}


def test_damaged_log_in_json(tmp_path: Path) -> None:
    (tmp_path / "docs/specs/epic_3/consensus").mkdir(parents=True)
    (tmp_path / "docs/specs/epic_3/consensus/decision_log.jsonl").write_text("[1]\n")
    row = board(tmp_path)["epic_3"]
    assert "not a JSON object" in row["problem"]


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_no_epics(tmp_path: Path, fmt: str) -> None:
    result = CliRunner().invoke(cli, ["status", "--root", str(tmp_path), "--format", fmt])
    assert result.exit_code == 0
    if fmt == "json":
        assert json.loads(result.stdout) == []
    else:
        assert "no epics" in result.stdout


def test_root_must_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["status", "--root", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "is not a directory" in result.stderr


def test_board_over_every_bundled_example(example, run_cli, tmp_path: Path, postgres) -> None:
    """All examples side by side in one repository, after a real `guardians run`."""
    import shutil

    root = tmp_path / "all"
    for name in ("clean", "risky-migration", "needs-approval", "no-health-checks", "unhealthy", "three-strikes"):
        shutil.copytree(example(name), root, dirs_exist_ok=True)
    real_checkpoint(root, postgres, run_cli)  # epic_3's destructive migration needs one
    assert run_cli("run", "--root", str(root)).exit_code == 0
    rows = board(root)
    summary = {
        e: (r["holder"], r["last_decision"]["decision"], r["operational"], r["escalated"], r["waiting_for_approval"])
        for e, r in rows.items()
    }
    assert summary == {
        "epic_1": ("process", "operational", True, False, False),
        "epic_2": ("migration", "veto", False, False, False),
        "epic_3": ("process", "operational", True, False, False),
        "epic_4": ("deploy", "veto", False, False, False),
        "epic_5": ("process", "veto", False, False, False),
        "epic_6": ("tech-lead", "escalate", False, True, False),
    }
    assert [v["subject"] for v in rows["epic_4"]["open_vetoes"]] == ["missing_health_checks"]
    assert rows["epic_6"]["iteration"] == 3
