"""Poison input and faults: one bad file never stops, loops, wedges or escapes the guardians.

Each test drives the real CLI on real files; the cases that crashed the
process on the old code run it in a child process, so a crash fails the test
instead of killing the test run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, consensus
from tests.hostile_support import age, decided, inbox, make_repo, snapshot

EXAMPLE_INBOX = EXAMPLES / "clean" / "docs" / "specs" / "epic_1" / "consensus" / "messages" / "inbox"
EXAMPLE_HANDOFF = (EXAMPLE_INBOX / "migration" / "001_handoff.yaml").read_text()


def guardians(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guardians", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _point_migration_at(root: Path, epic: str, name: str, text: str) -> Path:
    """Make the epic's implementation.json list one migration file with ``text``."""
    folder = consensus(root, epic) / "artifacts" / "migrations"
    path = folder / name
    path.write_text(text)
    impl_path = consensus(root, epic) / "artifacts" / "implementation.json"
    impl = json.loads(impl_path.read_text())
    impl["migrations"] = [f"docs/specs/{epic}/consensus/artifacts/migrations/{name}"]
    impl_path.write_text(json.dumps(impl))
    return path


# --- parsers cannot take the process down ---------------------------------------------

SEGFAULT_SQL = "SELECT " + "+".join(["1"] * 100_000) + ";\n"
DEEP_ALEMBIC = (
    'revision = "a1"\ndown_revision = None\nfrom alembic import op\n\n\ndef upgrade():\n'
    "    op.execute(" + "+".join(['"x"'] * 1000) + ")\n\n\ndef downgrade():\n    pass\n"
)


def test_sql_that_crashes_libpg_query_is_a_mig900_finding_with_line(tmp_path):
    path = tmp_path / "001_boom.sql"
    path.write_text("SET lock_timeout = '5s';\n" + SEGFAULT_SQL + "DROP TABLE legacy;\n")
    result = guardians("lint-migrations", "--format", "json", str(path))
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    mig900 = [f for f in findings if f["code"] == "MIG900"]
    assert mig900 and mig900[0]["line"] == 2
    assert "crashed" in mig900[0]["message"] or "too deeply" in mig900[0]["message"]
    assert any(f["code"] == "MIG102" and f["line"] == 3 for f in findings)  # the rest is still analysed


def test_alembic_with_deep_expression_is_a_mig900_finding(tmp_path):
    path = tmp_path / "a1_deep.py"
    path.write_text(DEEP_ALEMBIC)
    result = guardians("lint-migrations", "--format", "json", str(path))
    assert "internal error" not in result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [(f["code"], f["line"]) for f in findings if f["code"] == "MIG900"] == [("MIG900", 7)]


