"""Line/column lookup of JSON paths in JSON and YAML sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardians.store.sourcemap import line_for_path, parse_json_path, position

JSON_TEXT = """{
  "name": "deploy",
  "a \\"quoted\\" key": {"x": [1, {"y": "s]}tring"}, 3]},
  "services": [
    {"name": "app", "port": 80},
    {
      "name": "db",
      "replicas": -1
    }
  ]
}
"""

YAML_TEXT = """name: deploy
services:
  - name: app
    port: 80
  - name: db
    replicas: -1
'quoted key':
  nested: [1, 2, {deep: true}]
"""


def at(text: str, line: int, col: int) -> str:
    return text.splitlines()[line - 1][col - 1 :]


@pytest.mark.parametrize(
    "path, expected",
    [
        ("$", ["{"]),
        ("$.name", ['"name"']),
        ("$.services[1].replicas", ['"replicas": -1']),
        ("$.services[1]", ["{"]),
        ("$.services[0].port", ['"port": 80']),
        ("$['a \"quoted\" key'].x[1].y", ['"y": "s]}tring"']),
        ("$['a \"quoted\" key'].x[2]", ["3]"]),
    ],
)
def test_json_positions(path: str, expected: list[str]) -> None:
    pos = position(JSON_TEXT, "json", path)
    assert pos is not None
    assert at(JSON_TEXT, *pos).startswith(expected[0])


def test_json_missing_falls_back_to_nearest_ancestor() -> None:
    assert position(JSON_TEXT, "json", "$.services[1].missing") == position(JSON_TEXT, "json", "$.services[1]")
    assert position(JSON_TEXT, "json", "$.services[9]") == position(JSON_TEXT, "json", "$.services")
    assert position(JSON_TEXT, "json", "$.nope.deeper") == (1, 1)


@pytest.mark.parametrize(
    "path, expected",
    [
        ("$", "name: deploy"),
        ("$.services[1].replicas", "replicas: -1"),
        ("$.services[0]", "name: app"),
        ("$['quoted key'].nested[2].deep", "deep: true"),
        ("$['quoted key'].nested[1]", "2, {"),
        ("$.services[1].missing", "name: db"),
    ],
)
def test_yaml_positions(path: str, expected: str) -> None:
    pos = position(YAML_TEXT, "yaml", path)
    assert pos is not None
    assert at(YAML_TEXT, *pos).startswith(expected)


def test_parts_list_and_malformed_paths() -> None:
    assert position(JSON_TEXT, "json", ["services", 1, "replicas"]) == position(
        JSON_TEXT, "json", "$.services[1].replicas"
    )
    assert parse_json_path("services") is None
    assert parse_json_path("$.a[") is None
    assert parse_json_path("$.a['b c'][2]") == ["a", "b c", 2]
    assert position(JSON_TEXT, "json", "nope") is None


def test_broken_documents_never_raise() -> None:
    position('{"a": [1, 2', "json", "$.a[5]")  # must not raise
    position('{"a": "unterminated', "json", "$.a.b")
    assert position("{", "json", "$.a") == (1, 1)
    assert position("a: [", "yaml", "$.a") is None
    assert position("", "yaml", "$.a") is None


def test_line_for_path(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(JSON_TEXT)
    assert line_for_path(path, "$.services[1].replicas") == 8
    ypath = tmp_path / "x.yaml"
    ypath.write_text(YAML_TEXT)
    assert line_for_path(ypath, "$.services[1].replicas") == 6
    assert line_for_path(tmp_path / "missing.json", "$.a") is None


def test_unicode_columns_count_characters() -> None:
    text = json.dumps({"é€": 1, "b": 2})
    _line, col = position(text, "json", "$.b") or (0, 0)
    assert text[col - 1 :].startswith('"b"')


def test_long_document_is_fast_enough() -> None:
    doc = {"items": [{"k": i, "v": "x" * 20} for i in range(20000)]}
    text = json.dumps(doc, indent=1)
    pos = position(text, "json", "$.items[19999].v")
    assert pos is not None and at(text, *pos).startswith('"v"')


def test_the_json_path_formatter_round_trips_through_the_parser():
    from guardians.protocol.jsonpath import json_path

    parts = ["services", 0, "tech-lead", "x y", "it's", "ok"]
    text = json_path(parts)
    assert text == "$.services[0]['tech-lead']['x y'][\"it's\"].ok"
    assert parse_json_path(text) == parts
    assert json_path([]) == "$"
