"""`guardians approve` (guardians/commands/approve.py): a tech lead's signed approval, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import consensus, log_entries
from tests.trust_keys import Keys, make_keys, needs_ssh_keygen


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path / "keys")


def _decisions(root: Path, epic: str) -> list[tuple[str, str]]:
    return [(e["agent"], e["decision"]) for e in log_entries(root, epic) if "hash" in e]


def _inbox(root: Path, epic: str, agent: str) -> Path:
    return consensus(root, epic) / "messages" / "inbox" / agent


@needs_ssh_keygen
def test_guardians_approve_signs_and_log_and_report_show_who(example, run_cli, keys, monkeypatch, tmp_path):
    keys.env(monkeypatch)
    root = example("needs-approval")
    (_inbox(root, "epic_3", "migration") / "002_approval.yaml").unlink()
    run_cli("run", "--root", str(root))
    assert _decisions(root, "epic_3") == [("migration", "waiting")]
    refused = run_cli("approve", "epic_3", "--root", str(root), "--key", str(keys.agent), "--reason", "x")
    assert refused.exit_code == 2 and "not allowed for guardians-approval" in refused.output
    done = run_cli(
        "approve", "epic_3", "--root", str(root), "--key", str(keys.lead), "--reason", "column unused since 4.2"
    )
    assert done.exit_code == 0, done.output
    assert run_cli("run", "--root", str(root)).exit_code == 0
    decisions = _decisions(root, "epic_3")
    assert decisions[1] == ("migration", "approve") and ("deploy", "approve") in decisions
    approval = log_entries(root, "epic_3")[1]["details"]["approval"]
    assert approval["signed_by"] == "lead@example.com" and approval["reason"] == "column unused since 4.2"
    timeline = run_cli("log", "epic_3", "--root", str(root), "--format", "table")
    assert "approved by lead@example.com: column unused since 4.2" in timeline.output
    page = tmp_path / "r.html"
    assert run_cli("report", "epic_3", "--root", str(root), "--html", str(page)).exit_code == 0
    html = page.read_text()
    assert "<td>lead@example.com</td>" in html and "trust anchor" in html


def test_approve_with_nothing_waiting_is_refused(example, run_cli, keys):
    root = example("clean")
    run_cli("run", "--root", str(root))
    result = run_cli("approve", "epic_1", "--root", str(root), "--key", str(keys.lead), "--reason", "ok")
    assert result.exit_code == 1 and "nothing waits for an approval" in result.output


def test_approve_rejects_a_bad_suppression(example, run_cli, keys):
    root = example("needs-approval")
    (_inbox(root, "epic_3", "migration") / "002_approval.yaml").unlink()
    run_cli("run", "--root", str(root))
    result = run_cli(
        "approve", "epic_3", "--root", str(root), "--key", str(keys.lead), "--reason", "ok", "--suppress", "MIG204"
    )
    assert result.exit_code == 2 and "expected CODE=REASON" in result.output
