"""The one schema validator: ``validate``, ``send`` and the pipeline all ask here.

Two engines, one verdict:

* a compiled validator (jsonschema-rs) decides pass/fail; it is fast enough to
  run on every document of every epic;
* the jsonschema library runs only on failing documents, to explain every
  failure with its JSON path and keyword.

Both are built from the shipped schema files (``schemas/*.schema.json``, found
through :mod:`guardians.protocol.resources`), so start-up does not build
schemas from the pydantic models; a test keeps the files equal to the models.

Both engines are given the same semantics:

* ``pattern`` follows ECMA-262, as JSON Schema specifies and as the compiled
  validator and other tools (check-jsonschema, ajv) do: ``$`` matches only at
  the end of the string (Python's also matches before a final newline) and
  ``\\d`` matches ASCII digits only. Python's ``re`` is only used through
  :func:`ecma_regex`, so "epic_7\\n" is refused by both engines alike.
* ``format`` is asserted for our own formats only (time stamps that must name
  a real time; :mod:`guardians.protocol.stamps`), with one wording.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from guardians.protocol.jsonpath import json_path
from guardians.protocol.stamps import STAMP_FORMAT_NAME, TIME_FORMAT_NAME, StampError, real_stamp, real_time

# Our formats: name -> check that returns the value or raises StampError.
FORMATS: dict[str, Callable[[str], str]] = {STAMP_FORMAT_NAME: real_stamp, TIME_FORMAT_NAME: real_time}
MAX_MESSAGE = 300
UNICODE_PROBLEM = "a string is not valid Unicode text (lone surrogate)"


@dataclass(frozen=True)
class SchemaProblem:
    json_path: str
    message: str
    keyword: str
    schema_path: str = ""


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The shipped schema file; built from the models only if the file is missing."""
    from guardians.protocol.resources import schemas_dir

    path = schemas_dir() / f"{name}.schema.json"
    if path.is_file():
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    from guardians.protocol.schemas import schema

    return schema(name)


def _format_ok(check: Callable[[str], str], value: str) -> bool:
    try:
        check(value)
    except StampError:
        return False
    return True


@cache
def fast_validator(name: str) -> Any:
    """The compiled validator of schema ``name`` (decides pass/fail)."""
    import jsonschema_rs

    formats = {fmt: _bind(check) for fmt, check in FORMATS.items()}
    return jsonschema_rs.validator_for(load_schema(name), formats=formats, validate_formats=True)


def _bind(check: Callable[[str], str]) -> Callable[[str], bool]:
    # The same stamps recur in every file of an epic; remembering recent
    # verdicts (the check is pure) spares a Python call and a datetime each.
    @lru_cache(maxsize=4096)
    def ok(value: str) -> bool:
        return _format_ok(check, value)

    return ok


@cache
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """Python regex with ECMA-262 semantics for what our schemas use.

    ``$`` means end of input and ``\\d`` means ASCII digits only, as in the
    compiled validator.
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt == "d":
                out.append("0-9" if in_class else "[0-9]")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "$" and not in_class:
            char = r"\Z"
        out.append(char)
        i += 1
    return re.compile("".join(out))


def _strings_only(check: Callable[[str], str]) -> Callable[[Any], Any]:
    """A format applies to strings only (JSON Schema); `timestamp: 12` is the `type` keyword's problem."""

    def checked(value: Any) -> Any:
        return check(value) if isinstance(value, str) else value

    return checked


