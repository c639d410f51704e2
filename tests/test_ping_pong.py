"""Vetoes between guardians cannot loop: every run ends, and no message causes more
than one decision per guardian per iteration.

Inputs that used to loop forever: a veto from deploy to migration (delivered by
``guardians send``, or dropped into the inbox), and a handoff whose
``content.origin`` names a guardian, so that a veto goes to a guardian inbox.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from tests.conftest import consensus
from tests.hostile_support import age, inbox, make_repo

RUN_DEADLINE = 60.0  # a run over three small epics takes a few seconds

VETO = {
    "from": "deploy",
    "to": "migration",
    "timestamp": "2026_11_22_10_05_00",
    "iteration": 1,
    "type": "veto",
    "subject": "unsafe_migration",
    "content": {
        "violation": "x",
        "location": "y",
        "impact": "z",
        "requirement": "MIG403",
        "suggestion": "s",
        "blocking": True,
    },
    "action_needed": "fix it",
    "in_reply_to": "0" * 64,
}


def _guardians(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, "-m", "guardians", *args],
            capture_output=True,
            text=True,
            timeout=RUN_DEADLINE,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`guardians {' '.join(args[:1])}` did not end within {RUN_DEADLINE:.0f} s (veto ping-pong)")


def _repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", epics=3)
    for epic in ("epic_1", "epic_2"):
        (inbox(root, "migration", epic) / "001_handoff.yaml").unlink()
    # epic_1: the veto arrives through `guardians send`.
    veto_file = tmp_path / "veto.yaml"
    veto_file.write_text(yaml.safe_dump({**VETO, "epic_id": "epic_1"}))
    sent = _guardians("send", "--root", str(root), "epic_1", "--to", "migration", str(veto_file))
    assert sent.returncode in (0, 1), sent.stderr
    # epic_2: the same veto dropped straight into the inbox.
    dropped = inbox(root, "migration", "epic_2") / "veto_from_deploy.yaml"
    dropped.write_text(yaml.safe_dump({**VETO, "epic_id": "epic_2"}))
    age(dropped)
    # epic_3: a handoff naming a guardian as its origin, and a migration that is vetoed
    # (no rollback file), so the veto would go to the deploy guardian's inbox.
    (consensus(root, "epic_3") / "artifacts" / "migrations" / "001_order_note.down.sql").unlink()
    handoff = inbox(root, "migration", "epic_3") / "001_handoff.yaml"
    message = yaml.safe_load(handoff.read_text())
    message["content"]["origin"] = "deploy"
    handoff.write_text(yaml.safe_dump(message))
    age(handoff)
    return root


def test_guardian_to_guardian_vetoes_end_and_decide_once(tmp_path):
    root = _repo(tmp_path)
    result = _guardians("run", "--root", str(root))
    assert "internal error" not in result.stderr
    for epic in ("epic_1", "epic_2", "epic_3"):
        log = consensus(root, epic) / "decision_log.jsonl"
        entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        messages: dict[tuple[str, int], set[str]] = defaultdict(set)
        for entry in entries:
            messages[(entry["agent"], entry["iteration"])].add(entry["message_key"])
        assert all(len(keys) <= 1 for keys in messages.values()), (epic, dict(messages))
        # Nothing is left bouncing between guardian inboxes.
        for agent in ("migration", "deploy", "backup", "process"):
            assert not list(inbox(root, agent, epic).glob("veto_*.yaml")), (epic, agent)
    # A second run has nothing left to do.
    again = _guardians("run", "--root", str(root))
    assert again.returncode == 0 and "nothing to do" in again.stdout
