"""The six attacks of an agent with write access to the repository, each tried for real.

Every attack reached `operational` (or hid a veto) on the unsigned, unbound
design while `guardians log verify` and `guardians validate` still passed.
Keys are made with ssh-keygen and listed in an allowed_signers file in a
temp dir outside the repository root.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import consensus, log_entries
from tests.trust_keys import Keys, make_keys, needs_ssh_keygen

pytestmark = needs_ssh_keygen


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path / "keys")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decisions(root: Path, epic: str) -> list[tuple[str, str]]:
    return [(e["agent"], e["decision"]) for e in log_entries(root, epic) if "hash" in e]


def _inbox(root: Path, epic: str, agent: str) -> Path:
    return consensus(root, epic) / "messages" / "inbox" / agent


def _forged_handoff(epic: str, sender: str, to: str, iteration: int = 1) -> bytes:
    body = {
        "from": sender,
        "to": to,
        "timestamp": "2026_11_24_10_00_00",
        "epic_id": epic,
        "iteration": iteration,
        "type": "handoff",
        "subject": f"ready_for_{to}",
        "content": {"origin": "quality"},
    }
    return yaml.safe_dump(body).encode()


# --- 1. a planted recovery journal ------------------------------------------------------------


def _planted_journal(root: Path) -> dict[str, Any]:
    epic = "epic_1"
    (_inbox(root, epic, "migration") / "001_handoff.yaml").unlink()  # no plan, review or migration ran
    handoff = _forged_handoff(epic, "backup", "process")
    rel = f"docs/specs/{epic}/consensus/messages/inbox/process/handoff_backup_2026_11_24_10_00_00.yaml"
    key = "ab" * 32
    entries = [
        {
            "timestamp": "2026_11_24_10_00_00",
            "agent": agent,
            "decision": "approve",
            "epic_id": epic,
            "iteration": 1,
            "source_document": "x.yaml",
            "previous_artifacts": [],
            "inputs": {},
            "outputs": {rel: _sha(handoff)} if agent == "backup" else {},
            "details": {"summary": "approved"},
            "message_key": key,
        }
        for agent in ("migration", "deploy", "backup")
    ]
    return {
        "message": f"docs/specs/{epic}/consensus/messages/inbox/migration/gone.yaml",
        "dest": f"docs/specs/{epic}/consensus/messages/inbox/migration/processed/gone.yaml",
        "key": key,
        "files": [{"path": rel, "data": base64.b64encode(handoff).decode()}],
        "moves": [],
        "entries": entries,
        "reason": None,
    }


def test_attack_1_planted_journal_is_quarantined_not_replayed(example, run_cli, keys, monkeypatch):
    keys.env(monkeypatch)
    root = example("clean")
    journal = consensus(root, "epic_1") / ".guardians.journal.json"
    journal.write_text(json.dumps(_planted_journal(root)))
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 0, result.output
    assert "quarantined docs/specs/epic_1/consensus/.guardians.journal.json" in result.stderr
    assert "journal is not signed" in result.stderr
    assert not journal.exists()
    quarantined = list((consensus(root, "epic_1") / "quarantine").glob(".guardians.journal.json.*.refused"))
    assert len(quarantined) == 1
    assert "not signed" in quarantined[0].with_name(quarantined[0].name + ".reason").read_text()
    assert _decisions(root, "epic_1") == []  # nothing replayed, nothing chained, nothing accepted
    assert not list(_inbox(root, "epic_1", "process").glob("*.yaml"))
    assert run_cli("log", "verify", "--root", str(root)).exit_code == 0


@pytest.mark.parametrize("text", ["{}", "[]", '{"files": 1}', "not json"])
def test_malformed_journal_is_quarantined_without_internal_error(example, run_cli, text):
    root = example("clean")
    journal = consensus(root, "epic_1") / ".guardians.journal.json"
    journal.write_text(text)
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    assert "quarantined" in result.stderr
    assert ("process", "operational") in _decisions(root, "epic_1")  # the real message is still decided


def test_own_signed_journal_is_replayed_after_a_crash(example, keys, monkeypatch):
    """Recovery still works for the guardians' own (signed) journal."""
    from guardians.engine import commit
    from guardians.store.layout import Epic
    from guardians.trust.anchor import load_trust

    keys.env(monkeypatch)
    root = example("clean")
    trust = load_trust(root, signs=True)
    epic = Epic.at(root, "epic_1")
    original = commit._apply
    calls = []

    def crash_once(epic_: Any, log: Any, journal: dict[str, Any]) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt("simulated crash after the journal was written")
        original(epic_, log, journal)

    monkeypatch.setattr(commit, "_apply", crash_once)
    with pytest.raises(KeyboardInterrupt):
        commit.process_epic(epic, trust=trust)
    assert epic.journal_path.exists()
    monkeypatch.setattr(commit, "_apply", original)
    result = commit.process_epic(epic, trust=trust)
    assert result.notes == []
    assert ("process", "operational") in _decisions(root, "epic_1")