@cache
def slow_validator(name: str) -> Any:
    """The jsonschema validator of schema ``name`` (explains failures), same semantics."""
    from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

    def pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[Any]:
        if validator.is_type(instance, "string") and not ecma_regex(patrn).search(instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    checker = FormatChecker(formats=())
    for fmt, check in FORMATS.items():
        checker.checks(fmt, raises=StampError)(_strings_only(check))
    cls = validators.extend(Draft202012Validator, {"pattern": pattern})
    return cls(load_schema(name), format_checker=checker)


def warm_up(names: Iterable[str] = ()) -> None:
    """Compile validators before forking workers, so children inherit them."""
    from guardians.protocol.schemas import CATALOG

    wanted = set(names)
    for entry in CATALOG:
        if not wanted or entry.name in wanted:
            fast_validator(entry.name)


def is_valid(name: str, data: Any) -> bool:
    try:
        return bool(fast_validator(name).is_valid(data))
    except UnicodeEncodeError:
        return False  # a lone surrogate: not text any schema accepts


def schema_errors(name: str, data: Any, limit: int | None = None) -> list[Any] | None:
    """The failures of ``data`` against ``name`` as jsonschema errors, sorted by path.

    None when ``data`` is valid; [] when it is invalid but cannot be explained
    (the caller reports the document as a whole: it never passes silently).
    """
    if is_valid(name, data):
        return None
    # A nullable object is anyOf [object, null]: report what is wrong inside it.
    errors = [leaf for e in slow_validator(name).iter_errors(data) for leaf in expand_error(e)]
    errors.sort(key=lambda e: ([str(p) for p in e.absolute_path], e.message))
    return errors if limit is None else errors[:limit]


def validate_data(name: str, data: Any) -> list[SchemaProblem]:
    """Every schema problem in ``data`` (empty list when valid)."""
    errors = schema_errors(name, data)
    if errors is None:
        return []
    return [p for e in errors for p in _problem(e)] or [SchemaProblem("$", _unexplained(data), "schema")]


def _unexplained(data: Any) -> str:
    return UNICODE_PROBLEM if _has_surrogate(data) else "does not match the schema"


def _has_surrogate(data: Any) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):
        return True
    return False


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


def refine(error: Any) -> tuple[list[Any], str]:
    """(path parts, message) of one error, worded for the person fixing the file."""
    parts = list(error.absolute_path)
    message = str(error.message)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = missing_property(error)
        if missing is not None:
            parts.append(missing)
            message = f"required property {missing!r} is missing"
    elif error.validator == "anyOf" and (keys := alternative_keys(error.validator_value)):
        message = f"needs {' or '.join(map(repr, keys))} (not null)"
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            parts.append(extra[0])
            message = f"unknown property {extra[0]!r} is not allowed"
    elif error.validator == "format" and isinstance(error.cause, StampError):
        message = str(error.cause)
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return parts, message


def missing_property(error: Any) -> str | None:
    """The property a ``required`` error is about.

    jsonschema raises one error per missing property, each carrying the whole
    ``required`` list; the message names the one it is about.
    """
    missing: list[str] = [str(k) for k in error.validator_value if k not in error.instance]
    named = [k for k in missing if error.message == f"{k!r} is a required property"]
    return (named or missing)[0] if missing else None


def refine_all(error: Any) -> list[tuple[list[Any], str]]:
    """Like :func:`refine`, but one (path, message) per unknown key, each named, with hints.

    ``required`` errors already come one per missing key; each gets a hint
    when the document says why it is missing (nested under ``header:``, a
    near miss, known drift), so a message with eight fields under ``header:``
    gets eight problems that each say so.
    """
    from guardians.protocol import hints

    base = list(error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        key = missing_property(error)
        if key is not None:
            hint = hints.missing_key_hint(key, instance)
            return [([*base, key], _cut(f"required property {key!r} is missing{hint}"))]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in allowed)
        return [
            ([*base, k], _cut(f"unknown property {k!r} is not allowed{hints.unknown_key_hint(k, allowed, instance)}"))
            for k in extra
        ] or [refine(error)]
    parts, message = refine(error)
    if error.validator == "enum":
        message = _cut(message + hints.enum_hint(instance, list(error.validator_value or [])))
    elif error.validator == "const" and isinstance(instance, str):
        message = _cut(message + hints.enum_hint(instance, [error.validator_value]))
    return [(parts, message)]


def _cut(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def _problem(error: Any) -> list[SchemaProblem]:
    schema_path = "/".join(str(p) for p in error.absolute_schema_path)
    return [
        SchemaProblem(json_path(parts), message, str(error.validator), schema_path)
        for parts, message in refine_all(error)
    ]


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
