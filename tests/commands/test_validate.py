"""`guardians validate` (guardians/commands/validate.py), through the CLI on copies of the examples.

The checks themselves are tested in tests/test_validate.py; this file covers the command:
exit codes, what a problem line names, formats, single files and usage errors.
"""

from __future__ import annotations

import json

from tests.conftest import consensus, edit_log_entry


def _break_review(root):
    path = consensus(root, "epic_1") / "artifacts" / "review.json"
    data = json.loads(path.read_text())
    data["verdict"] = "looks good"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def test_clean_example_is_valid(run_cli, example):
    result = run_cli("validate", "--root", str(example("clean")))
    assert result.exit_code == 0
    assert result.output.startswith("OK checked 5 files in 1 epic")


def test_a_problem_names_file_line_column_code_and_json_path(run_cli, example):
    root = example("clean")
    _break_review(root)
    result = run_cli("validate", "--root", str(root))
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.endswith(
        "review.json:25:3: error VAL001 [enum] 'looks good' is not one of ['approve', 'veto'] at $.verdict"
    )
    assert "fix: use one of 'approve', 'veto' at $.verdict" in result.output
    assert result.output.splitlines()[-1].startswith("FAIL ")


def test_json_format_is_one_document(run_cli, example):
    root = example("clean")
    _break_review(root)
    result = run_cli("validate", "--root", str(root), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["valid"] is False and doc["summary"]["epics"] == 1
    assert {(p["code"], p["json_path"], p["line"]) for p in doc["problems"]} >= {("VAL001", "$.verdict", 25)}


def test_a_single_file(run_cli, example):
    root = example("clean")
    broken = _break_review(root)
    plan = consensus(root, "epic_1") / "artifacts" / "plan.json"
    assert run_cli("validate", str(plan)).exit_code == 0
    result = run_cli("validate", str(broken))
    assert result.exit_code == 1 and "VAL001" in result.output


def test_a_tampered_log_is_reported(run_cli, example):
    root = example("clean")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    edit_log_entry(root, "epic_1", 2, summary="edited after the fact")
    result = run_cli("validate", "--root", str(root))
    assert result.exit_code == 1
    assert "decision_log.jsonl:3" in result.output


def test_usage_errors(run_cli, example, tmp_path):
    missing = run_cli("validate", "--root", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "is not a directory" in missing.output
    root = example("clean")
    both = run_cli("validate", "--root", str(root), str(root))
    assert both.exit_code == 2 and "not both" in both.output
