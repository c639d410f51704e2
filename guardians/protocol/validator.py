"""Schema validation: a compiled fast validator decides pass/fail, and the
jsonschema library explains failures (all of them, with JSON paths).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from guardians.protocol.jsonpath import json_path


@dataclass(frozen=True)
class SchemaProblem:
    json_path: str
    message: str
    keyword: str
    schema_path: str = ""


@cache
def _fast(name: str) -> Any:
    import jsonschema_rs

    from guardians.protocol.schemas import schema

    return jsonschema_rs.validator_for(schema(name))


@cache
def _slow(name: str) -> Any:
    from jsonschema import Draft202012Validator

    from guardians.protocol.schemas import schema

    return Draft202012Validator(schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def is_valid(name: str, data: Any) -> bool:
    return bool(_fast(name).is_valid(data))


def validate_data(name: str, data: Any) -> list[SchemaProblem]:
    """Every schema problem in ``data`` (empty list when valid)."""
    if is_valid(name, data):
        return []
    errors = [leaf for e in _slow(name).iter_errors(data) for leaf in expand_error(e)]
    errors.sort(key=lambda e: ([str(p) for p in e.absolute_path], e.message))
    return [_problem(e) for e in errors] or [SchemaProblem("$", "does not match the schema", "schema")]


def expand_error(error: Any) -> list[Any]:
    """Replace an anyOf/oneOf error by the errors of its most promising branch.

    A nullable object is ``anyOf: [{$ref}, {type: null}]``; the useful
    messages are the ones inside the object, not "is not valid under any of
    the given schemas". The branch whose errors reach deepest wins, and all
    of its errors are reported.
    """
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    if alternative_keys(error.validator_value):
        return [error]  # "needs stages or work_streams": no single branch tells the whole story
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        if sub.validator == "type" and sub.validator_value == "null":
            continue
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if not branches:
        return [error]
    best = max(branches.values(), key=lambda errs: max(len(e.absolute_path) for e in errs))
    return [leaf for sub in best for leaf in expand_error(sub)]


def _problem(error: Any) -> SchemaProblem:
    path = json_path(list(error.absolute_path))
    keyword = str(error.validator)
    message = str(error.message)
    if keyword == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        if missing:
            path = json_path([*error.absolute_path, missing[0]])
            message = f"required property {missing[0]!r} is missing"
    if keyword == "anyOf" and (keys := alternative_keys(error.validator_value)):
        message = f"needs {' or '.join(map(repr, keys))} (not null)"
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            path = json_path([*error.absolute_path, extra[0]])
            message = f"unknown property {extra[0]!r} is not allowed"
    if len(message) > 300:
        message = message[:297] + "..."
    schema_path = "/".join(str(p) for p in error.absolute_schema_path)
    return SchemaProblem(path, message, keyword, schema_path)


def alternative_keys(branches: Any) -> list[str]:
    """The keys of an ``anyOf`` whose every branch requires one key ("stages or work_streams"), else []."""
    if not isinstance(branches, list):
        return []
    keys = []
    for branch in branches:
        required = branch.get("required") if isinstance(branch, dict) else None
        if not (isinstance(required, list) and len(required) == 1 and isinstance(required[0], str)):
            return []
        keys.append(required[0])
    return keys
