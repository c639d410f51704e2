"""Journeys of the three users the README names (an agent, a CI maintainer, a tech lead),
run through the real CLI on real files, plus the hostile input each of them may type.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, consensus

HANDOFF = """\
from: quality
to: migration
timestamp: "2026_01_10_11_00_00"
epic_id: epic_1
iteration: {iteration}
type: handoff
subject: ready_for_guardians
content: {{}}
"""


def _scaffold(run_cli, root: Path) -> Path:
    assert run_cli("init", "epic_1", "--root", str(root)).exit_code == 0
    artifacts = consensus(root, "epic_1") / "artifacts"
    (artifacts / "migrations").mkdir()
    (artifacts / "migrations" / "001_add_email.sql").write_text("ALTER TABLE users ADD COLUMN email text;\n")
    (artifacts / "migrations" / "001_add_email.down.sql").write_text("ALTER TABLE users DROP COLUMN email;\n")
    return artifacts


def _send(run_cli, root: Path, iteration: int) -> None:
    message = root / f"handoff_{iteration}.yaml"
    message.write_text(HANDOFF.format(iteration=iteration))
    result = run_cli("send", "epic_1", "--to", "migration", str(message), "--root", str(root))
    assert result.exit_code == 0, result.output


# --- the agent: artifacts written from `guardians schema show` alone --------------------


def test_schema_says_what_the_guardians_require(run_cli, tmp_path):
    """An artifact the schema accepts must not be vetoed for a missing key: validate and the pipeline agree."""
    root = tmp_path / "repo"
    artifacts = _scaffold(run_cli, root)
    (artifacts / "plan.json").write_text('{"epic_id": "epic_1"}')
    (artifacts / "implementation.json").write_text('{"epic_id": "epic_1", "tasks": null, "migrations": []}')
    (artifacts / "review.json").write_text('{"epic_id": "epic_1"}')

    shown = json.loads(run_cli("schema", "show", "plan").output)
    assert {"required": ["stages"]}.items() <= shown["anyOf"][0].items()
    assert "stages" in shown["description"] and "work_streams" in shown["description"]

    result = run_cli("validate", "--root", str(root))
    assert result.exit_code == 1
    for file, keys in [
        ("plan.json", "'stages' or 'work_streams'"),
        ("implementation.json", "'tasks_completed' or 'tasks'"),
        ("review.json", "'review_status' or 'verdict'"),
    ]:
        line = next(ln for ln in result.output.splitlines() if f"docs/specs/epic_1/consensus/artifacts/{file}:" in ln)
        assert f"needs {keys} (not null) at $" in line
    assert "fix: add 'stages' or 'work_streams' at $; see `guardians schema show plan`" in result.output

    # send refuses what run would veto, with the same findings (one admission check) ...
    message = root / "handoff_1.yaml"
    message.write_text(HANDOFF.format(iteration=1))
    refused = run_cli("send", "epic_1", "--to", "migration", str(message), "--root", str(root))
    assert refused.exit_code == 1
    assert "GRD010 needs 'stages' or 'work_streams' (not null) (schema keyword 'anyOf')" in refused.output
    # ... and a message dropped straight into the inbox is vetoed for exactly that.
    inbox = consensus(root, "epic_1") / "messages" / "inbox" / "migration"
    (inbox / "001_handoff.yaml").write_text(HANDOFF.format(iteration=1))
    os.utime(inbox / "001_handoff.yaml", (1, 1))
    assert "VETO" in run_cli("run", "--root", str(root)).output
    veto = next((consensus(root, "epic_1") / "messages" / "inbox" / "quality").glob("veto_*.yaml"))
    messages = {(f["file"].rsplit("/", 1)[-1], f["message"]) for f in yaml.safe_load(veto.read_text())["findings"]}
    assert ("plan.json", "needs 'stages' or 'work_streams' (not null) (schema keyword 'anyOf')") in messages


def test_validate_points_inside_a_nullable_object(run_cli, example):
    root = example("clean")
    plan = consensus(root, "epic_1") / "artifacts" / "plan.json"
    data = json.loads(plan.read_text())
    data["operations"]["resources"]["replicas"] = "three"
    plan.write_text(json.dumps(data, indent=2))
    for fmt in ("text", "json", "github", "junit", "sarif"):
        result = run_cli("validate", "--root", str(root), "--format", fmt)
        assert result.exit_code == 1, fmt
        assert "$.operations.resources.replicas" in result.output, fmt
        assert "is not valid under any of the given schemas" not in result.output, fmt
    text = run_cli("validate", "--root", str(root)).output
    assert "make $.operations.resources.replicas an integer" in text


def test_agent_reaches_operational_after_fixing_each_veto(run_cli, tmp_path):
    root = tmp_path / "repo"
    artifacts = _scaffold(run_cli, root)
    clean = REPO / "examples" / "clean" / "docs" / "specs" / "epic_1" / "consensus" / "artifacts"
    plan = json.loads((clean / "plan.json").read_text())
    no_ops = {k: v for k, v in plan.items() if k not in ("operations", "rollback_plan")}
    (artifacts / "plan.json").write_text(json.dumps(no_ops))
    impl = {"epic_id": "epic_1", "tasks": [{"name": "email"}], "migrations": ["migrations/001_add_email.sql"]}
    (artifacts / "implementation.json").write_text(json.dumps(impl))
    (artifacts / "review.json").write_text('{"epic_id": "epic_1", "review_status": "approved"}')
    (artifacts / "health_report.json").write_text((clean / "health_report.json").read_text())

    _send(run_cli, root, 1)
    first = run_cli("run", "--root", str(root)).output
    assert "deploy    VETO" in first and "DEP101" in first
    (artifacts / "plan.json").write_text(json.dumps(plan))
    _send(run_cli, root, 2)
    second = run_cli("run", "--root", str(root)).output
    assert "process   APPROVE" in second
    status = json.loads(run_cli("status", "--root", str(root), "--format", "json").output)
    assert status[0]["operational"] is True
    assert run_cli("validate", "--root", str(root)).exit_code == 0


def test_escalation_past_the_cap_says_so(run_cli, example):
    root = example("three-strikes")
    run_cli("run", "--root", str(root))
    message = root / "again.yaml"
    message.write_text(HANDOFF.format(iteration=4).replace("epic_1", "epic_6"))
    assert run_cli("send", "epic_6", "--to", "migration", str(message), "--root", str(root)).exit_code == 0
    out = run_cli("run", "--root", str(root)).output
    assert "veto 4 past the cap of 3: escalated to tech-lead" in out
    assert "of 3 of" not in out and "veto 4 of 3" not in out


# --- the CI maintainer: hooks and action match the README -------------------------------


def test_readme_snippets_match_hooks_and_action():
    readme = (REPO / "README.md").read_text()
    validate_doc = (REPO / "docs" / "validate.md").read_text()
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    for hook_id in re.findall(r"- id: (\S+)", readme + validate_doc):
        assert hook_id in hooks, hook_id
    from guardians.cli import cli

    for hook in hooks.values():
        program, command = hook["entry"].split()[:2]
        assert program == "guardians" and command in cli.commands  # type: ignore[attr-defined]
    inputs = yaml.safe_load((REPO / "action.yml").read_text())["inputs"]
    for block in re.findall(r"with:\n((?:\s+[a-z-]+:.*\n)+)", readme + validate_doc):
        for key in re.findall(r"^\s+#?\s*([a-z-]+):", block, re.M):
            assert key in inputs or key == "sarif_file", key
    for key in inputs:
        assert f"`{key}`" in validate_doc, f"action input {key} is not documented"


@pytest.mark.parametrize(
    ("path", "linted"),
    [
        ("db/001.sql", True),
        ("db/001.up.sql", True),
        ("migrations/0001_initial.py", True),
        ("shop/migrations/0002_order.py", True),
        ("alembic/versions/ab12_add.py", True),
        ("db/001.down.sql", False),
        ("db/001_down.sql", False),
        ("db/001.rollback.sql", False),
        ("db/down/001.sql", False),
        ("shop/migrations/__init__.py", False),
        ("src/app.py", False),
    ],
)
def test_lint_hook_skips_what_a_directory_lint_skips(path, linted):
    from pathlib import PurePosixPath

    from guardians.migrations.analyze import is_rollback_file

    hook = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}[
        "guardians-lint-migrations"
    ]
    selected = bool(re.search(hook["files"], path)) and not re.search(hook["exclude"], path)
    assert selected is linted
    if is_rollback_file(PurePosixPath(path)):
        assert not selected


def test_lint_hook_passes_on_the_clean_example_with_its_rollback(run_cli, example):
    root = example("clean")
    files = sorted((consensus(root, "epic_1") / "artifacts" / "migrations").iterdir())
    hook = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}[
        "guardians-lint-migrations"
    ]
    passed = [str(f) for f in files if re.search(hook["files"], str(f)) and not re.search(hook["exclude"], str(f))]
    assert passed and not any(".down." in p for p in passed)
    assert run_cli("lint-migrations", *passed).exit_code == 0


# --- the tech lead: log, status, report on damaged logs -------------------------------------


def test_log_lists_a_repeated_epic_once(run_cli, example):
    root = example("clean")
    run_cli("run", "--root", str(root))
    once = run_cli("log", "epic_1", "--root", str(root), "--format", "json").output.splitlines()
    twice = run_cli("log", "epic_1", "epic_1", "--root", str(root), "--format", "json").output.splitlines()
    assert once and twice == once
    verify = run_cli("log", "verify", "epic_1", "epic_1", "--root", str(root)).output
    assert verify.count("ok,") == 1


def test_damaged_log_line_names_file_line_and_fix(run_cli, example):
    root = example("clean")
    run_cli("run", "--root", str(root))
    log = consensus(root, "epic_1") / "decision_log.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(lines[0] + b"garbage\n" + b"".join(lines[1:]))
    result = run_cli("log", "--root", str(root), "--format", "table")
    assert result.exit_code == 0  # the timeline shows what it can, with a banner
    assert "decision_log.jsonl is damaged" in result.output and "line 2 is not valid JSON" in result.output
    assert "decision_log.jsonl:2: the hash chain is broken" in result.output
    assert "guardians log verify" in result.output and "guardians adopt epic_1" in result.output
    verify = run_cli("log", "verify", "--root", str(root))
    assert verify.exit_code == 1 and "decision_log.jsonl:2: BROKEN" in verify.output


@pytest.mark.parametrize(
    "args",
    [
        ["log", "--format", "table"],
        ["log", "--format", "json"],
        ["run"],
        ["report", "epic_1", "--html", "{tmp}/r.html"],
    ],
)
def test_log_that_is_a_directory_is_a_clear_error(run_cli, example, tmp_path, args):
    root = example("clean")
    (consensus(root, "epic_1") / "decision_log.jsonl").mkdir()
    result = run_cli(*[a.replace("{tmp}", str(tmp_path)) for a in args], "--root", str(root))
    # run refuses to decide; the views show what they can, with the reason in a banner
    assert result.exit_code == (2 if args[0] == "run" else 0)
    text = result.output + (Path(tmp_path / "r.html").read_text() if args[0] == "report" else "")
    assert "decision_log.jsonl is not a regular file" in text
    assert "internal error" not in result.output


def test_log_verify_and_status_on_a_log_directory(run_cli, example):
    root = example("clean")
    (consensus(root, "epic_1") / "decision_log.jsonl").mkdir()
    verify = run_cli("log", "verify", "--root", str(root))
    assert verify.exit_code == 1
    assert "decision_log.jsonl: BROKEN:" in verify.output and "not a regular file" in verify.output
    status = run_cli("status", "--root", str(root))
    assert status.exit_code == 0 and "(PARTIAL)" in status.output and "not a regular file" in status.output


def test_report_to_stdout_and_to_an_unwritable_place(run_cli, example, tmp_path):
    root = example("clean")
    run_cli("run", "--root", str(root))
    result = run_cli("report", "epic_1", "--root", str(root), "--html", "-")
    assert result.exit_code == 0 and result.output.lstrip().lower().startswith("<!doctype html")
    assert not Path("-").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    bad = run_cli("report", "epic_1", "--root", str(root), "--html", str(blocker / "r.html"))
    assert bad.exit_code == 2
    assert "cannot write" in bad.output and "internal error" not in bad.output


def test_schema_export_to_an_unwritable_place(run_cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("schema", "export", str(blocker / "schemas"))
    assert result.exit_code == 2
    assert "cannot write schemas to" in result.output and "internal error" not in result.output


# --- hostile input, every command ------------------------------------------------------------


def test_run_errors_go_to_stderr_with_a_fix(tmp_path):
    (tmp_path / "docs" / "specs").mkdir(parents=True)
    proc = subprocess.run(
        [sys.executable, "-m", "guardians", "run", "epic_99", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "no consensus folder" in proc.stderr and "guardians init epic_99" in proc.stderr


def test_run_on_a_root_without_epics_says_so(run_cli, tmp_path):
    result = run_cli("run", "--root", str(tmp_path))
    assert result.exit_code == 0 and "no epics under" in result.output


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["run", "EPIC_1"], 2, "invalid epic id"),
        (["run", "epic_../../x"], 2, "invalid epic id"),
        (["log", "epic_99"], 2, "guardians init epic_99"),
        (["log", "verify", "epic_1", "nope"], 2, "invalid epic id"),
        (["log", "--since", "yesterday"], 2, "invalid --since"),
        (["log", "--decision", "maybe"], 2, "invalid --decision"),
        (["status", "--format", "xml"], 2, "'xml' is not one of"),
        (["report", "epic_99", "--html", "{tmp}/r.html"], 2, "no consensus folder"),
        (["report", "epic_1", "--html", "{tmp}"], 2, "is a directory"),
        (["send", "epic_1", "--to", "migration", "{tmp}/missing.yaml"], 1, "file not found"),
        (["send", "epic_1", "--to", "migration", "{tmp}"], 2, "is a directory"),
        (["send", "epic_1", "--to", "migration", "{tmp}/empty.yaml"], 1, "found 0"),
        (["send", "epic_1", "--to", "migration", "{tmp}/binary.yaml"], 1, "not valid UTF-8"),
        (["send", "epic_1", "--to", "migration", "{tmp}/huge.yaml"], 1, "the limit is"),
        (["send", "epic_1", "--to", "Migration", "{tmp}/empty.yaml"], 2, "invalid agent name"),
        (["send", "epic_1", "--bogus"], 2, "No such option"),
        (["validate", "{tmp}/missing"], 2, "does not exist"),
        (["validate", "--format", "xml"], 2, "'xml' is not one of"),
        (["lint-migrations", "{tmp}/missing.sql"], 2, "no such file"),
        (["explain", "NOPE1"], 2, "unknown rule code"),
        (["schema", "show", "nope"], 2, "unknown schema"),
        (["init", "../x"], 2, "invalid epic id"),
    ],
)
def test_hostile_input_is_a_clear_error(run_cli, example, tmp_path, args, code, says):
    root = example("clean")
    (tmp_path / "empty.yaml").write_bytes(b"")
    (tmp_path / "binary.yaml").write_bytes(bytes(range(128, 256)))
    (tmp_path / "huge.yaml").write_bytes(b"a: " + b"x" * 1_100_000 + b"\n")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if argv[0] in ("run", "log", "status", "report", "send", "init"):
        argv += ["--root", str(root)]
    result = run_cli(*argv)
    assert result.exit_code == code, result.output
    assert says in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_send_from_stdin(run_cli, example):
    root = example("clean")
    message = HANDOFF.format(iteration=2)
    result = run_cli("send", "epic_1", "--to", "migration", "-", "--root", str(root), input=message)
    assert result.exit_code == 0 and "delivered" in result.output
    empty = run_cli("send", "epic_1", "--to", "migration", "-", "--root", str(root), input="")
    assert empty.exit_code == 1 and "found 0" in empty.output
