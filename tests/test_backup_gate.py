"""The backup guardian approves a destructive migration only on a checkpoint it
can check itself: made by `guardians checkpoint`, checksums re-verified, restore-
tested, taken at or after the commit under review, and young enough."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from tests.conftest import consensus, log_entries
from tests.realservers import git_commit_all, real_checkpoint

HAND_WRITTEN = {
    "name": "prod-deploy-20261124-0900",
    "epic_id": "epic_3",
    "created_at": "2026_11_24_09_00_00",
    "database": {"location": "s3://backups/orders.dump", "verified": True, "restore_tested": True},
}


def _backup(root) -> dict:
    entries = [e for e in log_entries(root, "epic_3") if e["agent"] == "backup"]
    assert len(entries) == 1, [(e["agent"], e["decision"]) for e in log_entries(root, "epic_3")]
    return entries[0]


def _codes(entry) -> set[str]:
    return {f["code"] for f in entry["details"]["findings"]}


def _run(run_cli, root) -> dict:
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 0, result.output
    return _backup(root)


def test_hand_written_record_is_not_evidence(example, run_cli):
    root = example("needs-approval")
    folder = consensus(root, "epic_3") / "checkpoints"
    folder.mkdir()
    (folder / "prod-deploy-20261124-0900.json").write_text(json.dumps(HAND_WRITTEN))
    git_commit_all(root)
    entry = _run(run_cli, root)
    assert entry["decision"] == "veto"
    assert {"BAK101", "BAK105"} <= _codes(entry)


def test_real_restore_tested_checkpoint_is_approved(example, run_cli, postgres):
    root = example("needs-approval")
    real_checkpoint(root, postgres, run_cli)
    entry = _run(run_cli, root)
    assert entry["decision"] == "approve"
    plan = json.loads((consensus(root, "epic_3") / "artifacts" / "backup_plan.json").read_text())
    assert plan["checkpoint_name"] == "pre-drop" and plan["checkpoint_verified"] is True
    assert "data/checkpoints/pre-drop/metadata.json" in entry["inputs"]


def test_not_restore_tested_is_vetoed(example, run_cli, postgres):
    root = example("needs-approval")
    real_checkpoint(root, postgres, run_cli, restore_test=False)
    # checksums verified, but never restored
    assert run_cli("checkpoint", "verify", "pre-drop", "--root", str(root)).exit_code == 0
    entry = _run(run_cli, root)
    assert entry["decision"] == "veto" and "BAK102" in _codes(entry)


def test_tampered_dump_is_vetoed(example, run_cli, postgres):
    root = example("needs-approval")
    real_checkpoint(root, postgres, run_cli)
    dump = root / "data" / "checkpoints" / "pre-drop" / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-10] + b"0123456789")
    entry = _run(run_cli, root)
    assert entry["decision"] == "veto" and "BAK101" in _codes(entry)
    assert "sha256" in json.dumps(entry["details"]["findings"])


def test_forged_metadata_without_a_dump_is_vetoed(example, run_cli, postgres):
    """An agent copies a real metadata.json but not the dump it describes."""
    root = example("needs-approval")
    real_checkpoint(root, postgres, run_cli)
    (root / "data" / "checkpoints" / "pre-drop" / "database.dump").unlink()
    entry = _run(run_cli, root)
    assert entry["decision"] == "veto" and "BAK101" in _codes(entry)
    assert "cannot be read" in json.dumps(entry["details"]["findings"])


def test_checkpoint_before_the_reviewed_commit_is_vetoed(example, run_cli, postgres):
    root = example("needs-approval")
    real_checkpoint(root, postgres, run_cli)
    migration = consensus(root, "epic_3") / "artifacts" / "migrations" / "003_drop_legacy_discount.sql"
    migration.write_text(migration.read_text() + "-- reviewed again\n")
    git_commit_all(root, "migration changed after the checkpoint")
    entry = _run(run_cli, root)
    assert entry["decision"] == "veto" and "BAK104" in _codes(entry)
    assert "does not contain the reviewed commit" in json.dumps(entry["details"]["findings"])


def test_uncommitted_or_no_git_is_vetoed(example, run_cli, postgres):
    root = example("needs-approval")
    real_checkpoint(root, postgres, run_cli, commit=False)
    entry = _run(run_cli, root)
    assert entry["decision"] == "veto" and "BAK104" in _codes(entry)
    assert "not a git repository" in json.dumps(entry["details"]["findings"])


@pytest.mark.parametrize(("max_age", "decision"), [("1", "veto"), ("3", "approve")])
def test_maximum_age_comes_from_settings(example, run_cli, postgres, max_age, decision):
    root = example("needs-approval")
    (root / "guardians.toml").write_text(f"[checkpoints]\nmax_age_hours = {max_age}\n")
    # The migration was committed three hours ago; the checkpoint is made to look two hours old.
    three_hours_ago = f"@{int(time.time()) - 3 * 3600} +0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": three_hours_ago, "GIT_COMMITTER_DATE": three_hours_ago}
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    commit = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "migration"]
    subprocess.run(commit, check=True, env=env)
    real_checkpoint(root, postgres, run_cli, commit=False)
    meta_path = root / "data" / "checkpoints" / "pre-drop" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["created_unix"] -= 2 * 3600
    meta_path.write_text(json.dumps(meta))
    entry = _run(run_cli, root)
    assert entry["decision"] == decision
    if decision == "veto":
        assert "BAK103" in _codes(entry)


def test_invalid_settings_veto_with_file_and_path(example, run_cli):
    root = example("needs-approval")
    (root / "guardians.toml").write_text("[checkpoints]\nmax_age_hours = 1000\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    entry = _run(run_cli, root)
    assert entry["decision"] == "veto"
    text = json.dumps(entry["details"]["findings"])
    assert "guardians.toml" in text and "$.checkpoints.max_age_hours" in text
