"""The machine contract (docs/machine-contract.md): --format json shapes and fatal errors as JSON lines."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

from tests.conftest import consensus

HANDOFF = """from: quality
to: migration
timestamp: "2026_11_22_10_05_00"
epic_id: epic_1
iteration: 1
type: handoff
subject: ready_for_guardians
content: {summary: approved}
"""


def guardians(*args: str, stdin: str | None = None, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guardians", *args], input=stdin, capture_output=True, text=True, cwd=cwd
    )


def test_send_and_run_in_json(example):
    root = example("clean")
    refused = guardians(
        "send",
        "--root",
        str(root),
        "epic_1",
        "--to",
        "migration",
        "-",
        "--format",
        "json",
        stdin=HANDOFF.replace("from: quality", "from: migration"),
    )
    assert refused.returncode == 1
    body = json.loads(refused.stdout)
    assert body["ok"] is False and body["findings"][0]["code"] == "GRD006"
    sent = guardians("send", "--root", str(root), "epic_1", "--to", "migration", "-", "--format", "json", stdin=HANDOFF)
    assert sent.returncode == 0
    delivered = json.loads(sent.stdout)["delivered"]
    assert (root / delivered).is_file()
    missing = guardians(
        "send", "--root", str(root), "epic_9", "--to", "migration", "-", "--format", "json", stdin=HANDOFF
    )
    assert missing.returncode == 2 and json.loads(missing.stdout)["ok"] is False
    ran = guardians("run", "--root", str(root), "--format", "json")
    assert ran.returncode == 0
    decisions = [json.loads(line) for line in ran.stdout.splitlines()]
    assert (decisions[0]["agent"], decisions[0]["decision"]) == ("migration", "approve")
    assert decisions[-1]["agent"] == "process"
    assert {"epic_id", "iteration", "agent", "decision", "subject", "summary", "findings", "outputs"} <= set(
        decisions[0]
    )
    assert guardians("run", "--root", str(root), "--format", "json").stdout == ""


def test_init_in_json(run_cli, tmp_path):
    first = json.loads(run_cli("init", "--root", str(tmp_path), "epic_3", "--format", "json").output)
    assert first["ok"] is True and "docs/specs/epic_3/consensus/messages/inbox/migration" in first["created"]
    again = json.loads(run_cli("init", "--root", str(tmp_path), "epic_3", "--format", "json").output)
    assert again == {"ok": True, "epic_id": "epic_3", "created": []}
    bad = run_cli("init", "--root", str(tmp_path), "epic_x", "--format", "json")
    assert bad.exit_code == 2 and json.loads(bad.output)["ok"] is False


def test_explain_and_schema_list_in_json(run_cli):
    rule = json.loads(run_cli("explain", "GRD030", "--format", "json").output)
    assert rule["code"] == "GRD030" and rule["doc"].startswith("What:")
    every = [json.loads(line) for line in run_cli("explain", "--all", "--format", "json").output.splitlines()]
    assert "MIG101" in {r["code"] for r in every}
    names = json.loads(run_cli("schema", "list", "--format", "json").output)
    assert {"name": "plan", "id": "https://guardians.dev/schemas/plan.schema.json"}.items() <= names[0].items()


def test_watch_reports_an_address_in_use_as_a_json_line(tmp_path):
    (tmp_path / "docs" / "specs").mkdir(parents=True)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = guardians("watch", "--root", str(tmp_path), "--log-format", "json", "--http", f"127.0.0.1:{port}")
    assert result.returncode == 2
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines[-1]["event"] == "http_listen_failed"
    assert "Address already in use" in lines[-1]["error"]
    assert lines[-1]["level"] == "error"


def test_owned_files_are_refused_in_json(example):
    root = example("clean")
    log = consensus(root, "epic_1") / "decision_log.jsonl"
    result = guardians("check-write", "--format", "json", str(log), "-", stdin="{}\n")
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["results"][0]["findings"][0] == {
        "code": "GRD030",
        "message": "decision_log.jsonl is written by the guardians only",
        "severity": "error",
        "file": str(log),
        "json_path": "$",
        "line": None,
        "column": None,
        "fix": "leave guardian files alone; change your own artifacts and send a new handoff",
    }
