"""What the deploy and backup guardians write: only commands and numbers that exist somewhere a reader can check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import consensus, log_entries
from tests.realservers import real_checkpoint


def _run(example, run_cli, setup=None, plan_ops=None) -> Path:
    root = example("clean")
    art = consensus(root, "epic_1") / "artifacts"
    if plan_ops:
        plan = json.loads((art / "plan.json").read_text())
        plan["operations"].update(plan_ops)
        (art / "plan.json").write_text(json.dumps(plan))
    if setup:
        setup(root)
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 0, result.output
    return art


def _runs(cicd: str) -> list[str]:
    doc = yaml.safe_load(cicd)
    return [step["run"] for job in doc["jobs"].values() for step in job["steps"] if "run" in step]


def _deploy_findings(root_art: Path) -> list[dict]:
    root = root_art.parents[4]
    entry = next(e for e in log_entries(root, "epic_1") if e["agent"] == "deploy")
    return entry["details"]["findings"]


@pytest.mark.parametrize(
    ("files", "runner"),
    [
        ({"Makefile": "lint:\n\truff .\ntest: lint\n\tpytest\n"}, "make test"),
        ({"package.json": json.dumps({"scripts": {"test": "vitest run"}})}, "npm test"),
        ({"pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n"}, "pytest"),
        ({"go.mod": "module example.com/orders\n"}, "go test ./..."),
    ],
)
def test_cicd_uses_the_test_runner_the_repository_has(example, run_cli, files, runner) -> None:
    def setup(root: Path) -> None:
        for name, text in files.items():
            (root / name).write_text(text)

    art = _run(example, run_cli, setup)
    runs = _runs((art / "cicd.yaml").read_text())
    assert runner in runs
    assert not any("run-tests.sh" in r for r in runs)
    codes = [(f["code"], f["json_path"]) for f in _deploy_findings(art)]
    assert ("DEP108", "$.operations.test_command") not in codes


def test_npm_placeholder_test_script_is_no_runner(example, run_cli) -> None:
    def setup(root: Path) -> None:
        placeholder = 'echo "Error: no test specified" && exit 1'
        (root / "package.json").write_text(json.dumps({"scripts": {"test": placeholder}}))

    art = _run(example, run_cli, setup)
    assert "npm test" not in _runs((art / "cicd.yaml").read_text())


def test_no_command_anywhere_is_a_finding_and_a_failing_step_never_a_made_up_script(example, run_cli) -> None:
    art = _run(example, run_cli)
    cicd = (art / "cicd.yaml").read_text()
    assert "scripts/" not in cicd
    runs = _runs(cicd)
    assert all(r.endswith("exit 1") for r in runs if "DEP108" in r)
    assert sum("DEP108" in r for r in runs) >= 3  # deploy, test and rollback in every stage
    missing = {f["json_path"] for f in _deploy_findings(art) if f["code"] == "DEP108"}
    assert missing == {f"$.operations.{r}_command" for r in ("deploy", "test", "rollback")}
    runbook = (art / "runbook.md").read_text()
    assert "**missing**" in runbook and "DEP108" in runbook


def test_plan_commands_are_used_and_a_named_script_that_is_missing_is_reported(example, run_cli) -> None:
    def setup(root: Path) -> None:
        (root / "deploy").mkdir()
        (root / "deploy" / "ship.sh").write_text("#!/bin/sh\n")

    ops = {"deploy_command": "./deploy/ship.sh", "test_command": "make smoke", "rollback_command": "./deploy/undo.sh"}
    art = _run(example, run_cli, setup, ops)
    cicd = (art / "cicd.yaml").read_text()
    runs = _runs(cicd)
    assert "./deploy/ship.sh staging" in runs and "make smoke smoke" in runs
    assert "undo.sh" not in cicd  # named by the plan, absent from the repository: never called
    findings = [f for f in _deploy_findings(art) if f["code"] == "DEP108"]
    assert len(findings) == 1 and "./deploy/undo.sh" in findings[0]["message"]


def test_default_scripts_are_used_only_when_they_exist(example, run_cli) -> None:
    def setup(root: Path) -> None:
        (root / "scripts").mkdir()
        for name in ("deploy.sh", "run-tests.sh", "rollback.sh"):
            (root / "scripts" / name).write_text("#!/bin/sh\n")

    art = _run(example, run_cli, setup)
    runs = _runs((art / "cicd.yaml").read_text())
    assert "./scripts/deploy.sh staging" in runs and "./scripts/run-tests.sh smoke" in runs
    assert not [f for f in _deploy_findings(art) if f["code"] == "DEP108"]


def test_scaling_is_never_invented(example, run_cli) -> None:
    def setup(root: Path) -> None:
        art = consensus(root, "epic_1") / "artifacts"
        plan = json.loads((art / "plan.json").read_text())
        del plan["operations"]["resources"]["scaling"]
        (art / "plan.json").write_text(json.dumps(plan))

    art = _run(example, run_cli, setup)
    deployment = json.loads((art / "deployment.json").read_text())
    assert deployment["infrastructure"]["scaling"] is None
    assert deployment["infrastructure"]["resources_required"]["replicas"] == 3
    assert any(f["code"] == "DEP109" for f in _deploy_findings(art))
    assert "replica count is fixed" in (art / "runbook.md").read_text()


def test_scaling_comes_from_the_plan(example, run_cli) -> None:
    art = _run(example, run_cli)
    scaling = json.loads((art / "deployment.json").read_text())["infrastructure"]["scaling"]
    assert scaling == {"min": 3, "max": 10, "target_cpu": 60}  # examples/clean's plan.json


def test_backup_plan_names_one_checkpoint(example, run_cli, postgres) -> None:
    root = example("needs-approval")
    real_checkpoint(root, postgres, run_cli)  # the destructive migration needs a checkpoint the guardian can check
    assert run_cli("run", "--root", str(root)).exit_code == 0
    plan = json.loads((consensus(root, "epic_3") / "artifacts" / "backup_plan.json").read_text())
    assert plan["checkpoint_name"] == "pre-drop" and plan["checkpoint_verified"] is True
    assert "checkpoint" not in plan
    names = {v for k, v in plan.items() if "checkpoint" in k and isinstance(v, str)}
    assert names == {plan["checkpoint_name"]}


def test_waiting_epic_notifies_the_tech_lead_with_the_full_digest(example, run_cli) -> None:
    root = example("needs-approval")
    approval = consensus(root, "epic_3") / "messages" / "inbox" / "migration" / "002_approval.yaml"
    approval.unlink()  # the epic stops at waiting
    assert run_cli("run", "--root", str(root)).exit_code == 0
    notices = list((consensus(root, "epic_3") / "messages" / "inbox" / "tech-lead").glob("approval_needed_*.yaml"))
    assert len(notices) == 1
    body = yaml.safe_load(notices[0].read_text())
    review = json.loads((consensus(root, "epic_3") / "artifacts" / "migration_review.json").read_text())
    assert body["content"]["review_digest"] == review["review_digest"] and len(review["review_digest"]) == 64
    assert body["content"]["approve_command"].startswith("guardians approve epic_3 --key ")
    message = body["content"]["approval_message"]
    assert message["content"]["review_digest"] == review["review_digest"] and message["type"] == "approval"
    # a second run writes no second notice
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert len(list(notices[0].parent.glob("approval_needed_*.yaml"))) == 1
    # validate accepts the notice as a message
    assert run_cli("validate", "--root", str(root)).exit_code == 0
