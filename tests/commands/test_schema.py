"""`guardians schema list|show|export` (guardians/commands/schema.py), through the CLI."""

from __future__ import annotations

import json

from tests.conftest import REPO


def test_schema_list_names_every_exported_schema(run_cli):
    result = run_cli("schema", "list")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert "message" in names and "plan" in names
    on_disk = sorted(p.name.removesuffix(".schema.json") for p in (REPO / "schemas").glob("*.schema.json"))
    assert sorted(names) == on_disk


def test_schema_show_prints_json_schema(run_cli):
    result = run_cli("schema", "show", "message")
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"].endswith("/message.schema.json")


def test_schema_show_unknown_name_is_a_usage_error(run_cli):
    result = run_cli("schema", "show", "nope")
    assert result.exit_code == 2 and "nope" in result.output


def test_schema_export_matches_the_repository_copy(run_cli, tmp_path):
    result = run_cli("schema", "export", str(tmp_path / "out"))
    assert result.exit_code == 0
    written = sorted((tmp_path / "out").iterdir())
    assert len(result.output.splitlines()) == len(written)
    for path in written:
        assert path.read_text() == (REPO / "schemas" / path.name).read_text(), path.name
