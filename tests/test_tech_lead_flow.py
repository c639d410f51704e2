"""The tech lead's flow: close a stuck epic, see reasons everywhere, and a board that never goes backwards."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import append_entry, consensus


def _status(run_cli, root: Path) -> dict:
    result = run_cli("status", "--root", str(root), "--format", "json")
    assert result.exit_code == 0, result.output
    return {s["epic_id"]: s for s in json.loads(result.output)}


def test_a_stray_message_does_not_undecide_an_operational_epic(tmp_path: Path, run_cli) -> None:
    append_entry(tmp_path, "epic_2", "migration", "approve", 2, "2026_11_25_10_00_00", handed_to="deploy")
    append_entry(tmp_path, "epic_2", "process", "operational", 2, "2026_11_25_10_00_04")
    # a late invalid message of an earlier round is vetoed, and a stray one is rejected
    append_entry(tmp_path, "epic_2", "deploy", "veto", 1, "2026_11_25_11_00_00", subject="invalid_message")
    append_entry(tmp_path, "epic_2", "migration", "reject", 1, "2026_11_25_11_00_01")
    board = _status(run_cli, tmp_path)["epic_2"]
    assert board["operational"] is True and board["open_vetoes"] == []
    assert board["iteration"] == 2  # never backwards
    # a new round does un-decide it: the epic is being changed again
    append_entry(tmp_path, "epic_2", "migration", "veto", 3, "2026_11_26_09_00_00", subject="unsafe_migration")
    board = _status(run_cli, tmp_path)["epic_2"]
    assert board["operational"] is False and board["iteration"] == 3


def test_approvals_and_suppressions_are_in_log_and_status(example, run_cli) -> None:
    root = example("needs-approval")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    board = _status(run_cli, root)["epic_3"]
    assert board["approvals"][0]["by"] == "tech-lead" and "4.2" in board["approvals"][0]["reason"]
    assert "approved by tech-lead: legacy_discount" in run_cli("status", "--root", str(root)).output
    table = run_cli("log", "epic_3", "--root", str(root), "--format", "table").output
    assert "reason: legacy_discount has been unused" in table


def test_suppressions_show_in_the_log(tmp_path: Path, run_cli) -> None:
    append_entry(
        tmp_path, "epic_4", "migration", "approve", 1, "2026_11_25_10_00_00", handed_to="deploy",
        approval={"by": "tech-lead", "reason": "small table", "review_digest": "0" * 64},
        suppressed=[{"code": "MIG204", "reason": "the table has 40 rows", "source": "approval"}],
    )  # fmt: skip
    out = run_cli("log", "--root", str(tmp_path), "--format", "table").output
    assert "MIG204 (the table has 40 rows)" in out and "approved by tech-lead: small table" in out


LEGACY_LOG = (
    '{"timestamp": "2026-01-10T10:00:00Z", "agent": "architect", "decision": "complete", "epic_id": "epic_5",'
    ' "iteration": 1, "details": {"summary": "plan written"}}\n'
    "\n"
    '{\n  "timestamp": "2026-01-10T11:00:00Z",\n  "agent": "developer",\n  "decision": "epic_complete",\n'
    '  "iteration": 2\n}\n'
    "Developer finished stage 2, see notes\n"
    '{"timestamp": "2026-01-10T12:00:00Z", "agent": "quality", "decision": "fix", "iteration": 2}\n'
)


def test_log_status_and_report_show_a_legacy_log_with_a_banner(tmp_path: Path, run_cli) -> None:
    folder = consensus(tmp_path, "epic_5")
    folder.mkdir(parents=True)
    (folder / "decision_log.jsonl").write_text(LEGACY_LOG)
    log = run_cli("log", "epic_5", "--root", str(tmp_path), "--format", "json")
    assert log.exit_code == 0
    assert [json.loads(line)["decision"] for line in log.stdout.splitlines()] == ["complete", "epic_complete", "fix"]
    assert "line 2 is blank" in log.stderr and "lines 3-8 hold one pretty-printed object" in log.stderr
    assert "line 9 is not valid JSON" in log.stderr and "guardians adopt epic_5" in log.stderr
    board = _status(run_cli, tmp_path)["epic_5"]
    assert board["iteration"] == 2 and "guardians adopt epic_5" in board["problem"]
    out = tmp_path / "r.html"
    report = run_cli("report", "epic_5", "--root", str(tmp_path), "--html", str(out))
    assert report.exit_code == 0
    page = out.read_text()
    assert 'id="log-banner"' in page and "showing the 3 entries that could be read" in page
