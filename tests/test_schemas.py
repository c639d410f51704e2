"""Schemas: generated from the models, valid against the 2020-12 metaschema, in sync with schemas/."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from guardians.protocol.schemas import CATALOG, ID_BASE, schema
from guardians.protocol.validator import validate_data
from tests.conftest import REPO, consensus

NAMES = [e.name for e in CATALOG]


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_2020_12_with_id_and_descriptions(name):
    s = schema(name)
    Draft202012Validator.check_schema(s)
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert s["$id"] == f"{ID_BASE}{name}.schema.json"

    def walk(node):
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                assert sub.get("description"), f"{name}: property {key} has no description"
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(s)


@pytest.mark.parametrize("name", NAMES)
def test_exported_schemas_match_models(name):
    on_disk = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())
    assert on_disk == schema(name), "schemas/ drifted: run `guardians schema export schemas`"


def test_no_stray_schema_files():
    assert sorted(p.name for p in (REPO / "schemas").glob("*.json")) == sorted(f"{n}.schema.json" for n in NAMES)


def test_schema_cli(run_cli, tmp_path):
    listing = run_cli("schema", "list")
    assert listing.exit_code == 0
    assert all(n in listing.output for n in NAMES)
    shown = run_cli("schema", "show", "deployment")
    assert json.loads(shown.output)["$id"].endswith("deployment.schema.json")
    assert run_cli("schema", "show", "nope").exit_code == 2
    out = tmp_path / "out"
    assert run_cli("schema", "export", str(out)).exit_code == 0
    assert len(list(out.glob("*.schema.json"))) == len(NAMES)


def test_guardian_outputs_validate_against_their_schemas(example, run_cli):
    import yaml

    root = example("clean")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    art = consensus(root, "epic_1") / "artifacts"
    for fname, name in [
        ("migration_review.json", "migration_review"),
        ("deployment.json", "deployment"),
        ("backup_plan.json", "backup_plan"),
        ("process_report.json", "process_report"),
    ]:
        assert validate_data(name, json.loads((art / fname).read_text())) == [], fname
    assert validate_data("cicd", yaml.safe_load((art / "cicd.yaml").read_text())) == []
    for line in (consensus(root, "epic_1") / "decision_log.jsonl").read_text().splitlines():
        assert validate_data("decision_log_entry", json.loads(line)) == []


def test_veto_and_escalation_files_validate(example, run_cli):
    import yaml

    root = example("three-strikes")
    run_cli("run", "--root", str(root))
    inbox = consensus(root, "epic_6") / "messages" / "inbox"
    vetoes = list((inbox / "quality").glob("veto_*.yaml"))
    assert vetoes
    for v in vetoes:
        assert validate_data("veto", yaml.safe_load(v.read_text())) == []
    for e in (inbox / "tech-lead").glob("escalation_*.yaml"):
        assert validate_data("escalation", yaml.safe_load(e.read_text())) == []


def test_deployment_shape_matches_what_agents_write(example, run_cli):
    root = example("needs-approval")
    run_cli("run", "--root", str(root))
    dep = json.loads((consensus(root, "epic_3") / "artifacts" / "deployment.json").read_text())
    assert set(dep) == {
        "epic_id",
        "iteration",
        "timestamp",
        "deployment_strategy",
        "infrastructure",
        "monitoring",
        "health_checks",
        "rollback",
    }
    assert dep["deployment_strategy"]["type"] == "blue_green"
    stage_keys = {
        "stage",
        "automatic",
        "tests",
        "rollback_automatic",
        "soak_time_hours",
        "approval_required",
        "canary_percentage",
        "canary_duration_hours",
    }
    assert all(set(s) == stage_keys for s in dep["deployment_strategy"]["stages"])
    assert set(dep["infrastructure"]) == {"resources_required", "scaling"}
    assert set(dep["infrastructure"]["resources_required"]) == {"cpu", "memory", "replicas"}
    assert set(dep["infrastructure"]["scaling"]) == {"min", "max", "target_cpu"}
    assert set(dep["health_checks"]) == {"readiness", "liveness"}
    assert set(dep["health_checks"]["readiness"]) == {"endpoint", "interval", "timeout", "thresholds"}
    assert set(dep["rollback"]) == {"triggers", "procedure", "time_to_rollback_seconds"}


@pytest.mark.parametrize("example_name", ["clean", "needs-approval"])
def test_cicd_is_a_workflow_github_accepts(example, run_cli, example_name):
    """Checked with check-jsonschema's vendored GitHub workflow schema (offline)."""
    exe = Path(sys.executable).parent / "check-jsonschema"
    if not exe.exists():
        exe = Path(shutil.which("check-jsonschema") or "check-jsonschema")
    root = example(example_name)
    run_cli("run", "--root", str(root))
    epic = "epic_1" if example_name == "clean" else "epic_3"
    cicd = consensus(root, epic) / "artifacts" / "cicd.yaml"
    proc = subprocess.run(
        [str(exe), "--builtin-schema", "vendor.github-workflows", str(cicd)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
