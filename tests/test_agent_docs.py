"""Schema examples, the editor catalog, role prompts and the exit-code table, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from guardians.protocol.schemas import CATALOG, model_class
from guardians.protocol.validator import fast_validator, load_schema, slow_validator
from tests.conftest import consensus

NAMES = [entry.name for entry in CATALOG]
INPUTS = ["plan", "implementation", "review", "health_report", "checkpoint", "message"]


@pytest.mark.parametrize("name", NAMES)
def test_every_schema_has_a_complete_example_that_validates(run_cli, name):
    result = run_cli("schema", "example", name)
    assert result.exit_code == 0
    value = json.loads(result.output)
    errors = [e.message for e in slow_validator(name).iter_errors(value)]
    assert errors == [] and fast_validator(name).is_valid(value)
    model_class(name).model_validate(value)
    # complete: every property the schema names at the top level is filled in
    assert set(load_schema(name).get("properties", {})) <= set(value)


def test_examples_in_yaml_are_the_same_document(run_cli):
    as_json = json.loads(run_cli("schema", "example", "message").output)
    as_yaml = yaml.safe_load(run_cli("schema", "example", "message", "--format", "yaml").output)
    assert as_json == as_yaml


def test_unknown_example_is_a_usage_error(run_cli):
    result = run_cli("schema", "example", "nope")
    assert result.exit_code == 2
    assert "unknown schema 'nope'" in result.output


@pytest.mark.parametrize("name", INPUTS)
def test_inputs_may_carry_dollar_schema(run_cli, name):
    value = json.loads(run_cli("schema", "example", name).output)
    value["$schema"] = f"https://guardians.dev/schemas/{name}.schema.json"
    assert fast_validator(name).is_valid(value)
    model_class(name).model_validate(value)


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


def test_catalog_points_every_file_pattern_at_an_exported_schema(run_cli, tmp_path):
    out = tmp_path / "schemas"
    result = run_cli("schema", "catalog", str(out))
    assert result.exit_code == 0
    catalog = json.loads((out / "catalog.json").read_text())
    assert catalog["$schema"] == "https://json.schemastore.org/schema-catalog.json"
    assert catalog["version"] == 1.0
    by_name = {s["name"]: s for s in catalog["schemas"]}
    plan = by_name["guardians plan"]
    assert plan["fileMatch"] == ["**/consensus/artifacts/plan.json"]
    for entry in catalog["schemas"]:
        assert entry["url"].startswith("file://")
        target = Path(entry["url"].removeprefix("file://"))
        assert json.loads(target.read_text())["$schema"].startswith("https://json-schema.org/")
    # every agent-written artifact is matched by file name
    matched = {p for s in catalog["schemas"] for p in s["fileMatch"]}
    for name in ("plan.json", "implementation.json", "review.json", "health_report.json"):
        assert f"**/consensus/artifacts/{name}" in matched


@pytest.mark.parametrize("role", ["quality", "developer", "architect", "tech-lead"])
def test_every_prompt_example_passes_check(run_cli, example, role):
    from guardians.commands.prompt import embedded_examples

    result = run_cli("prompt", role)
    assert result.exit_code == 0
    text = result.output
    assert "guardians send" in text or "check-write" in text
    examples = embedded_examples(text)
    assert examples, text
    root = example("clean")
    for path, body in examples:
        target = root / path.replace("epic_7", "epic_1")
        body = body.replace("epic_7", "epic_1")
        checked = subprocess.run(
            [sys.executable, "-m", "guardians", "check-write", "--format", "json", str(target), "-"],
            input=body,
            capture_output=True,
            text=True,
        )
        data = json.loads(checked.stdout)
        assert data["ok"], (role, path, data["results"][0]["findings"])
        assert data["results"][0]["kind"] in ("artifact", "message")


def test_prompts_name_the_rules_from_the_registries(run_cli):
    from guardians.commands.explain import all_rules

    text = run_cli("prompt", "developer").output
    for rule in all_rules():
        if rule.code.startswith("MIG"):
            assert f"`{rule.code}` {rule.name}" in text


def test_help_lists_every_exit_code(run_cli):
    from guardians.errors import EXIT_CODES

    text = " ".join(run_cli("--help").output.split())
    for code, meaning in EXIT_CODES:
        assert f"{code} {meaning}" in text
    assert "4 `guardians watch` stopped on a disk I/O error" in text
    assert "check-write" in text and "hook claude-code" in text
