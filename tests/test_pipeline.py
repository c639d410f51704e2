"""Exactly-once decisions, bad messages and crash recovery, through the public API and CLI."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml

from guardians.engine import commit as pipeline
from guardians.store.decision_log import verify_file
from guardians.store.layout import Epic
from tests.conftest import consensus, log_entries

HANDOFF = {
    "from": "quality",
    "to": "migration",
    "timestamp": "2026_11_24_10_00_00",
    "epic_id": "epic_1",
    "iteration": 1,
    "type": "handoff",
    "subject": "ready",
    "content": {"summary": "go"},
}


def _inbox(root: Path, agent: str, epic: str = "epic_1") -> Path:
    return consensus(root, epic) / "messages" / "inbox" / agent


def _age(path: Path, seconds: float = 60) -> None:
    """Make a directly-written file look settled (written a while ago)."""
    past = time.time() - seconds
    os.utime(path, (past, past))


def _drop(root: Path, name: str, text: str, agent: str = "migration") -> Path:
    path = _inbox(root, agent) / name
    path.write_text(text)
    _age(path)
    return path


def test_invalid_message_is_vetoed_with_file_and_json_path(example, run_cli):
    root = example("clean")
    (_inbox(root, "migration") / "001_handoff.yaml").unlink()
    bad = dict(HANDOFF, iteration=0)
    del bad["subject"]
    _drop(root, "bad.json", json.dumps(bad))
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 0
    entries = log_entries(root, "epic_1")
    assert [e["decision"] for e in entries] == ["veto"]
    paths = {f["json_path"] for f in entries[0]["details"]["findings"]}
    assert {"$.subject", "$.iteration"} <= paths
    assert all(f["file"].endswith("inbox/migration/bad.json") for f in entries[0]["details"]["findings"])
    veto = next(_inbox(root, "quality").glob("veto_*.yaml"))
    assert yaml.safe_load(veto.read_text())["subject"] == "invalid_message"
    assert (_inbox(root, "migration") / "processed" / "bad.json").exists()


@pytest.mark.parametrize(
    "text, needle",
    [
        ("a: &x [1]\nb: *x\n", "anchors are not allowed"),
        ("from: quality\nfrom: quality\n", "duplicate key"),
        ("{not yaml: [", "invalid YAML"),
        ("!!python/object:os.system x\n", "explicit YAML tag"),
    ],
)
def test_unreadable_message_without_sender_is_rejected(example, run_cli, text, needle):
    root = example("clean")
    (_inbox(root, "migration") / "001_handoff.yaml").unlink()
    _drop(root, "evil.yaml", text)
    assert run_cli("run", "--root", str(root)).exit_code == 0
    [entry] = log_entries(root, "epic_1")
    assert entry["decision"] == "reject"
    assert needle in entry["details"]["findings"][0]["message"]
    reason = _inbox(root, "migration") / "rejected" / "evil.yaml.reason"
    assert needle in reason.read_text()


def test_symlinked_message_is_refused(example, run_cli, tmp_path):
    root = example("clean")
    (_inbox(root, "migration") / "001_handoff.yaml").unlink()
    secret = tmp_path / "secret.yaml"
    secret.write_text(yaml.safe_dump(HANDOFF))
    link = _inbox(root, "migration") / "link.yaml"
    link.symlink_to(secret)
    os.utime(link, (time.time() - 60,) * 2, follow_symlinks=False)
    assert run_cli("run", "--root", str(root)).exit_code == 0
    [entry] = log_entries(root, "epic_1")
    assert entry["decision"] == "reject"
    assert "symbolic link" in entry["details"]["findings"][0]["message"]
    assert secret.read_text() == yaml.safe_dump(HANDOFF)  # target untouched


def test_misrouted_message_is_vetoed(example, run_cli):
    root = example("clean")
    (_inbox(root, "migration") / "001_handoff.yaml").unlink()
    _drop(root, "wrong.yaml", yaml.safe_dump(dict(HANDOFF, to="deploy")))
    run_cli("run", "--root", str(root))
    [entry] = log_entries(root, "epic_1")
    assert entry["decision"] == "veto"
    assert entry["details"]["findings"][0]["code"] == "GRD002"
    assert entry["details"]["findings"][0]["json_path"] == "$.to"


def test_fresh_unparseable_file_is_not_vetoed_while_being_written(example):
    root = example("clean")
    (_inbox(root, "migration") / "001_handoff.yaml").unlink()
    partial = _inbox(root, "migration") / "slow.json"
    full = json.dumps(HANDOFF)
    partial.write_text(full[: len(full) // 2])  # mtime: now
    result = pipeline.process_epic(Epic(root, "epic_1"))
    assert result.decisions == [] and result.deferred == 1
    assert log_entries(root, "epic_1") == []
    partial.write_text(full)
    _age(partial)
    result = pipeline.process_epic(Epic(root, "epic_1"))
    assert result.decisions[0].decision in ("approve", "veto", "waiting")
    assert log_entries(root, "epic_1")[0]["source_document"].endswith("slow.json")


def test_send_delivers_atomically_and_is_decided_at_once(example, run_cli, tmp_path):
    root = example("clean")
    (_inbox(root, "migration") / "001_handoff.yaml").unlink()
    msg = tmp_path / "handoff.yaml"
    msg.write_text(yaml.safe_dump(HANDOFF))
    result = run_cli("send", "--root", str(root), "epic_1", "--to", "migration", str(msg))
    assert result.exit_code == 0, result.output
    [delivered] = _inbox(root, "migration").glob("*.yaml")
    assert delivered.stat().st_mode & 0o777 == 0o444
    assert not list((_inbox(root, "migration") / ".tmp").iterdir())
    result = pipeline.process_epic(Epic(root, "epic_1"))
    # decided on the first look: a delivered file is read-only, so no settle wait applies
    assert result.deferred == 0
    assert result.decisions and result.decisions[0].agent == "migration"


def test_send_refuses_invalid_and_misaddressed_messages(example, run_cli, tmp_path):
    root = example("clean")
    msg = tmp_path / "m.yaml"
    msg.write_text(yaml.safe_dump(dict(HANDOFF, iteration="one")))
    result = run_cli("send", "--root", str(root), "epic_1", "--to", "migration", str(msg))
    assert result.exit_code == 1 and "$.iteration" in result.output
    msg.write_text(yaml.safe_dump(HANDOFF))
    result = run_cli("send", "--root", str(root), "epic_1", "--to", "deploy", str(msg))
    assert result.exit_code == 1 and "$.to" in result.output
    result = run_cli("send", "--root", str(root), "epic_../../x", "--to", "deploy", str(msg))
    assert result.exit_code == 2 and "invalid epic id" in result.output
    assert len(list(_inbox(root, "migration").glob("*.yaml"))) == 1  # only the example's own handoff


def test_traversal_epic_ids_are_usage_errors(example, run_cli):
    root = example("clean")
    for bad in ("epic_../../x", "epic_1/../epic_2", "EPIC_1", "epic_"):
        result = run_cli("run", "--root", str(root), bad)
        assert result.exit_code == 2, bad
        assert "invalid epic id" in result.output
    assert log_entries(root, "epic_1") == []


class Boom(Exception):
    pass


@pytest.mark.parametrize("crash_at", ["files", "append", "move"])
def test_crash_mid_commit_then_rerun_decides_exactly_once(example, run_cli, monkeypatch, crash_at):
    """A crash between the commit's steps (injected: a real crash cannot be
    placed between two syscalls deterministically) leaves a journal; the next
    run finishes the commit with identical outputs and one log entry."""
    root = example("clean")
    from guardians.store import atomic, decision_log, inbox

    real = {
        "files": (atomic, "atomic_write_bytes", atomic.atomic_write_bytes),
        "append": (decision_log.DecisionLog, "append", decision_log.DecisionLog.append),
        "move": (pipeline, "move", inbox.move),
    }[crash_at]
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        # Let the journal itself be written (first atomic write), crash after.
        if crash_at == "files" and calls["n"] == 1:
            return real[2](*args, **kwargs)
        raise Boom(crash_at)

    monkeypatch.setattr(real[0], real[1], failing)
    with pytest.raises(Boom):
        pipeline.process_epic(Epic(root, "epic_1"))
    monkeypatch.undo()
    journal = consensus(root, "epic_1") / ".guardians.journal.json"
    assert journal.exists()
    assert run_cli("run", "--root", str(root)).exit_code == 0
    entries = log_entries(root, "epic_1")
    keys = [e["message_key"] for e in entries if e["agent"] == "migration"]
    assert len(keys) == 1, entries
    assert [e["decision"] for e in entries][-1] == "operational"
    assert not journal.exists()
    assert verify_file(consensus(root, "epic_1") / "decision_log.jsonl", "epic_1").ok
    review = json.loads((consensus(root, "epic_1") / "artifacts" / "migration_review.json").read_text())
    assert review["decision"] == "approve"


def test_torn_journal_is_discarded_and_message_still_decided(example, run_cli):
    root = example("clean")
    journal = consensus(root, "epic_1") / ".guardians.journal.json"
    journal.write_text('{"message": "docs/spe')
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert [e["decision"] for e in log_entries(root, "epic_1")][-1] == "operational"


def test_redelivered_identical_file_is_not_decided_twice(example, run_cli):
    root = example("clean")
    original = (_inbox(root, "migration") / "001_handoff.yaml").read_bytes()
    run_cli("run", "--root", str(root))
    count = len(log_entries(root, "epic_1"))
    copy = _inbox(root, "migration") / "001_handoff.yaml"
    copy.write_bytes(original)
    _age(copy)
    run_cli("run", "--root", str(root))
    assert len(log_entries(root, "epic_1")) == count
    assert not copy.exists()


def test_approval_with_wrong_digest_keeps_waiting(example, run_cli):
    root = example("needs-approval")
    approval = _inbox(root, "migration", "epic_3") / "002_approval.yaml"
    body = yaml.safe_load(approval.read_text())
    body["content"]["review_digest"] = "0" * 64
    approval.write_text(yaml.safe_dump(body))
    _age(approval)
    run_cli("run", "--root", str(root))
    entries = log_entries(root, "epic_3")
    assert [e["decision"] for e in entries] == ["waiting", "waiting"]
    assert "does not match" in entries[1]["details"]["summary"]
    assert len(list((_inbox(root, "migration", "epic_3") / "waiting").glob("*.yaml"))) == 1


def test_approval_from_non_approver_is_vetoed(example, run_cli):
    root = example("needs-approval")
    approval = _inbox(root, "migration", "epic_3") / "002_approval.yaml"
    body = yaml.safe_load(approval.read_text())
    body["from"] = "developer"
    approval.write_text(yaml.safe_dump(body))
    _age(approval)
    run_cli("run", "--root", str(root))
    decisions = [e["decision"] for e in log_entries(root, "epic_3")]
    assert decisions == ["waiting", "veto"]
    assert list(_inbox(root, "developer", "epic_3").glob("veto_*.yaml"))


def test_invalid_artifact_veto_names_file_path_and_line(example, run_cli):
    root = example("clean")
    plan = consensus(root, "epic_1") / "artifacts" / "plan.json"
    data = json.loads(plan.read_text())
    data["operations"]["resources"]["replicas"] = "three"
    plan.write_text(json.dumps(data, indent=2))
    run_cli("run", "--root", str(root))
    [entry] = log_entries(root, "epic_1")
    assert entry["decision"] == "veto" and entry["details"]["subject"] == "invalid_artifact"
    finding = entry["details"]["findings"][0]
    assert finding["file"].endswith("artifacts/plan.json")
    assert finding["json_path"] == "$.operations.resources.replicas"
    replicas_line = next(i for i, t in enumerate(plan.read_text().splitlines(), 1) if '"replicas"' in t)
    assert finding["line"] == replicas_line


def test_init_scaffolds_and_is_idempotent(run_cli, tmp_path):
    result = run_cli("init", "--root", str(tmp_path), "epic_42")
    assert result.exit_code == 0
    epic = tmp_path / "docs" / "specs" / "epic_42"
    assert (epic / "epic_42.md").is_file()
    for agent in ("migration", "deploy", "backup", "process", "quality", "tech-lead"):
        assert (epic / "consensus" / "messages" / "inbox" / agent).is_dir()
    (epic / "epic_42.md").write_text("mine")
    again = run_cli("init", "--root", str(tmp_path), "epic_42")
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert (epic / "epic_42.md").read_text() == "mine"


def test_approval_suppression_releases_a_vetoed_migration_without_resend(example, run_cli):
    """A tech lead accepts a blocking finding for this epic; the vetoed handoff is decided again."""
    root = example("clean")
    sql = consensus(root, "epic_1") / "artifacts" / "migrations" / "001_order_note.sql"
    sql.write_text(sql.read_text() + "CREATE INDEX IF NOT EXISTS orders_note_idx ON orders (note);\n")
    run_cli("run", "--root", str(root))
    [veto] = log_entries(root, "epic_1")
    assert veto["decision"] == "veto"
    assert "MIG204" in {f["code"] for f in veto["details"]["findings"]}
    approval = {
        "from": "tech-lead",
        "to": "migration",
        "timestamp": "2026_11_24_11_00_00",
        "epic_id": "epic_1",
        "iteration": 1,
        "type": "approval",
        "subject": "accept_index_lock",
        "content": {
            "review_digest": veto["details"]["review_digest"],
            "reason": "orders has 40 rows in production",
            "suppress": {"MIG204": "orders has 40 rows; the lock lasts milliseconds"},
        },
    }
    _drop(root, "approval.yaml", yaml.safe_dump(approval))
    assert run_cli("run", "--root", str(root)).exit_code == 0
    entries = log_entries(root, "epic_1")
    assert [e["decision"] for e in entries][:2] == ["veto", "approve"]
    assert entries[-1]["decision"] == "operational"
    review = json.loads((consensus(root, "epic_1") / "artifacts" / "migration_review.json").read_text())
    assert [s["code"] for s in review["suppressed"]] == ["MIG204"]
    assert review["suppressed"][0]["source"] == "approval" and review["suppressed"][0]["reason"]
    assert entries[1]["details"]["approval"]["suppress"] == approval["content"]["suppress"]
    assert [(s["code"], s["source"]) for s in entries[1]["details"]["suppressed"]] == [("MIG204", "approval")]


def test_orphaned_temp_files_are_swept_under_the_lease(example, run_cli):
    root = example("clean")
    art = consensus(root, "epic_1") / "artifacts"
    orphan = art / ".deployment.json.abc123.tmp"
    orphan.write_text("{half")
    fresh_send = _inbox(root, "migration") / ".tmp" / "tmpfresh.tmp"
    fresh_send.parent.mkdir()
    fresh_send.write_text("being written by guardians send")
    old_send = fresh_send.with_name("tmpold.tmp")
    old_send.write_text("abandoned")
    _age(old_send, 40 * 3600)
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert not orphan.exists() and not old_send.exists()
    assert fresh_send.exists()  # a concurrent `send` is never disturbed


def test_torn_log_tail_is_repaired_before_deciding(example, run_cli):
    root = example("clean")
    log = consensus(root, "epic_1") / "decision_log.jsonl"
    log.write_bytes(b"\x00" * 40 + b"\n")  # a crash left a line of NULs
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert [e["decision"] for e in log_entries(root, "epic_1")][-1] == "operational"
    assert list((consensus(root, "epic_1") / "quarantine").iterdir())


def test_corrupt_log_middle_fails_closed_with_exit_2(example, run_cli):
    root = example("clean")
    run_cli("run", "--root", str(root))
    log = consensus(root, "epic_1") / "decision_log.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    lines[1] = b"garbage\n"
    log.write_bytes(b"".join(lines))
    before = log.read_bytes()
    handoff = dict(HANDOFF, iteration=2)
    _drop(root, "again.yaml", yaml.safe_dump(handoff))
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 2
    assert "decision log" in result.output
    assert log.read_bytes() == before
    assert (_inbox(root, "migration") / "again.yaml").exists()  # not consumed


def test_handoff_that_skips_guardians_is_rejected(example, run_cli):
    """A forged handoff straight into inbox/process cannot mark an epic operational."""
    root = example("clean")
    (_inbox(root, "migration") / "001_handoff.yaml").unlink()
    forged = dict(HANDOFF, to="process", **{"from": "backup"})
    _drop(root, "forged.yaml", yaml.safe_dump(forged), agent="process")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    [entry] = log_entries(root, "epic_1")
    assert entry["decision"] == "reject"
    assert entry["details"]["findings"][0]["code"] == "GRD003"
    assert (_inbox(root, "process") / "rejected" / "forged.yaml").exists()
    assert not (consensus(root, "epic_1") / "artifacts" / "process_report.json").exists()


def test_stale_iteration_is_rejected(example, run_cli):
    root = example("three-strikes")
    run_cli("run", "--root", str(root))
    before = len(log_entries(root, "epic_6"))
    stale = dict(HANDOFF, epic_id="epic_6", iteration=1, timestamp="2026_11_24_12_00_00")
    path = consensus(root, "epic_6") / "messages" / "inbox" / "migration" / "late.yaml"
    path.write_text(yaml.safe_dump(stale))
    _age(path)
    run_cli("run", "--root", str(root))
    entries = log_entries(root, "epic_6")
    assert len(entries) == before + 1
    assert entries[-1]["decision"] == "reject"
    assert entries[-1]["details"]["findings"][0]["code"] == "GRD004"
    assert run_cli("validate", "--root", str(root)).exit_code == 0


def test_artifact_from_another_epic_is_vetoed(example, run_cli):
    root = example("clean")
    plan = consensus(root, "epic_1") / "artifacts" / "plan.json"
    plan.write_text(plan.read_text().replace('"epic_id": "epic_1"', '"epic_id": "epic_2"'))
    run_cli("run", "--root", str(root))
    [entry] = log_entries(root, "epic_1")
    assert entry["decision"] == "veto"
    finding = entry["details"]["findings"][0]
    assert finding["json_path"] == "$.epic_id" and "epic_2" in finding["message"]
    assert finding["line"] == 2


def test_validate_flags_artifact_from_another_epic(example, run_cli):
    root = example("clean")
    review = consensus(root, "epic_1") / "artifacts" / "review.json"
    review.write_text(review.read_text().replace('"epic_id": "epic_1"', '"epic_id": "epic_9"'))
    result = run_cli("validate", "--root", str(root), "--format", "json")
    assert result.exit_code == 1
    assert "VAL135" in result.output and "review.json" in result.output


def test_the_migration_gate_never_forks_inside_run(example, run_cli, monkeypatch):
    """Many SQL files would be shared with a forked worker by the lint command; the gate runs
    inside `run` and `watch`, which have threads, so it analyses them in its own process."""
    root = example("clean")
    migrations = consensus(root, "epic_1") / "artifacts" / "migrations"
    source = (migrations / "001_order_note.sql").read_text()
    impl_path = consensus(root, "epic_1") / "artifacts" / "implementation.json"
    impl = json.loads(impl_path.read_text())
    for i in range(2, 82):
        (migrations / f"{i:03d}_order_note.sql").write_text(source.replace("note", f"note_{i}"))
        down = f"ALTER TABLE orders DROP COLUMN IF EXISTS note_{i};\n"
        (migrations / f"{i:03d}_order_note.down.sql").write_text(down)
        impl["migrations"].append(f"docs/specs/epic_1/consensus/artifacts/migrations/{i:03d}_order_note.sql")
    impl_path.write_text(json.dumps(impl))

    def no_fork() -> int:
        raise AssertionError("the migration gate forked")

    monkeypatch.setattr(os, "fork", no_fork)
    assert run_cli("run", "--root", str(root)).exit_code == 0
    entries = log_entries(root, "epic_1")
    assert entries[0]["agent"] == "migration" and entries[0]["decision"] == "approve", entries[0]
    review = json.loads((consensus(root, "epic_1") / "artifacts" / "migration_review.json").read_text())
    assert len(review["files"]) == 81
