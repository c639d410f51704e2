"""`guardians check-write` (guardians/commands/check_write.py): may an agent write PATH?

Every test runs the CLI as a separate process, on a copy of examples/clean.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import consensus

GUARDIANS = [sys.executable, "-m", "guardians"]


def check_write(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GUARDIANS, "check-write", *args], input=stdin, capture_output=True, text=True, cwd=root)


@pytest.fixture
def root(example) -> Path:
    return example("clean")


def test_check_write_on_disk_and_from_stdin(root):
    base = "docs/specs/epic_1/consensus"
    result = check_write(root, f"{base}/artifacts/plan.json", f"{base}/artifacts/review.json")
    assert result.returncode == 0, result.stdout
    assert f"ok {base}/artifacts/plan.json (artifact)" in result.stdout
    result = check_write(
        root, f"{base}/artifacts/review.json", "-", stdin='{"epic_id": "epic_2", "verdict": "approve"}'
    )
    assert result.returncode == 1
    assert "VAL135 epic_id is 'epic_2' but the file is in epic_1" in result.stdout
    result = check_write(root, "--format", "json", f"{base}/artifacts/cicd.yaml")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["results"][0]["findings"][0]["code"] == "GRD030"


def test_check_write_usage_errors(root):
    assert check_write(root).returncode == 2
    assert check_write(root, "a.json", "b.json", "-").returncode == 2


def test_check_write_reports_a_file_it_cannot_read(root):
    target = consensus(root, "epic_1") / "artifacts" / "plan.json"
    target.unlink()
    os.mkfifo(target)
    result = check_write(root, "docs/specs/epic_1/consensus/artifacts/plan.json")
    assert result.returncode == 1
    assert "VAL002" in result.stdout


def test_every_missing_property_is_named_once(root):
    result = check_write(
        root,
        "--format",
        "json",
        "docs/specs/epic_1/consensus/messages/inbox/migration/x.json",
        "-",
        stdin='{"epic_id": "epic_1", "type": "handoff"}',
    )
    paths = [f["json_path"] for f in json.loads(result.stdout)["results"][0]["findings"]]
    assert paths == ["$.content", "$.from", "$.iteration", "$.subject", "$.timestamp", "$.to"]


def test_a_plan_with_dollar_schema_passes_check_write(example, tmp_path):
    root = example("clean")
    plan = consensus(root, "epic_1") / "artifacts" / "plan.json"
    value = json.loads(plan.read_text())
    value["$schema"] = "https://guardians.dev/schemas/plan.schema.json"
    result = subprocess.run(
        [sys.executable, "-m", "guardians", "check-write", str(plan), "-"],
        input=json.dumps(value),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
