"""Every bundled example reaches its documented outcome through `guardians run`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from tests.conftest import consensus, log_entries
from tests.realservers import real_checkpoint

NEEDS_REAL_CHECKPOINT = {"needs-approval"}

EXPECTED = {
    # example: (epic, [(agent, decision), ...])
    "clean": (
        "epic_1",
        [
            ("migration", "approve"),
            ("deploy", "approve"),
            ("backup", "approve"),
            ("process", "approve"),
            ("process", "operational"),
        ],
    ),
    "risky-migration": ("epic_2", [("migration", "veto")]),
    "needs-approval": (
        "epic_3",
        [
            ("migration", "waiting"),
            ("migration", "approve"),
            ("deploy", "approve"),
            ("backup", "approve"),
            ("process", "approve"),
            ("process", "operational"),
        ],
    ),
    "no-health-checks": ("epic_4", [("migration", "approve"), ("deploy", "veto")]),
    "unhealthy": (
        "epic_5",
        [("migration", "approve"), ("deploy", "approve"), ("backup", "approve"), ("process", "veto")],
    ),
    "three-strikes": (
        "epic_6",
        # Each round's handoff is decided before the next round starts (handoffs are single-use).
        [("migration", "approve"), ("deploy", "veto")] * 2 + [("migration", "approve"), ("deploy", "escalate")],
    ),
}


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_outcome_and_idempotence(name, example, run_cli, request):
    epic, expected = EXPECTED[name]
    root = example(name)
    if name in NEEDS_REAL_CHECKPOINT:
        # The destructive migration is approved only on a checkpoint the backup
        # guardian can check itself: taken here against the test PostgreSQL.
        real_checkpoint(root, request.getfixturevalue("postgres"), run_cli)
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 0, result.output
    got = [(e["agent"], e["decision"]) for e in log_entries(root, epic)]
    assert got == expected
    assert len(result.stdout.strip().splitlines()) == len([d for d in expected if d[1] != "operational"])
    verify = run_cli("log", "verify", "--root", str(root))
    assert verify.exit_code == 0, verify.output
    before = _tree_digest(root)
    again = run_cli("run", "--root", str(root))
    assert again.exit_code == 0
    assert "nothing to do" in again.output
    assert _tree_digest(root) == before


def test_clean_writes_every_output_with_logged_hashes(example, run_cli):
    root = example("clean")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    art = consensus(root, "epic_1") / "artifacts"
    for name in (
        "migration_review.json",
        "deployment.json",
        "cicd.yaml",
        "runbook.md",
        "backup_plan.json",
        "process_report.json",
    ):
        assert (art / name).is_file(), name
    for entry in log_entries(root, "epic_1"):
        for rel, digest in entry["outputs"].items():
            path = root / rel
            if "/messages/inbox/" in rel and not path.exists():
                # a delivered message has since been consumed by its recipient
                path = path.parent / "processed" / path.name
            assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        for rel, digest in entry["inputs"].items():
            assert len(digest) == 64 and (root / rel).exists()
    # The pipeline's handoffs were consumed: nothing pending anywhere.
    inbox = consensus(root, "epic_1") / "messages" / "inbox"
    assert not [p for p in inbox.glob("*/*.yaml")]


def test_veto_lands_in_senders_inbox_with_findings(example, run_cli):
    root = example("no-health-checks")
    run_cli("run", "--root", str(root))
    vetoes = sorted((consensus(root, "epic_4") / "messages" / "inbox" / "quality").glob("veto_*.yaml"))
    assert len(vetoes) == 1
    assert vetoes[0].name.startswith("veto_2") and vetoes[0].name.count("_") == 6
    body = yaml.safe_load(vetoes[0].read_text())
    assert body["type"] == "veto" and body["from"] == "deploy" and body["to"] == "quality"
    assert body["subject"] == "missing_health_checks"
    assert set(body["content"]) == {"violation", "location", "impact", "requirement", "suggestion", "blocking"}
    assert "plan.json" in body["content"]["location"]
    assert [f["code"] for f in body["findings"] if f["blocking"]] == ["DEP101"]
    assert body["action_needed"]


def test_three_strikes_escalates_to_tech_lead(example, run_cli):
    root = example("three-strikes")
    run_cli("run", "--root", str(root))
    lead = consensus(root, "epic_6") / "messages" / "inbox" / "tech-lead"
    esc = list(lead.glob("escalation_*.yaml"))
    assert len(esc) == 1
    body = yaml.safe_load(esc[0].read_text())
    assert body["type"] == "escalation" and body["content"]["codes"] == ["DEP103"]
    # three vetoes in the same second never overwrite each other
    vetoes = list((consensus(root, "epic_6") / "messages" / "inbox" / "quality").glob("veto_*.yaml"))
    assert len(vetoes) == 3


def test_unhealthy_process_report_classifies_metrics(example, run_cli):
    import json

    root = example("unhealthy")
    run_cli("run", "--root", str(root))
    report = json.loads((consensus(root, "epic_5") / "artifacts" / "process_report.json").read_text())
    assert report["overall"] == "critical" and report["operational"] is False
    api = report["services"][0]
    assert api["metrics"]["cpu_percent"]["level"] == "critical"
    assert api["metrics"]["error_rate_percent"]["level"] == "critical"
    assert api["metrics"]["memory_percent"]["level"] == "healthy"


def test_needs_approval_waits_without_the_approval(example, run_cli, postgres):
    root = example("needs-approval")
    real_checkpoint(root, postgres, run_cli)
    approval = consensus(root, "epic_3") / "messages" / "inbox" / "migration" / "002_approval.yaml"
    held = approval.read_text()
    approval.unlink()
    run_cli("run", "--root", str(root))
    assert [e["decision"] for e in log_entries(root, "epic_3")] == ["waiting"]
    waiting = consensus(root, "epic_3") / "messages" / "inbox" / "migration" / "waiting"
    assert len(list(waiting.glob("*.yaml"))) == 1
    # The approval arrives later: processing resumes without resending the handoff.
    approval.write_text(held)
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 0
    decisions = [e["decision"] for e in log_entries(root, "epic_3")]
    assert decisions[:2] == ["waiting", "approve"] and decisions[-1] == "operational"
    assert not list(waiting.glob("*.yaml"))
