"""`guardians schema example` and `guardians schema catalog` (guardians/commands/schema_example.py), through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from guardians.protocol.schemas import CATALOG, model_class
from guardians.protocol.validator import fast_validator, load_schema, slow_validator

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