def test_run_vetoes_a_parser_crashing_migration_and_decides_the_next_epic(tmp_path):
    root = make_repo(tmp_path / "repo", epics=2)
    _point_migration_at(root, "epic_1", "001_boom.sql", SEGFAULT_SQL)
    result = guardians("run", "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert decided(root, "epic_1") == ["veto"]
    entry = json.loads((consensus(root, "epic_1") / "decision_log.jsonl").read_text())
    assert any(f["code"] == "MIG900" and f["line"] == 1 for f in entry["details"]["findings"])
    assert decided(root, "epic_2")[-1] == "operational"


# --- run decides every epic it can --------------------------------------------------


def _damage(root: Path, kind: str) -> None:
    c = consensus(root, "epic_1")
    if kind == "damaged-log-line":
        from guardians.store.decision_log import DecisionLog

        log = DecisionLog(c / "decision_log.jsonl", "epic_1")
        for n in range(3):
            log.append({"agent": "migration", "decision": "reject", "n": n})
        lines = (c / "decision_log.jsonl").read_bytes().splitlines(keepends=True)
        lines[1] = b"garbage\n"
        (c / "decision_log.jsonl").write_bytes(b"".join(lines))
    elif kind == "log-is-a-directory":
        (c / "decision_log.jsonl").mkdir()
    elif kind == "symlinked-inbox":
        elsewhere = root / "elsewhere"
        elsewhere.mkdir()
        inbox(root, "deploy").rename(root / "old-deploy-inbox")
        inbox(root, "deploy").symlink_to(elsewhere)
    elif kind == "lock-is-a-directory":
        (c / ".guardians.lock").mkdir()
    elif kind == "journal-is-a-fifo":
        os.mkfifo(c / ".guardians.journal.json")
    else:  # pragma: no cover
        raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["damaged-log-line", "log-is-a-directory", "symlinked-inbox", "lock-is-a-directory", "journal-is-a-fifo"]
)
def test_run_decides_the_other_epics_and_exits_2(tmp_path, kind):
    root = make_repo(tmp_path / "repo", epics=3)
    _damage(root, kind)
    result = guardians("run", "--root", str(root), timeout=120)
    assert result.returncode == 2
    assert "epic_1" in result.stderr and "internal error" not in result.stderr
    assert "1 of 3 epic(s) could not be decided: epic_1" in result.stderr
    assert decided(root, "epic_2")[-1] == "operational"
    assert decided(root, "epic_3")[-1] == "operational"
    assert (inbox(root, "migration") / "001_handoff.yaml").exists()  # epic_1's message is still pending


# --- escapes ----------------------------------------------------------------------------


def test_symlinked_log_is_never_followed_or_repaired(tmp_path):
    root = make_repo(tmp_path / "repo", epics=2)
    head = root / "HEAD"
    head.write_text("ref: refs/heads/main")  # a one-line file without a newline: looks like a torn tail
    (consensus(root, "epic_1") / "decision_log.jsonl").symlink_to(head)
    result = guardians("run", "--root", str(root))
    assert result.returncode == 2
    assert "decision_log.jsonl is not a regular file (a symbolic link)" in result.stderr
    assert head.read_text() == "ref: refs/heads/main"
    assert decided(root, "epic_2")[-1] == "operational"


def test_symlinked_quarantine_is_refused_and_nothing_is_written_through_it(tmp_path):
    root = make_repo(tmp_path / "repo", epics=1)
    target = tmp_path / "attacker-chosen"
    target.mkdir()
    c = consensus(root, "epic_1")
    (c / "quarantine").symlink_to(target)
    (c / "decision_log.jsonl").write_bytes(b'{"torn')
    result = guardians("run", "--root", str(root))
    assert result.returncode == 2
    assert "quarantine is not a directory (a symbolic link)" in result.stderr
    assert list(target.iterdir()) == []
    assert (c / "decision_log.jsonl").read_bytes() == b'{"torn'


@pytest.mark.parametrize("kind", ["fifo", "symlink", "device"])
def test_report_html_writes_only_regular_files(example, tmp_path, kind):
    root = example("clean")
    target = tmp_path / "out.html"
    victim = tmp_path / "victim"
    victim.write_text("keep")
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        target.symlink_to(victim)
    else:
        if os.geteuid() != 0:
            pytest.skip("creating a device node needs root")
        os.mknod(target, 0o644 | 0o020000, os.makedev(1, 3))
    before = os.lstat(target)
    result = guardians("report", "--root", str(root), "epic_1", "--html", str(target))
    assert result.returncode == 2
    assert "refusing to write over it" in result.stderr
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert victim.read_text() == "keep"


def test_schema_export_leaves_a_fifo_alone_and_writes_nothing(tmp_path):
    out = tmp_path / "schemas"
    out.mkdir()
    os.mkfifo(out / "message.schema.json")
    result = guardians("schema", "export", str(out))
    assert result.returncode == 2
    assert "message.schema.json is a FIFO" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["message.schema.json"]


# --- the log's last line ----------------------------------------------------------------