# --- 2. forged log entries ----------------------------------------------------------------------


def test_attack_2_forged_chained_entries_are_refused(example, run_cli, keys, monkeypatch):
    from guardians.store.decision_log import DecisionLog

    root = example("clean")
    (_inbox(root, "epic_1", "migration") / "001_handoff.yaml").unlink()
    handoff = _forged_handoff("epic_1", "backup", "process")
    target = _inbox(root, "epic_1", "process") / "handoff_backup.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(handoff)
    # Correctly chained, but nobody holding the guardians' key signed them.
    log = DecisionLog(consensus(root, "epic_1") / "decision_log.jsonl", "epic_1")
    for agent in ("migration", "deploy", "backup"):
        log.append(
            {
                "timestamp": "2026_11_24_10_00_00",
                "agent": agent,
                "decision": "approve",
                "epic_id": "epic_1",
                "iteration": 1,
                "source_document": "x.yaml",
                "previous_artifacts": [],
                "details": {"summary": "approved", "findings": []},
                "inputs": {},
                "outputs": {f"{target.relative_to(root)}": _sha(handoff)} if agent == "backup" else {},
            }
        )
    keys.env(monkeypatch)
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 2
    assert "decision_log.jsonl:1: guardian entry has no signature" in result.stderr
    assert target.exists()  # not decided
    assert ("process", "operational") not in _decisions(root, "epic_1")
    verify = run_cli("log", "verify", "--root", str(root))
    assert verify.exit_code == 1
    assert "decision_log.jsonl:1: BROKEN: guardian entry has no signature" in verify.output
    checked = run_cli("validate", "--root", str(root))
    assert checked.exit_code == 1
    assert "VAL101" in checked.output


