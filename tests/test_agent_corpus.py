"""The agent corpus (tests/data/agent_corpus) through validate, adopt and run, as a team that already runs agents."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, consensus, log_entries

CORPUS = Path(__file__).parent / "data" / "agent_corpus"


def _epic_from_clean(root: Path, epic: str) -> Path:
    """examples/clean's epic_1 renamed to EPIC (artifacts, migration files, handoff)."""
    src = EXAMPLES / "clean" / "docs" / "specs" / "epic_1"
    dst = root / "docs" / "specs" / epic
    shutil.copytree(src, dst)
    (dst / "epic_1.md").rename(dst / f"{epic}.md")
    for path in dst.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".yaml"):
            path.write_text(path.read_text().replace("epic_1", epic))
    return dst / "consensus"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for epic in ("epic_21", "epic_22"):
        folder = _epic_from_clean(root, epic)
        shutil.copytree(CORPUS / epic, folder, dirs_exist_ok=True)
    plan_path = consensus(root, "epic_22") / "artifacts" / "plan.json"
    plan = json.loads(plan_path.read_text())
    plan["rollback_strategy"] = plan.pop("rollback_plan")
    plan_path.write_text(json.dumps(plan, indent=2))
    handoff = consensus(root, "epic_22") / "messages" / "inbox" / "migration"
    (handoff / "001_handoff.yaml").write_text(
        (CORPUS / "epic_22/messages/inbox/migration/001_handoff.yaml").read_text()
    )
    return root


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def _problems(run_cli, root: Path) -> list[dict]:
    result = run_cli("validate", "--root", str(root), "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["problems"]


def test_validate_triages_the_corpus(run_cli, repo: Path) -> None:
    problems = _problems(run_cli, repo)
    keys = [(p["file"], p["code"], p["json_path"], p["message"], p["line"]) for p in problems]
    assert len(keys) == len(set(keys))  # no exact duplicates
    log = [p for p in problems if p["file"].endswith("epic_21/consensus/decision_log.jsonl") and p["code"] == "VAL002"]
    assert {p["line"] for p in log} == {3, 4, 12}
    assert any("pretty-printed" in p["message"] for p in log) and any("blank" in p["message"] for p in log)
    handoff = [p for p in problems if p["file"].endswith("epic_22/consensus/messages/inbox/migration/001_handoff.yaml")]
    assert {p["json_path"] for p in handoff if "nested under 'header'" in p["message"]} >= {"$.from", "$.to", "$.type"}
    drift = [p for p in problems if p["code"] == "VAL004"]
    assert any("rollback_plan" in p["message"] for p in drift)
    # messages between other agents: envelope only; the one with a header-nested envelope is named
    others = [p for p in problems if "/inbox/devops/" in p["file"] or "/inbox/analyst/" in p["file"]]
    assert others == []
    lead = [p for p in problems if "/inbox/tech_lead/" in p["file"]]
    assert {p["json_path"] for p in lead} == {"$.from", "$.to"}
    stats = run_cli("validate", "--root", str(repo), "--statistics")
    assert sum(int(line.split()[0]) for line in stats.stdout.splitlines() if " VAL" in line) == len(problems)


def test_adopt_then_run_twice(run_cli, repo: Path) -> None:
    hand_written = {
        name: (CORPUS / "epic_21" / "artifacts" / name).read_bytes()
        for name in ("deployment.json", "cicd.yaml", "runbook.md")
    }
    old_log = (CORPUS / "epic_21" / "decision_log.jsonl").read_bytes()
    # before adoption: run refuses epic_21 and names the command that takes it over
    before = run_cli("run", "--root", str(repo), "epic_21")
    assert before.exit_code == 2 and "guardians adopt epic_21" in before.output
    assert (consensus(repo, "epic_21") / "decision_log.jsonl").read_bytes() == old_log  # nothing appended
    adopted = run_cli("adopt", "--root", str(repo))
    assert adopted.exit_code == 0, adopted.output
    legacy = consensus(repo, "epic_21") / "legacy"
    kept = {p.read_bytes() for p in legacy.iterdir()}
    assert kept == {old_log, *hand_written.values()}
    first = log_entries(repo, "epic_21")[0]
    assert first["decision"] == "adopted" and first["seq"] == 1
    assert {m["sha256"] for m in first["details"]["legacy"]} == {
        hashlib.sha256(b).hexdigest() for b in (old_log, *hand_written.values())
    }
    assert "epic_22: nothing to adopt" in adopted.output
    assert run_cli("adopt", "--root", str(repo)).output.count("nothing to adopt") == 2
    # run: epic_21 goes through; epic_22's header-nested handoff names no sender, so it is rejected with the hint
    result = run_cli("run", "--root", str(repo))
    assert result.exit_code == 0, result.output
    decisions = [(e["agent"], e["decision"]) for e in log_entries(repo, "epic_21")]
    assert decisions[-1] == ("process", "operational")
    assert not [d for d in decisions if d[1] in ("complete", "fix", "epic_complete")]  # agents' lines are legacy
    rejected = [e for e in log_entries(repo, "epic_22") if e["decision"] == "reject"]
    assert len(rejected) == 1 and rejected[0]["details"]["subject"] == "invalid_message"
    reason = consensus(repo, "epic_22") / "messages/inbox/migration/rejected/001_handoff.yaml.reason"
    assert "nested under 'header'" in reason.read_text()
    assert run_cli("log", "verify", "--root", str(repo)).exit_code == 0
    # the guardians' own deploy files replace the hand-written ones, which are kept
    art = consensus(repo, "epic_21") / "artifacts"
    assert json.loads((art / "deployment.json").read_text())["epic_id"] == "epic_21"
    # a second run changes nothing
    snapshot = _tree(repo)
    again = run_cli("run", "--root", str(repo))
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert _tree(repo) == snapshot
    # validate: legacy/ is summarised, not checked
    note = run_cli("validate", "--root", str(repo)).stdout
    assert "kept under" in note and "legacy" in note
    assert not [p for p in _problems(run_cli, repo) if "/legacy/" in p["file"]]