def test_parseable_non_entry_last_line_is_quarantined_not_chained_onto(tmp_path):
    root = make_repo(tmp_path / "repo", epics=1)
    log = consensus(root, "epic_1") / "decision_log.jsonl"
    log.write_text('{"decision": "approve", "agent": "process"}\n')
    result = guardians("run", "--root", str(root))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert lines[0]["seq"] == 1 and "agent" in lines[0] and lines[-1]["decision"] == "operational"
    [quarantined] = (log.parent / "quarantine").iterdir()
    assert quarantined.read_text() == '{"decision": "approve", "agent": "process"}\n'
    assert guardians("log", "verify", "--root", str(root)).returncode == 0


def test_edited_last_entry_is_refused_not_cut(tmp_path):
    root = make_repo(tmp_path / "repo", epics=1)
    assert guardians("run", "--root", str(root)).returncode == 0
    log = consensus(root, "epic_1") / "decision_log.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    last = json.loads(lines[-1])
    last["decision"] = "approve"
    lines[-1] = json.dumps(last) + "\n"
    log.write_text("".join(lines))
    before = log.read_bytes()
    (inbox(root, "migration") / "again.yaml").write_text("from: quality\n")
    age(inbox(root, "migration") / "again.yaml")
    result = guardians("run", "--root", str(root))
    assert result.returncode == 2
    assert "edited" in result.stderr
    assert log.read_bytes() == before
    assert snapshot(root)  # the tree is still readable


# --- size and sanity before anything is written --------------------------------------