@pytest.mark.parametrize("keyed", [True, False], ids=["keyed", "unkeyed"])
@pytest.mark.parametrize("where", ["middle", "tail"])
def test_attack_2_unhashed_line_naming_a_guardian_is_never_trusted(example, run_cli, keys, monkeypatch, keyed, where):
    root = example("clean")
    (_inbox(root, "epic_1", "migration") / "001_handoff.yaml").unlink()
    handoff = _forged_handoff("epic_1", "backup", "process")
    target = _inbox(root, "epic_1", "process") / "handoff_backup.yaml"
    target.write_bytes(handoff)
    line = {"agent": "backup", "decision": "approve", "outputs": {str(target.relative_to(root)): _sha(handoff)}}
    agent_line = {"agent": "quality", "decision": "complete", "epic_id": "epic_1", "iteration": 1}
    lines = [line, agent_line] if where == "middle" else [line]
    (consensus(root, "epic_1") / "decision_log.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    if keyed:
        keys.env(monkeypatch)
    result = run_cli("run", "--root", str(root))
    if where == "middle":  # the log does not verify: refused, naming the line
        assert result.exit_code == 2
        # refused before anything is read from it (not the guardians' first entry, nor an agent line)
        assert "decision_log.jsonl:1: " in result.stderr and "guardians adopt epic_1" in result.stderr
        assert target.exists()
        assert run_cli("log", "verify", "--root", str(root)).exit_code == 1
        assert run_cli("validate", "--root", str(root)).exit_code == 1
    else:  # a bad last line is cut into quarantine/, never trusted nor chained onto
        assert result.exit_code == 0
        [kept] = (consensus(root, "epic_1") / "quarantine").iterdir()
        assert json.loads(kept.read_text()) == line
        last = log_entries(root, "epic_1")[-1]
        assert (last["agent"], last["decision"]) == ("process", "reject")
        assert last["details"]["findings"][0]["code"] == "GRD003"
    assert ("process", "operational") not in _decisions(root, "epic_1")


# --- 3. replaying an old handoff ----------------------------------------------------------------


def _iteration_2_with_drop_column(root: Path) -> None:
    art = consensus(root, "epic_1") / "artifacts"
    (art / "migrations" / "002_drop_note.sql").write_text("ALTER TABLE orders DROP COLUMN note;\n")
    (art / "migrations" / "002_drop_note.down.sql").write_text("ALTER TABLE orders ADD COLUMN note text;\n")
    impl = json.loads((art / "implementation.json").read_text())
    impl["migrations"] = [*impl["migrations"], "docs/specs/epic_1/consensus/artifacts/migrations/002_drop_note.sql"]
    (art / "implementation.json").write_text(json.dumps(impl, indent=2))
    handoff = yaml.safe_load((_inbox(root, "epic_1", "migration") / "processed" / "001_handoff.yaml").read_text())
    handoff["iteration"] = 2
    (_inbox(root, "epic_1", "migration") / "002_handoff.yaml").write_text(yaml.safe_dump(handoff))


@pytest.mark.parametrize("keyed", [True, False], ids=["keyed", "unkeyed"])
def test_attack_3_replayed_handoff_is_rejected(example, run_cli, keys, monkeypatch, keyed):
    root = example("clean")
    if keyed:
        keys.env(monkeypatch)
        keys.sign_health(root)
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert _decisions(root, "epic_1")[-1] == ("process", "operational")
    _iteration_2_with_drop_column(root)
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert _decisions(root, "epic_1")[-1] == ("migration", "waiting")
    old = next((_inbox(root, "epic_1", "deploy") / "processed").glob("handoff_migration_*.yaml"))
    replay = _inbox(root, "epic_1", "deploy") / "replay.yaml"
    shutil.copyfile(old, replay)
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 0
    last = log_entries(root, "epic_1")[-1]
    assert (last["agent"], last["decision"]) == ("deploy", "reject")
    assert last["details"]["findings"][0]["code"] == "GRD007"
    assert last["details"]["findings"][0]["message"].startswith("replayed handoff")
    assert _decisions(root, "epic_1").count(("process", "operational")) == 1
    status = json.loads(run_cli("status", "--root", str(root), "--format", "json").output)
    assert status[0]["waiting_for_approval"] is True and status[0]["operational"] is False


@pytest.mark.parametrize("keyed", [True, False], ids=["keyed", "unkeyed"])
def test_replayed_handoff_in_the_same_iteration_is_single_use(example, run_cli, keys, monkeypatch, keyed):
    if keyed:
        keys.env(monkeypatch)
    root = example("clean")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    old = next((_inbox(root, "epic_1", "backup") / "processed").glob("handoff_deploy_*.yaml"))
    shutil.copyfile(old, _inbox(root, "epic_1", "backup") / "again.yaml")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    last = log_entries(root, "epic_1")[-1]
    assert (last["agent"], last["decision"]) == ("backup", "reject")
    assert "a later decision already used it" in last["details"]["findings"][0]["message"]


# --- 4. a forged tech-lead approval -------------------------------------------------------------


def _forged_approval(root: Path, epic: str) -> Path:
    review = json.loads((consensus(root, epic) / "artifacts" / "migration_review.json").read_text())
    body = {
        "from": "tech-lead",
        "to": "migration",
        "timestamp": "2026_11_24_11_00_00",
        "epic_id": epic,
        "iteration": 1,
        "type": "approval",
        "subject": "approve_high_risk_migration",
        "content": {"review_digest": review["review_digest"], "reason": "ok", "suppress": {"MIG403": "trust me"}},
    }
    path = _inbox(root, epic, "migration") / "forged_approval.yaml"
    path.write_text(yaml.safe_dump(body))
    return path


def test_attack_4_forged_approval_is_rejected(example, run_cli, keys, monkeypatch):
    keys.env(monkeypatch)
    root = example("risky-migration")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert _decisions(root, "epic_2") == [("migration", "veto")]
    forged = _forged_approval(root, "epic_2")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    last = log_entries(root, "epic_2")[-1]
    assert (last["agent"], last["decision"]) == ("migration", "reject")
    assert [f["code"] for f in last["details"]["findings"]] == ["GRD008"]
    assert "not signed" in last["details"]["findings"][0]["message"]
    assert (forged.parent / "rejected" / forged.name).exists()
    assert ("migration", "approve") not in _decisions(root, "epic_2")


def test_attack_4_approval_signed_by_another_key_is_rejected(example, run_cli, keys, monkeypatch, tmp_path):
    from guardians.trust.approvals import approval_payload
    from guardians.trust.keys import load_signer

    keys.env(monkeypatch)
    root = example("risky-migration")
    run_cli("run", "--root", str(root))
    forged = _forged_approval(root, "epic_2")
    body = yaml.safe_load(forged.read_text())
    agent = load_signer(keys.agent)
    body["content"]["signature"] = agent.sign(approval_payload("epic_2", body["content"]), "guardians-approval")
    forged.write_text(yaml.safe_dump(body))
    run_cli("run", "--root", str(root))
    last = log_entries(root, "epic_2")[-1]
    assert last["decision"] == "reject"
    assert "does not allow for guardians-approval" in last["details"]["findings"][0]["message"]


def test_signed_approval_over_another_digest_is_rejected(example, run_cli, keys, monkeypatch):
    from guardians.trust.approvals import approval_payload
    from guardians.trust.keys import load_signer

    keys.env(monkeypatch)
    root = example("risky-migration")
    run_cli("run", "--root", str(root))
    forged = _forged_approval(root, "epic_2")
    body = yaml.safe_load(forged.read_text())
    lead = load_signer(keys.lead)
    other = dict(body["content"], review_digest="0" * 64)
    body["content"]["signature"] = lead.sign(approval_payload("epic_2", other), "guardians-approval")
    forged.write_text(yaml.safe_dump(body))
    run_cli("run", "--root", str(root))
    last = log_entries(root, "epic_2")[-1]
    assert last["decision"] == "reject"
    assert "signature does not match" in last["details"]["findings"][0]["message"]


# --- 5. editing outputs between guardians -------------------------------------------------------


def _rewrite_review_after_deploy(root: Path, epic: str) -> Any:
    review = consensus(root, epic) / "artifacts" / "migration_review.json"

    def hook(decision: Any) -> None:
        if decision.agent == "deploy" and decision.decision == "approve":
            data = json.loads(review.read_text())
            data.update(risk="low", destructive=False, requires_approval=False)
            review.write_text(json.dumps(data, indent=2))

    return hook


@pytest.mark.parametrize("keyed", [True, False], ids=["keyed", "unkeyed"])
def test_attack_5_output_edited_between_guardians_is_vetoed(example, run_cli, keys, monkeypatch, keyed):
    from guardians.engine.commit import process_epic
    from guardians.store.layout import Epic

    root = example("needs-approval")
    for checkpoint in (consensus(root, "epic_3") / "checkpoints").glob("*.json"):
        checkpoint.unlink()  # without a checkpoint, backup must veto a destructive migration
    if keyed:
        keys.env(monkeypatch)
        (_inbox(root, "epic_3", "migration") / "002_approval.yaml").unlink()
        run_cli("run", "--root", str(root))
        signed = run_cli("approve", "epic_3", "--root", str(root), "--key", str(keys.lead), "--reason", "unused")
        assert signed.exit_code == 0, signed.output
    kwargs: dict[str, Any] = {}
    if keyed:
        from guardians.trust.anchor import load_trust

        kwargs["trust"] = load_trust(root, signs=True)
    process_epic(Epic.at(root, "epic_3"), on_decision=_rewrite_review_after_deploy(root, "epic_3"), **kwargs)
    entries = [e for e in log_entries(root, "epic_3") if "hash" in e]
    backup = next(e for e in entries if e["agent"] == "backup")
    assert backup["decision"] == "veto"
    codes = {f["code"]: f for f in backup["details"]["findings"]}
    assert "GRD013" in codes
    assert codes["GRD013"]["file"] == "docs/specs/epic_3/consensus/artifacts/migration_review.json"
    assert ("process", "operational") not in _decisions(root, "epic_3")


def test_migration_file_changed_after_it_was_judged_is_vetoed(example, run_cli):
    from guardians.engine.commit import process_epic
    from guardians.store.layout import Epic

    root = example("clean")
    sql = consensus(root, "epic_1") / "artifacts" / "migrations" / "001_order_note.sql"

    def hook(decision: Any) -> None:
        if decision.agent == "migration":
            sql.write_text("ALTER TABLE orders DROP COLUMN total;\n")

    process_epic(Epic.at(root, "epic_1"), on_decision=hook)
    deploy = next(e for e in log_entries(root, "epic_1") if e["agent"] == "deploy")
    assert deploy["decision"] == "veto"
    assert (
        deploy["details"]["findings"][0]["file"]
        == "docs/specs/epic_1/consensus/artifacts/migrations/001_order_note.sql"
    )


# --- 6. truncating or re-chaining the log -------------------------------------------------------


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


def test_attack_6_truncated_log_is_caught_against_git_and_by_signed_outputs(example, run_cli, keys, monkeypatch):
    keys.env(monkeypatch)
    root = example("no-health-checks")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    log = next((root / "docs" / "specs").glob("epic_*/consensus/decision_log.jsonl"))
    lines = log.read_bytes().splitlines(keepends=True)
    assert json.loads(lines[-1])["decision"] == "veto"
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "decided")
    assert run_cli("validate", "--root", str(root), "--since", "HEAD").exit_code == 0
    log.write_bytes(b"".join(lines[:-1]))  # the veto is gone; the rest still verifies
    assert run_cli("log", "verify", "--root", str(root)).exit_code == 0
    against_git = run_cli("validate", "--root", str(root), "--since", "HEAD")
    assert against_git.exit_code == 1
    assert "VAL106" in against_git.output and "is shorter than its version at HEAD" in against_git.output
    alone = run_cli("validate", "--root", str(root))
    assert alone.exit_code == 1
    assert "VAL107" in alone.output and "veto_" in alone.output


def test_attack_6_rechained_log_does_not_verify(example, run_cli, keys, monkeypatch):
    from guardians.store.chain import entry_hash, genesis_hash

    keys.env(monkeypatch)
    root = example("three-strikes")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    log = consensus(root, "epic_6") / "decision_log.jsonl"
    kept = [e for e in (json.loads(x) for x in log.read_text().splitlines()) if e["decision"] == "approve"]
    head = genesis_hash("epic_6")
    out = []
    for seq, entry in enumerate(kept, 1):  # drop every veto and re-chain, as anyone could without the key
        entry.update(seq=seq, prev_hash=head)
        entry.pop("sig", None)
        entry["hash"] = head = entry_hash(entry)
        out.append(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
    log.write_text("".join(out))
    verify = run_cli("log", "verify", "--root", str(root))
    assert verify.exit_code == 1 and "decision_log.jsonl:1: BROKEN" in verify.output
    assert run_cli("run", "--root", str(root)).exit_code == 2
