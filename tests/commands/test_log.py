"""`guardians log` and `guardians log verify` (guardians/commands/log.py), through the CLI."""

from __future__ import annotations

import json

from tests.conftest import consensus


def _decided(run_cli, example):
    root = example("clean")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    return root


def test_log_json_lines_one_per_decision(run_cli, example):
    root = _decided(run_cli, example)
    result = run_cli("log", "--root", str(root), "--format", "json")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["agent"] for r in rows] == ["migration", "deploy", "backup", "process", "process"]
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]


def test_log_defaults_to_json_when_not_a_terminal(run_cli, example):
    root = _decided(run_cli, example)
    default = run_cli("log", "--root", str(root))
    assert default.output == run_cli("log", "--root", str(root), "--format", "json").output


def test_log_filters_and_formats(run_cli, example):
    root = _decided(run_cli, example)
    only = run_cli("log", "--root", str(root), "epic_1", "--agent", "deploy", "--format", "json")
    assert [json.loads(line)["agent"] for line in only.output.splitlines()] == ["deploy"]
    table = run_cli("log", "--root", str(root), "--format", "table")
    assert table.exit_code == 0 and "APPROVE" in table.output.upper()
    mermaid = run_cli("log", "--root", str(root), "--format", "mermaid")
    assert mermaid.exit_code == 0 and mermaid.output.startswith("sequenceDiagram")


def test_log_bad_filter_is_a_usage_error(run_cli, example):
    root = _decided(run_cli, example)
    result = run_cli("log", "--root", str(root), "--since", "yesterday")
    assert result.exit_code == 2 and "error:" in result.output


def test_log_verify_ok_then_broken(run_cli, example):
    root = _decided(run_cli, example)
    ok = run_cli("log", "verify", "--root", str(root))
    assert ok.exit_code == 0
    assert ok.output.startswith("docs/specs/epic_1/consensus/decision_log.jsonl: ok, 5 entries, head ")
    path = consensus(root, "epic_1") / "decision_log.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    entry = json.loads(lines[1])
    entry["summary"] = "rewritten by someone"
    lines[1] = (json.dumps(entry) + "\n").encode()
    path.write_bytes(b"".join(lines))
    broken = run_cli("log", "verify", "--root", str(root), "epic_1")
    assert broken.exit_code == 1
    assert "decision_log.jsonl:2: BROKEN:" in broken.output
    warned = run_cli("log", "--root", str(root), "--format", "json")
    assert warned.exit_code == 0 and "the hash chain is broken" in warned.output


def test_log_verify_without_epics(run_cli, tmp_path):
    result = run_cli("log", "verify", "--root", str(tmp_path))
    assert result.exit_code == 0 and "no epics under" in result.output


def test_timeline_filters_with_verify_or_anchor_are_a_usage_error(run_cli, example):
    root = example("clean")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    for sub in ("verify", "anchor"):
        result = run_cli("log", sub, "--root", str(root), "--agent", "deploy")
        assert result.exit_code == 2 and "--agent filter the timeline" in result.output + result.stderr
    assert run_cli("log", "verify", "--root", str(root)).exit_code == 0