def test_twenty_thousand_drops_give_a_veto_that_fits_and_later_runs_work(tmp_path):
    root = make_repo(tmp_path / "repo", epics=2)
    _point_migration_at(root, "epic_1", "001_drop.sql", "".join(f"DROP TABLE t{i};\n" for i in range(20_000)))
    result = guardians("run", "--root", str(root))
    assert result.returncode == 0, result.stderr
    c = consensus(root, "epic_1")
    assert not (c / ".guardians.journal.json").exists()
    log = c / "decision_log.jsonl"
    [line] = log.read_bytes().splitlines()
    assert len(line) < 1 << 20
    entry = json.loads(line)
    assert entry["decision"] == "veto"
    details = entry["details"]
    assert len(details["findings"]) == 50 and details["findings_total"] >= 20_000
    assert details["findings_by_code"]["MIG102"] == 20_000
    full = json.loads((root / details["findings_file"]).read_text())
    assert len(full["findings"]) == details["findings_total"]
    assert entry["outputs"][details["findings_file"]]
    import yaml

    [veto_path] = inbox(root, "quality").glob("veto_*.yaml")
    veto = yaml.safe_load(veto_path.read_text())
    assert len(veto["findings"]) == 50 and veto["findings_file"] == details["findings_file"]
    checked = guardians("validate", str(veto_path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert decided(root, "epic_2")[-1] == "operational"
    # The epic is not wedged: a corrected handoff is decided on the next run.
    _point_migration_at(root, "epic_1", "001_drop.sql", "SELECT 1;\n")
    (c / "artifacts" / "migrations" / "001_drop.down.sql").write_text("SELECT 1;\n")
    handoff = inbox(root, "migration") / "002_handoff.yaml"
    text = (EXAMPLE_HANDOFF).replace("iteration: 1", "iteration: 2")
    handoff.write_text(text)
    age(handoff)
    result = guardians("run", "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert decided(root, "epic_1")[0] == "veto" and decided(root, "epic_1")[-1] == "operational"


# --- a message is decided from the bytes that are moved -----------------------------


def test_file_renamed_over_the_message_while_deciding_is_decided_on_its_own(tmp_path, monkeypatch):
    """The replacement is a race an agent can win at any time; the hook makes it happen
    at the worst moment, between reading v1 and moving it."""
    from click.testing import CliRunner

    from guardians import gates
    from guardians.cli import cli

    root = make_repo(tmp_path / "repo", epics=1)
    msg = inbox(root, "migration") / "001_handoff.yaml"
    v1 = msg.read_bytes()
    v2 = v1.replace(b"please run the guardians.", b"corrected: please run the guardians.")
    original = gates.EVALUATORS["migration"]
    swapped: list[bool] = []

    def racing(ctx):  # type: ignore[no-untyped-def]
        decision = original(ctx)
        if not swapped:
            staged = tmp_path / "v2.yaml"
            staged.write_bytes(v2)
            os.replace(staged, msg)  # same file system: an atomic rename over the name
            age(msg)
            swapped.append(True)
        return decision

    monkeypatch.setitem(gates.EVALUATORS, "migration", racing)
    result = CliRunner().invoke(cli, ["run", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    import hashlib

    from guardians.engine.commit import message_key

    log = [json.loads(x) for x in (consensus(root, "epic_1") / "decision_log.jsonl").read_text().splitlines()]
    keys = [e["message_key"] for e in log if e["agent"] == "migration"]
    assert message_key("migration", msg.name, v1) in keys
    assert message_key("migration", msg.name, v2) in keys  # v2 was decided, not moved unseen
    moved = [p for p in inbox(root, "migration").glob("*/*.yaml")]  # processed/ or rejected/
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in moved}
    assert hashlib.sha256(v2).hexdigest() in digests
    assert not msg.exists()


def test_twenty_spellings_of_one_migration_are_analysed_once(tmp_path):
    root = make_repo(tmp_path / "repo", epics=1)
    _point_migration_at(root, "epic_1", "001_big.sql", "DROP TABLE legacy;\n" * 2)
    impl_path = consensus(root, "epic_1") / "artifacts" / "implementation.json"
    impl = json.loads(impl_path.read_text())
    base = "docs/specs/epic_1/consensus/artifacts/migrations/001_big.sql"
    spellings = [base, "migrations/001_big.sql", "./migrations/001_big.sql", "migrations//001_big.sql"]
    spellings += [f"migrations/{'../migrations/' * n}001_big.sql" for n in range(1, 17)]
    impl["migrations"] = spellings
    impl_path.write_text(json.dumps(impl))
    assert guardians("run", "--root", str(root)).returncode == 0
    review = json.loads((consensus(root, "epic_1") / "artifacts" / "migration_review.json").read_text())
    assert len(review["files"]) == 1
    assert sum(1 for f in review["findings"] if f["code"] == "MIG102") == 2


# --- control and bidi characters never reach markdown, YAML or HTML -----------------

CONTROLS = ["\x00", "\x1b", "\u202e", "\u2066", "\x85", "\x7f"]


def test_control_and_bidi_characters_from_plan_json_never_reach_outputs(tmp_path):
    root = make_repo(tmp_path / "repo", epics=1)
    plan_path = consensus(root, "epic_1") / "artifacts" / "plan.json"
    plan = json.loads(plan_path.read_text())
    evil = "step\u0000 \u001b[31mRED\u001b[0m \u202eevil\u2066 \u0085next\u007f"
    plan["rollback_plan"]["procedure"][0] = evil
    plan["rollback_plan"]["trigger_conditions"][0] = evil
    plan["risks"][0]["risk"] = evil
    plan_path.write_text(json.dumps(plan))
    assert guardians("run", "--root", str(root)).returncode == 0
    artifacts = consensus(root, "epic_1") / "artifacts"
    html = tmp_path / "report.html"
    assert guardians("report", "--root", str(root), "epic_1", "--html", str(html)).returncode == 0
    for path in (artifacts / "runbook.md", artifacts / "cicd.yaml", html):
        text = path.read_text(encoding="utf-8")
        assert "RED" in text or path.name == "cicd.yaml"
        assert [c for c in CONTROLS if c in text] == [], path.name


# --- one clear error for times, base-60 numbers and lone surrogates ------------------


def _bad_messages() -> dict[str, tuple[str, str]]:
    """name -> (file text, the words of the error every command must print)."""
    good = EXAMPLE_HANDOFF
    surrogate = json.dumps(
        {
            "from": "quality",
            "to": "migration",
            "timestamp": "2026_11_22_10_05_00",
            "epic_id": "epic_1",
            "iteration": 1,
            "type": "handoff",
            "subject": "ready",
            "content": {"summary": "x"},
        }
    ).replace('"ready"', '"ready\\ud800"')
    return {
        "base60.yaml": (good.replace("iteration: 1", "iteration: 1:0"), "'1:0' is a YAML 1.1 base-60 number"),
        "calendar.yaml": (
            good.replace("2026_11_22_10_05_00", "2026_02_30_10_05_00"),
            "'2026_02_30_10_05_00' is not a real time",
        ),
        "surrogate.json": (surrogate, "contains a lone UTF-16 surrogate"),
    }


@pytest.mark.parametrize("name", ["base60.yaml", "calendar.yaml", "surrogate.json"])
def test_same_clear_error_in_send_validate_and_run(tmp_path, name):
    text, words = _bad_messages()[name]
    root = make_repo(tmp_path / "repo", epics=1)
    (inbox(root, "migration") / "001_handoff.yaml").unlink()
    outside = tmp_path / name
    outside.write_text(text)
    sent = guardians("send", "--root", str(root), "epic_1", "--to", "migration", str(outside))
    assert sent.returncode == 1 and words in sent.stdout + sent.stderr, sent.stdout
    dropped = inbox(root, "migration") / name
    dropped.write_text(text)
    age(dropped)
    checked = guardians("validate", "--root", str(root))
    assert checked.returncode == 1 and words in checked.stdout, checked.stdout
    ran = guardians("run", "--root", str(root))
    assert ran.returncode == 0 and "internal error" not in ran.stderr
    [entry] = [json.loads(x) for x in (consensus(root, "epic_1") / "decision_log.jsonl").read_text().splitlines()]
    assert entry["decision"] in ("reject", "veto")
    assert words in entry["details"]["findings"][0]["message"]


def test_impossible_checkpoint_date_is_a_veto_naming_the_file(tmp_path):
    root = make_repo(tmp_path / "repo", epics=2)
    folder = consensus(root, "epic_1") / "checkpoints"
    folder.mkdir()
    checkpoint = {
        "name": "prod-deploy-20260230-0900",
        "epic_id": "epic_1",
        "created_at": "2026_02_30_09_00_00",
        "database": {"location": "s3://b/x.dump", "sha256": "0" * 64, "verified": True, "restore_tested": True},
    }
    (folder / "cp.json").write_text(json.dumps(checkpoint))
    result = guardians("run", "--root", str(root))
    assert result.returncode == 0, result.stderr
    log = [json.loads(x) for x in (consensus(root, "epic_1") / "decision_log.jsonl").read_text().splitlines()]
    backup = [e for e in log if e["agent"] == "backup"]
    assert backup and backup[0]["decision"] == "veto"
    finding = backup[0]["details"]["findings"][0]
    assert finding["file"].endswith("checkpoints/cp.json") and "not a real time" in finding["message"]
    assert decided(root, "epic_2")[-1] == "operational"


def test_watch_survives_parser_crashing_migrations(tmp_path):
    import time

    from tests.test_watch_procs import start_watch, stop

    root = make_repo(tmp_path / "repo", epics=3)
    _point_migration_at(root, "epic_1", "001_boom.sql", SEGFAULT_SQL)
    _point_migration_at(root, "epic_2", "a1_deep.py", DEEP_ALEMBIC)
    proc = start_watch(root, "poison")
    try:
        deadline = time.monotonic() + 120
        while not (
            decided(root, "epic_1") and decided(root, "epic_2") and decided(root, "epic_3")[-1:] == ["operational"]
        ):
            assert proc.poll() is None, "the watcher died"
            assert time.monotonic() < deadline, "epics not decided in time"
            time.sleep(0.1)
        assert decided(root, "epic_1") == ["veto"] and decided(root, "epic_2") == ["veto"]
        assert proc.poll() is None
    finally:
        code = stop(proc)
    assert code == 0
