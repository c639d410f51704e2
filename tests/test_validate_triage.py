"""validate at scale: every key named, hints for drift, no duplicates, JSON Lines wording, triage options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import consensus

HEADER_MESSAGE = """\
header:
  from: quality
  to: migration
  timestamp: "2026_11_24_09_30_00"
  epic_id: epic_1
  iteration: 1
  type: handoff
  subject: ready
content: {}
"""

LOG = (
    '{"timestamp": "2026-01-10T10:00:00Z", "agent": "architect", "decision": "complete", "epic_id": "epic_1"}\n'
    "\n"
    '{\n  "agent": "developer",\n  "decision": "epic_complete"\n}\n'
    "Developer finished stage 2\n"
    '{"agent": "quality", "decision": "fix", "epic_id": "epic_1"}\n'
)


def _problems(run_cli, root: Path, *args: str) -> list[dict]:
    result = run_cli("validate", "--root", str(root), "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["problems"]


@pytest.fixture
def epic(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (consensus(root, "epic_1") / "messages" / "inbox" / "migration").mkdir(parents=True)
    return root


def test_every_missing_key_is_named_with_the_header_drift(run_cli, epic: Path) -> None:
    (consensus(epic, "epic_1") / "messages/inbox/migration/001.yaml").write_text(HEADER_MESSAGE)
    problems = _problems(run_cli, epic)
    missing = [p for p in problems if "is missing" in p["message"]]
    keys = ("from", "to", "timestamp", "epic_id", "iteration", "type", "subject")
    assert {p["json_path"] for p in missing} == {f"$.{k}" for k in keys}
    assert all("nested under 'header' (header." in p["message"] for p in missing)
    assert len({p["message"] for p in missing}) == len(missing)  # eight different messages, not one eight times


def test_type_approve_and_rollback_strategy_get_did_you_mean(run_cli, example) -> None:
    root = example("clean")
    folder = consensus(root, "epic_1")
    plan = json.loads((folder / "artifacts/plan.json").read_text())
    plan["rollback_strategy"] = plan.pop("rollback_plan")
    (folder / "artifacts/plan.json").write_text(json.dumps(plan, indent=2))
    handoff = (folder / "messages/inbox/migration/001_handoff.yaml").read_text()
    (folder / "messages/inbox/migration/001_handoff.yaml").write_text(handoff.replace("type: handoff", "type: approve"))
    problems = _problems(run_cli, root)
    drift = next(p for p in problems if p["code"] == "VAL004")
    assert drift["json_path"] == "$.rollback_strategy" and "did you mean 'rollback_plan'" in drift["message"]
    assert drift["severity"] == "warning" and drift["line"] == plan_line(folder, "rollback_strategy")
    enum = next(p for p in problems if p["json_path"] == "$.type")
    assert "did you mean 'approval'" in enum["message"]


def plan_line(folder: Path, key: str) -> int:
    lines = (folder / "artifacts/plan.json").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if f'"{key}"' in line)


def test_unknown_keys_in_a_strict_file_are_each_named_with_near_misses(run_cli, example) -> None:
    root = example("clean")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    path = consensus(root, "epic_1") / "artifacts/backup_plan.json"
    data = json.loads(path.read_text())
    data.update({"retension": 1, "notes": "x", "owner": "ops"})
    path.write_text(json.dumps(data))
    unknown = [p for p in _problems(run_cli, root) if "unknown property" in p["message"]]
    assert sorted(p["json_path"] for p in unknown) == ["$.notes", "$.owner", "$.retension"]
    assert "did you mean 'retention'" in next(p for p in unknown if p["json_path"] == "$.retension")["message"]


def test_json_lines_log_is_described_as_json_lines_at_the_right_lines(run_cli, epic: Path) -> None:
    (consensus(epic, "epic_1") / "decision_log.jsonl").write_text(LOG)
    problems = [p for p in _problems(run_cli, epic) if p["code"] == "VAL002"]
    by_line = {p["line"]: p["message"] for p in problems}
    assert "line 2 is blank" in by_line[2]
    assert "lines 3-6 hold one pretty-printed JSON object" in by_line[3]
    assert "line is not JSON" in by_line[7] and "one JSON object per line" in by_line[7]
    assert set(by_line) == {2, 3, 7}
    assert all("one valid JSON/YAML document" not in p["fix"] for p in problems)
    lines = {p["line"] for p in _problems(run_cli, epic) if p["code"] == "VAL001"}
    assert lines == {1, 8}  # the agent lines' own schema problems, at their own lines


def test_messages_between_other_agents_get_envelope_checks_only(run_cli, epic: Path) -> None:
    inbox = consensus(epic, "epic_1") / "messages" / "inbox"
    (inbox / "devops").mkdir()
    (inbox / "analyst").mkdir()
    (inbox / "devops" / "note.yaml").write_text("from: analyst\nto: devops\ntype: question\nbody: can we ship?\n")
    (inbox / "analyst" / "bad.yaml").write_text("header:\n  from: devops\n  to: analyst\ntext: hi\n")
    problems = _problems(run_cli, epic)
    assert not [p for p in problems if p["file"].endswith("note.yaml")]
    bad = [p for p in problems if p["file"].endswith("bad.yaml")]
    assert {p["json_path"] for p in bad} == {"$.from", "$.to"}
    assert all("nested under 'header'" in p["message"] for p in bad)


def test_cross_file_checks_run_when_the_schema_also_fails(run_cli, example) -> None:
    root = example("clean")
    path = consensus(root, "epic_1") / "artifacts/plan.json"
    plan = json.loads(path.read_text())
    plan.update({"epic_id": "epic_2", "iteration": "one"})
    path.write_text(json.dumps(plan))
    codes = {p["code"] for p in _problems(run_cli, root) if p["file"].endswith("plan.json")}
    assert {"VAL001", "VAL135"} <= codes


def test_statistics_select_ignore_and_baseline(run_cli, epic: Path, tmp_path: Path) -> None:
    (consensus(epic, "epic_1") / "decision_log.jsonl").write_text(LOG)
    (consensus(epic, "epic_1") / "messages/inbox/migration/001.yaml").write_text(HEADER_MESSAGE)
    everything = _problems(run_cli, epic)
    stats = run_cli("validate", "--root", str(epic), "--statistics")
    assert stats.exit_code == 1
    table = {line.split()[1]: int(line.split()[0]) for line in stats.stdout.splitlines() if line.split()[1:2]
             and line.split()[1].startswith("VAL")}  # fmt: skip
    counts: dict[str, int] = {}
    for p in everything:
        counts[p["code"]] = counts.get(p["code"], 0) + 1
    assert table == counts
    assert stats.stdout.splitlines()[0].split()[1] == max(counts, key=lambda c: (counts[c], c))
    assert {p["code"] for p in _problems(run_cli, epic, "--select", "VAL002")} == {"VAL002"}
    left = {p["code"] for p in _problems(run_cli, epic, "--ignore", "VAL001", "--ignore", "VAL10")}
    assert left and "VAL001" not in left and not any(c.startswith("VAL10") for c in left)
    assert _problems(run_cli, epic, "--ignore", "VAL") == []
    baseline = tmp_path / "baseline.json"
    first = run_cli("validate", "--root", str(epic), "--baseline", str(baseline))
    assert first.exit_code == 0 and baseline.exists() and "known problem" in first.stderr
    again = run_cli("validate", "--root", str(epic), "--baseline", str(baseline))
    assert again.exit_code == 0 and "no problems" in again.stdout
    # a new problem is reported, the known ones are not
    (consensus(epic, "epic_1") / "messages/inbox/migration/002.yaml").write_text("from: quality\n")
    new = _problems(run_cli, epic, "--baseline", str(baseline))
    assert new and {p["file"].rsplit("/", 1)[-1] for p in new} == {"002.yaml"}


def test_bad_baseline_and_bad_codes_are_usage_errors(run_cli, epic: Path, tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_text("[]")
    assert run_cli("validate", "--root", str(epic), "--baseline", str(bad)).exit_code == 2
    assert run_cli("validate", "--root", str(epic), "--select", "VAL-1").exit_code == 2
    assert run_cli("validate", "--root", str(epic), "--statistics", "--format", "sarif").exit_code == 2


def test_epic_summary_line(run_cli, epic: Path) -> None:
    (consensus(epic, "epic_1") / "messages/inbox/migration/001.yaml").write_text(HEADER_MESSAGE)
    out = run_cli("validate", "--root", str(epic)).stdout
    assert "epic_1: 7 errors in 1 file (VAL001 x7)" in out


def test_a_number_where_a_time_stamp_belongs_is_a_type_problem_not_a_crash(run_cli, example) -> None:
    root = example("clean")
    path = consensus(root, "epic_1") / "artifacts/plan.json"
    plan = json.loads(path.read_text())
    plan["timestamp"] = 12
    path.write_text(json.dumps(plan))
    problems = _problems(run_cli, root)
    assert {p["json_path"] for p in problems if p["file"].endswith("plan.json")} == {"$.timestamp"}
