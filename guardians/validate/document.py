"""One document under check: its bytes, how it parses, and its schema problems.

Positions (line, column) are looked up only for documents that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from guardians.errors import InputError
from guardians.protocol.jsonpath import json_path
from guardians.protocol.validator import alternative_keys
from guardians.store.fast_json import SLOW, load_json_fast
from guardians.validate.codes import DriftedKey, SchemaViolation, UnreadableFile
from guardians.validate.result import Problem

MAX_SCHEMA_PROBLEMS = 100


@dataclass
class Doc:
    """A file being checked: display name, bytes, kind (json|yaml)."""

    display: str
    data: bytes
    kind: str
    line_offset: int = 0  # for log lines: the line number in the file, minus one
    _text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.data.decode("utf-8", "replace")
        return self._text

    def where(self, json_path: str | list[Any]) -> tuple[int | None, int | None]:
        from guardians.store.sourcemap import position

        pos = position(self.text, self.kind, json_path)
        if pos is None:
            return (self.line_offset + 1 if self.line_offset else None), None
        return pos[0] + self.line_offset, pos[1]


def parse(doc: Doc) -> tuple[Any, Problem | None]:
    """Parse with the hardened loaders' rules; JSON takes a faster path when it can."""
    from guardians.store.loaders import load_document

    if doc.kind == "json":
        value = load_json_fast(doc.data)
        if value is not SLOW:
            return value, None
    try:
        return load_document(doc.data, "document.yaml" if doc.kind == "yaml" else "document.json"), None
    except InputError as exc:
        return None, input_problem(exc, doc.display, doc.line_offset)


def input_problem(exc: InputError, display: str, line_offset: int = 0) -> Problem:
    loc = exc.location
    line = loc.line + line_offset if loc.line is not None else (line_offset + 1 if line_offset else None)
    return Problem.of(
        UnreadableFile,
        display,
        exc.message,
        json_path=loc.json_path,
        line=line,
        column=loc.column,
        keyword="parse",
    )


def schema_problems(doc: Doc, value: Any, schema_name: str, prefix: list[Any] | None = None) -> list[Problem]:
    """Problems of ``value`` against ``schema_name`` ([] when valid)."""
    from guardians.protocol.validator import refine_all, schema_errors

    errors = schema_errors(schema_name, value, limit=MAX_SCHEMA_PROBLEMS)
    if errors is None:
        return []
    base = list(prefix or [])
    if not errors:  # the two engines disagree: never pass silently
        line, col = doc.where(base)
        return [
            Problem.of(
                SchemaViolation,
                doc.display,
                "does not match the schema",
                json_path(base),
                line,
                col,
                "schema",
                fix=_schema_fix(schema_name, "schema", ""),
            )
        ]
    out = []
    seen: set[tuple[str, str]] = set()
    for error in errors:
        keyword = str(error.validator)
        for rel_parts, message in refine_all(error):
            parts = base + rel_parts
            path = json_path(parts)
            if (path, message) in seen:
                continue  # the same failure reached through two schema branches
            seen.add((path, message))
            line, col = doc.where(parts)
            out.append(
                Problem.of(
                    SchemaViolation,
                    doc.display,
                    message,
                    path,
                    line,
                    col,
                    keyword,
                    fix=_schema_fix(schema_name, keyword, path, error),
                )
            )
    return out


def drift_problems(doc: Doc, value: Any, schema_name: str, prefix: list[Any] | None = None) -> list[Problem]:
    """VAL004 warnings: top-level keys of an open schema that the guardians ignore but mean a known key."""
    if not isinstance(value, dict):
        return []
    allowed = _open_keys(schema_name)
    if allowed is None or allowed.issuperset(value):
        return []  # a strict schema (it reports unknown keys itself), or no unknown key: most documents
    from guardians.protocol.hints import KEY_DRIFT, near
    from guardians.protocol.validator import load_schema

    props = load_schema(schema_name)["properties"]
    unknown = value.keys() - allowed
    known = list(props)
    out = []
    for key in sorted(unknown):
        if not isinstance(key, str):
            continue
        wanted = KEY_DRIFT.get(key) if KEY_DRIFT.get(key) in props else near(key, known)
        if wanted is None or wanted in value:
            continue
        parts = [*(prefix or []), key]
        line, col = doc.where(parts)
        out.append(
            Problem.of(
                DriftedKey,
                doc.display,
                f"'{key}' is ignored by the guardians; did you mean '{wanted}'?",
                json_path(parts),
                line,
                col,
                "drift",
                fix=f"rename '{key}' to '{wanted}'; see `guardians schema show {schema_name}`",
            )
        )
    return out


@cache
def _open_keys(schema_name: str) -> frozenset[str] | None:
    """The top-level keys of an open schema; None for a strict one (or one without properties)."""
    from guardians.protocol.validator import load_schema

    schema = load_schema(schema_name)
    props = schema.get("properties")
    if not isinstance(props, dict) or schema.get("additionalProperties") is False:
        return None
    return frozenset(props)


def _schema_fix(schema_name: str, keyword: str, path: str, error: Any = None) -> str:
    see = f"see `guardians schema show {schema_name}`"
    value = getattr(error, "validator_value", None)
    if keyword == "required":
        return f"add the missing property {path}; {see}"
    if keyword == "additionalProperties":
        return f"remove the property at {path} or correct its spelling; {see}"
    if keyword == "enum":
        return f"use one of {', '.join(map(repr, value or []))} at {path}"
    if keyword == "type":
        kind = value if isinstance(value, str) else " or ".join(value or [])
        return f"make {path} {'an' if kind.startswith(tuple('aeiou')) else 'a'} {kind}; {see}"
    if keyword == "pattern":
        return f"make {path} match the pattern {value}"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"keep {path} within the {keyword} of {value}"
    if keyword in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"):
        return f"change the size of {path} ({keyword} {value})"
    if keyword == "format":
        return f"write a real UTC time at {path} as YYYY_MM_DD_HH_MM_SS (e.g. 2026_11_24_14_30_00)"
    if keyword == "const":
        return f"set {path} to {value!r}"
    if keyword == "anyOf" and (keys := alternative_keys(value)):
        return f"add {' or '.join(map(repr, keys))} at {path}; {see}"
    return f"fix {path} so it satisfies '{keyword}'; {see}"


def read_file(path: str | Path, display: str) -> tuple[bytes | None, Problem | None]:
    from guardians.store.loaders import read_bounded

    try:
        return read_bounded(path, display=display), None
    except InputError as exc:
        return None, input_problem(exc, display)


def kind_of(name: str) -> str:
    return "yaml" if name.endswith((".yaml", ".yml")) else "json"
