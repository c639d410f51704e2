"""Line and column of a JSON path in a JSON or YAML source text.

Positions are only needed for files that failed validation, so nothing here
runs on the fast path. JSON is scanned by a small position-aware walker that
follows the path and skips everything else; YAML is composed into nodes
(which carry marks) and walked the same way. When the path does not exist
(a missing required property), the nearest existing ancestor is returned.

Lines and columns are 1-based; columns count characters.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

PathPart = str | int

_PART_RE = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]")


def parse_json_path(json_path: str) -> list[PathPart] | None:
    """``$.a.b[0]['x y']`` -> ``['a', 'b', 0, 'x y']``; None when malformed."""
    if not json_path.startswith("$"):
        return None
    parts: list[PathPart] = []
    pos = 1
    while pos < len(json_path):
        match = _PART_RE.match(json_path, pos)
        if match is None:
            return None
        name, index, quoted = match.groups()
        if name is not None:
            parts.append(name)
        elif index is not None:
            parts.append(int(index))
        else:
            import ast

            parts.append(str(ast.literal_eval(quoted)))
        pos = match.end()
    return parts


def line_for_path(path: Path, json_path: str) -> int | None:
    """Line of ``json_path`` in the JSON/YAML file at ``path`` (None if unknown)."""
    from guardians.store.loaders import read_bounded

    try:
        text = read_bounded(path).decode("utf-8")
    except Exception:
        return None
    pos = position(text, kind_of(path.name), json_path)
    return pos[0] if pos else None


def kind_of(name: str) -> str:
    return "yaml" if name.endswith((".yaml", ".yml")) else "json"


def position(text: str, kind: str, json_path: str | list[PathPart]) -> tuple[int, int] | None:
    """(line, column) of the key or item named by ``json_path``, or its nearest ancestor."""
    parts = parse_json_path(json_path) if isinstance(json_path, str) else list(json_path)
    if parts is None:
        return None
    try:
        offset_or_pos = _yaml_position(text, parts) if kind == "yaml" else _json_offset(text, parts)
    except (ValueError, IndexError, RecursionError):
        return None
    except Exception:  # a malformed document: positions are best effort
        return None
    if offset_or_pos is None:
        return None
    if isinstance(offset_or_pos, tuple):
        return offset_or_pos
    return _line_col(text, offset_or_pos)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


# --- JSON ------------------------------------------------------------------------

_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"[^,\]}\s]+")


def _ws(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _json_offset(text: str, parts: list[PathPart]) -> int | None:
    """Offset of the deepest existing node along ``parts`` (key for members)."""
    pos = _ws(text, 1 if text.startswith("\ufeff") else 0)
    best = pos
    for part in parts:
        if pos >= len(text):
            return best
        opener = text[pos]
        found: tuple[int, int] | None = None
        if opener == "{" and isinstance(part, str):
            found = _find_member(text, pos, part)
        elif opener == "[" and isinstance(part, int):
            found = _find_item(text, pos, part)
        if found is None:
            return best
        best, pos = found
    return best


def _find_member(text: str, pos: int, key: str) -> tuple[int, int] | None:
    """(key offset, value offset) of ``key`` in the object at ``pos``."""
    import json

    pos = _ws(text, pos + 1)
    while pos < len(text) and text[pos] != "}":
        match = _STRING.match(text, pos)
        if match is None:
            return None
        key_at = pos
        name = json.loads(match.group())
        pos = _ws(text, match.end())
        if text[pos] != ":":
            return None
        pos = _ws(text, pos + 1)
        if name == key:
            return key_at, pos
        pos = _ws(text, _skip_value(text, pos))
        if pos < len(text) and text[pos] == ",":
            pos = _ws(text, pos + 1)
    return None


def _find_item(text: str, pos: int, index: int) -> tuple[int, int] | None:
    pos = _ws(text, pos + 1)
    i = 0
    while pos < len(text) and text[pos] != "]":
        if i == index:
            return pos, pos
        pos = _ws(text, _skip_value(text, pos))
        if pos < len(text) and text[pos] == ",":
            pos = _ws(text, pos + 1)
        i += 1
    return None


def _skip_value(text: str, pos: int) -> int:
    """Offset just past the value starting at ``pos`` (iterative, no recursion)."""
    char = text[pos]
    if char == '"':
        match = _STRING.match(text, pos)
        if match is None:
            raise ValueError("unterminated string")
        return match.end()
    if char not in "[{":
        match = _SCALAR.match(text, pos)
        if match is None:
            raise ValueError("bad scalar")
        return match.end()
    depth = 0
    while pos < len(text):
        char = text[pos]
        if char == '"':
            match = _STRING.match(text, pos)
            if match is None:
                raise ValueError("unterminated string")
            pos = match.end()
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return pos + 1
        pos += 1
    raise ValueError("unterminated container")


# --- YAML ------------------------------------------------------------------------


def _yaml_position(text: str, parts: list[PathPart]) -> tuple[int, int] | None:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    node: Any = yaml.compose(text, Loader=loader)
    if node is None:
        return None
    mark = node.start_mark
    for part in parts:
        nxt = _yaml_child(node, part)
        if nxt is None:
            break
        mark, node = nxt
    return int(mark.line) + 1, int(mark.column) + 1


def _yaml_child(node: Any, part: PathPart) -> tuple[Any, Any] | None:
    import yaml

    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                return key_node.start_mark, value_node
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item = node.value[part]
        return item.start_mark, item
    return None
