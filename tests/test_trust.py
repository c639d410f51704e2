"""Keys, signatures and the trust anchor, checked against stock OpenSSH."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from tests.conftest import consensus, log_entries
from tests.trust_keys import Keys, make_keys, needs_ssh_keygen, ssh_verify

pytestmark = needs_ssh_keygen


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path / "keys")


def test_guardian_signatures_verify_with_ssh_keygen(example, run_cli, keys, monkeypatch, tmp_path):
    keys.env(monkeypatch)
    root = example("clean")
    keys.sign_health(root)
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 0
    assert "trust: signed: trust anchor" in result.stderr and "signing as guardians" in result.stderr
    entries = log_entries(root, "epic_1")
    assert len(entries) == 5 and all(e["sig"].startswith("-----BEGIN SSH SIGNATURE-----") for e in entries)
    for entry in entries:  # each entry: its hash, signed
        assert ssh_verify(
            keys.allowed, "guardians", "guardians-decision", entry["sig"], entry["hash"].encode(), tmp_path
        )
    art = consensus(root, "epic_1") / "artifacts"
    for name in ("deployment.json", "cicd.yaml", "runbook.md", "migration_review.json", "backup_plan.json"):
        sig = (art / (name + ".sig")).read_text()
        assert ssh_verify(keys.allowed, "guardians", "guardians-decision", sig, (art / name).read_bytes(), tmp_path)
        assert not ssh_verify(keys.allowed, "guardians", "guardians-decision", sig, b"tampered", tmp_path)
    handoffs = list(consensus(root, "epic_1").glob("messages/inbox/*/processed/handoff_*.yaml"))
    assert len(handoffs) == 3
    for handoff in handoffs:
        sig = handoff.with_name(handoff.name + ".sig").read_text()
        assert ssh_verify(keys.allowed, "guardians", "guardians-decision", sig, handoff.read_bytes(), tmp_path)
    verify = run_cli("log", "verify", "--root", str(root))
    assert verify.exit_code == 0 and "5 entries, 5 signed" in verify.output
    assert run_cli("validate", "--root", str(root)).exit_code == 0


def test_ssh_keygen_signature_verifies_here(keys, tmp_path):
    """The other direction: a signature made by `ssh-keygen -Y sign` is accepted by our verifier."""
    from guardians.trust.allowed_signers import parse_allowed_signers
    from guardians.trust.sshsig import SignatureError

    data = tmp_path / "data.txt"
    data.write_bytes(b"review digest 42\n")
    subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-q", "-f", str(keys.lead), "-n", "guardians-approval", str(data)],
        check=True,
        capture_output=True,
    )
    anchor = parse_allowed_signers(keys.allowed.read_text(), "test")
    armored = (tmp_path / "data.txt.sig").read_text()
    assert anchor.verify(armored, data.read_bytes(), "guardians-approval") == "lead@example.com"
    with pytest.raises(SignatureError, match="namespace"):
        anchor.verify(armored, data.read_bytes(), "guardians-decision")
    with pytest.raises(SignatureError, match="does not match"):
        anchor.verify(armored, b"review digest 43\n", "guardians-approval")


def test_unkeyed_views_say_the_log_is_unsigned(example, run_cli, tmp_path):
    root = example("clean")
    assert "accidents only" in run_cli("run", "--root", str(root)).stderr
    assert "trust: unsigned" in run_cli("log", "verify", "--root", str(root)).output
    assert run_cli("status", "--root", str(root)).output.splitlines()[-1].startswith("trust: unsigned")
    page = tmp_path / "r.html"
    run_cli("report", "epic_1", "--root", str(root), "--html", str(page))
    assert "Trust: unsigned" in page.read_text()
    assert not list(root.rglob("*.sig"))


@pytest.mark.parametrize("problem", ["inside-root", "group-readable", "not-allowed", "missing"])
def test_run_refuses_an_unsafe_or_unknown_key(example, run_cli, keys, monkeypatch, problem):
    root = example("clean")
    keys.env(monkeypatch)
    if problem == "inside-root":
        inside = root / "guardians_key"
        inside.write_bytes(keys.guardians.read_bytes())
        inside.chmod(0o600)
        monkeypatch.setenv("GUARDIANS_SIGNING_KEY", str(inside))
        expected = "inside the repository root"
    elif problem == "group-readable":
        keys.guardians.chmod(0o640)
        expected = "readable by group or others"
    elif problem == "not-allowed":
        monkeypatch.setenv("GUARDIANS_SIGNING_KEY", str(keys.agent))
        expected = "is not allowed for guardians-decision"
    else:
        monkeypatch.delenv("GUARDIANS_SIGNING_KEY")
        expected = "no signing key"
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 2
    assert expected in result.stderr
    assert log_entries(root, "epic_1") == []


def test_anchor_inside_the_root_is_refused(example, run_cli, keys, monkeypatch):
    root = example("clean")
    planted = root / "allowed_signers"
    planted.write_text(keys.allowed.read_text())
    monkeypatch.setenv("GUARDIANS_ALLOWED_SIGNERS", str(planted))
    result = run_cli("log", "verify", "--root", str(root))
    assert result.exit_code == 2 and "inside the repository root" in result.output


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


def test_trust_ref_reads_the_committed_anchor_not_the_working_tree(example, run_cli, keys, monkeypatch):
    root = example("clean")
    (root / ".guardians").mkdir()
    committed = root / ".guardians" / "allowed_signers"
    committed.write_text(keys.allowed.read_text())
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "anchor")
    # An agent adds its own key in the working tree (and could commit it on a branch).
    agent_pub = keys.agent.with_name("agent.pub").read_text().split()
    committed.write_text(
        committed.read_text() + f'agent namespaces="guardians-decision" {agent_pub[0]} {agent_pub[1]}\n'
    )
    monkeypatch.setenv("GUARDIANS_SIGNING_KEY", str(keys.agent))
    refused = run_cli("run", "--root", str(root), "--trust-ref", "main")
    assert refused.exit_code == 2 and "not allowed for guardians-decision" in refused.stderr
    monkeypatch.setenv("GUARDIANS_SIGNING_KEY", str(keys.guardians))
    ran = run_cli("run", "--root", str(root), "--trust-ref", "main")
    assert ran.exit_code == 0 and ".guardians/allowed_signers at main" in ran.stderr
    assert run_cli("log", "verify", "--root", str(root), "--trust-ref", "main").exit_code == 0
    bad_ref = run_cli("log", "verify", "--root", str(root), "--trust-ref", "nope")
    assert bad_ref.exit_code == 2 and "--trust-ref nope: not a commit" in bad_ref.output


# --- the shared log: agent lines ----------------------------------------------------------------


def test_signed_entry_commits_to_the_agent_lines_before_it(example, run_cli, keys, monkeypatch):
    keys.env(monkeypatch)
    root = example("clean")
    run_cli("record", "epic_1", "--root", str(root), "--agent", "quality", "--decision", "complete")
    run_cli("run", "--root", str(root))
    log = consensus(root, "epic_1") / "decision_log.jsonl"
    text = log.read_text()
    log.write_text(text.replace('"decision":"complete"', '"decision":"veto"', 1))  # rewrite history
    verify = run_cli("log", "verify", "--root", str(root))
    assert verify.exit_code == 1
    assert "decision_log.jsonl:2: BROKEN: prev_hash does not match" in verify.output


def test_agent_vetoes_do_not_count_towards_the_cap(example, run_cli):
    from guardians.commands.record import record

    root = example("three-strikes")
    for _ in range(5):
        assert record(
            root, "epic_6", agent="quality", decision="veto", iteration=1, source_document="",
            previous_artifacts=[], details=None, out=io.StringIO(),
        ) == 0  # fmt: skip
    run_cli("run", "--root", str(root))
    guardian = [(e["decision"], e["details"].get("veto_number")) for e in log_entries(root, "epic_6") if "seq" in e]
    vetoes = [n for d, n in guardian if d in ("veto", "escalate")]
    assert vetoes == [1, 2, 3]
    assert guardian[-1][0] == "escalate"


def test_anchor_namespace_matches_sshsig_and_send_without_anchor_loads_no_signature_code(example, tmp_path):
    import os
    import subprocess
    import sys

    from guardians.trust import anchor, sshsig

    assert anchor.NS_DECISION == sshsig.NS_DECISION
    root = example("clean")
    draft = tmp_path / "h.yaml"
    draft.write_text(
        "from: quality\nto: migration\ntimestamp: '2026_11_22_10_05_00'\nepic_id: epic_1\niteration: 2\n"
        "type: handoff\nsubject: ready_for_guardians\ncontent: {}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUARDIANS_")}
    code = (
        "import sys; from guardians.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('guardians.trust')))"
    )
    argv = ["send", "epic_1", "--to", "migration", str(draft), "--root", str(root)]
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, check=False)
    assert "delivered" in done.stdout, done.stdout + done.stderr
    loaded = done.stdout.strip().splitlines()[-1]
    assert "allowed_signers" not in loaded and "sshsig" not in loaded and "keys" not in loaded, loaded


# --- the gates' settings under an anchor --------------------------------------------------------


def _anchored_repo(root: Path, keys: Keys, committed_toml: str | None) -> None:
    (root / ".guardians").mkdir(exist_ok=True)
    (root / ".guardians" / "allowed_signers").write_text(keys.allowed.read_text())
    if committed_toml is not None:
        (root / "guardians.toml").write_text(committed_toml)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "anchor and settings")


def test_settings_under_a_trust_ref_come_from_the_ref_not_the_working_tree(example, keys, monkeypatch):
    from guardians.errors import UsageError
    from guardians.settings import load_settings
    from guardians.trust.anchor import UNKEYED, load_trust

    monkeypatch.delenv("GUARDIANS_ALLOWED_SIGNERS", raising=False)
    root = example("clean")
    _anchored_repo(root, keys, "[checkpoints]\nmax_age_hours = 6\n")
    # The agent loosens the working tree's copy (and could commit it on its branch).
    (root / "guardians.toml").write_text("[checkpoints]\nmax_age_hours = 168\n")
    trust = load_trust(root, trust_ref="main")
    assert trust.ref == "main"
    assert load_settings(root, trust).checkpoints.max_age_hours == 6
    assert load_settings(root, UNKEYED).checkpoints.max_age_hours == 168  # unsigned mode: the working tree
    # Nothing committed at the ref: the defaults, whatever the working tree says.
    _git(root, "rm", "-q", "--cached", "guardians.toml")
    _git(root, "commit", "-qm", "no settings")
    assert load_settings(root, trust).checkpoints.max_age_hours == 24
    # A committed file that is wrong is named with the ref and the key path.
    (root / "guardians.toml").write_text("[checkpoints]\nmax_age_hours = 1000\n")
    _git(root, "add", "guardians.toml")
    _git(root, "commit", "-qm", "bad settings")
    with pytest.raises(Exception, match=r"max_age_hours") as bad:
        load_settings(root, trust)
    assert "guardians.toml at main" in str(bad.value) and "$.checkpoints.max_age_hours" in str(bad.value)
    with pytest.raises(UsageError, match="not a commit"):
        load_trust(root, trust_ref="no-such-branch")


def test_settings_with_an_anchor_file_come_from_guardians_settings_outside_the_root(
    example, keys, monkeypatch, tmp_path
):
    from guardians.errors import UsageError
    from guardians.settings import load_settings
    from guardians.trust.anchor import load_trust

    root = example("clean")
    (root / "guardians.toml").write_text("[checkpoints]\nmax_age_hours = 168\n")
    keys.env(monkeypatch, sign=False)
    trust = load_trust(root)
    assert trust.keyed and trust.ref is None
    monkeypatch.delenv("GUARDIANS_SETTINGS", raising=False)
    assert load_settings(root, trust).checkpoints.max_age_hours == 24  # not the working tree's 168
    outside = tmp_path / "settings.toml"
    outside.write_text("[checkpoints]\nmax_age_hours = 12\n")
    monkeypatch.setenv("GUARDIANS_SETTINGS", str(outside))
    assert load_settings(root, trust).checkpoints.max_age_hours == 12
    monkeypatch.setenv("GUARDIANS_SETTINGS", str(root / "guardians.toml"))
    with pytest.raises(UsageError, match="inside the repository root"):
        load_settings(root, trust)


def test_a_keyed_run_ignores_settings_an_agent_broke_in_the_working_tree(example, run_cli, keys, monkeypatch):
    import shutil

    monkeypatch.delenv("GUARDIANS_ALLOWED_SIGNERS", raising=False)
    monkeypatch.setenv("GUARDIANS_SIGNING_KEY", str(keys.guardians))
    root = example("clean")
    keys.sign_health(root)
    _anchored_repo(root, keys, None)
    twin = root.parent / "unkeyed"
    shutil.copytree(root, twin)
    for where in (root, twin):
        (where / "guardians.toml").write_text('[probe]\nthresholds = "loose"\n')
    monkeypatch.delenv("GUARDIANS_SIGNING_KEY")
    unkeyed = run_cli("run", "--root", str(twin))
    assert unkeyed.exit_code == 0, unkeyed.output
    process = [e for e in log_entries(twin, "epic_1") if e["agent"] == "process"][-1]
    assert process["decision"] == "veto" and "guardians.toml" in str(process["details"])
    monkeypatch.setenv("GUARDIANS_SIGNING_KEY", str(keys.guardians))
    keyed = run_cli("run", "--root", str(root), "--trust-ref", "main")
    assert keyed.exit_code == 0, keyed.output
    assert log_entries(root, "epic_1")[-1]["decision"] == "operational"


def test_watch_under_an_anchor_signs_every_entry_and_refuses_without_its_key(example, run_cli, keys, monkeypatch):
    import json
    import sys

    from tests.conftest import REPO
    from tests.test_watch_procs import start_watch, stop, wait_until

    keys.env(monkeypatch)
    root = example("clean")
    keys.sign_health(root)
    proc = start_watch(root, "keyed")
    err = root / "watch-keyed.log"
    try:
        wait_until(
            lambda: bool(log_entries(root, "epic_1")) and log_entries(root, "epic_1")[-1]["decision"] == "operational",
            "the keyed watcher to reach operational",
        )
    finally:
        code = stop(proc)
    assert code == 0, err.read_text()
    entries = log_entries(root, "epic_1")
    assert len(entries) == 5 and all(e["sig"].startswith("-----BEGIN SSH SIGNATURE-----") for e in entries)
    verify = run_cli("log", "verify", "--root", str(root))
    assert verify.exit_code == 0 and "5 entries, 5 signed" in verify.output
    events = [json.loads(line) for line in err.read_text().splitlines() if line.startswith("{")]
    assert [e["event"] for e in events if e["event"] == "stop_requested"] == ["stop_requested"]
    # Without the key the watcher refuses to start rather than write entries nobody can verify.
    monkeypatch.delenv("GUARDIANS_SIGNING_KEY")
    refused = subprocess.run(
        [sys.executable, "-m", "guardians", "watch", "--root", str(root), "--log-format", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert refused.returncode == 2 and "no signing key" in refused.stderr


def test_adopt_and_close_sign_their_entries_under_an_anchor(example, run_cli, keys, monkeypatch):
    from tests.commands.test_adopt import _legacy_epic

    keys.env(monkeypatch)
    root = example("three-strikes")
    folder, old = _legacy_epic(root)
    assert run_cli("run", "--root", str(root), "epic_8").exit_code == 2  # a log the guardians did not start
    monkeypatch.delenv("GUARDIANS_SIGNING_KEY")
    no_key = run_cli("adopt", "epic_8", "--root", str(root))
    assert no_key.exit_code == 2 and "no signing key" in no_key.output + no_key.stderr
    assert (folder / "decision_log.jsonl").read_bytes() == old  # refused before touching anything
    monkeypatch.setenv("GUARDIANS_SIGNING_KEY", str(keys.guardians))
    assert run_cli("adopt", "epic_8", "--root", str(root)).exit_code == 0
    adopted = log_entries(root, "epic_8")
    assert [e["decision"] for e in adopted] == ["adopted"] and adopted[0]["sig"].startswith("-----BEGIN SSH")

    ran = run_cli("run", "--root", str(root))
    assert ran.exit_code == 0, ran.output
    escalated = [e for e in log_entries(root, "epic_6") if e["decision"] == "escalate"]
    assert escalated, [(e["agent"], e["decision"]) for e in log_entries(root, "epic_6")]
    closed = run_cli("close", "epic_6", "--root", str(root), "--reason", "superseded by epic_7")
    assert closed.exit_code == 0, closed.output + closed.stderr
    last = log_entries(root, "epic_6")[-1]
    assert last["decision"] == "closed" and last["sig"].startswith("-----BEGIN SSH")
    verify = run_cli("log", "verify", "--root", str(root))
    assert verify.exit_code == 0, verify.output
