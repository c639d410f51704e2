"""Reporters of ``guardians lint-migrations``: a migration report as text or JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import IO, Any, TypeVar

from guardians.migrations.analyze import MigrationReport
from guardians.rules.base import Finding, Severity


def write_json(report: MigrationReport, out: IO[str]) -> None:
    """One JSON document; one finding per line, written in batches.

    Findings are encoded by :func:`finding_json`, which produces exactly what
    ``json.dumps(finding.to_dict(), ensure_ascii=False)`` would, several times
    faster (reports of thousands of findings are common on large files).
    """
    dumps = json.dumps
    out.write(
        "{\n"
        f'  "risk": {dumps(report.risk)},\n'
        f'  "destructive": {dumps(report.destructive)},\n'
        f'  "summary": {dumps(report.summary())},\n'
        '  "findings": '
    )
    _write_list(out, report.findings(), _FindingEncoder().encode)
    out.write(',\n  "suppressed": ')
    _write_list(out, report.suppressed(), lambda s: dumps(s.to_dict(), ensure_ascii=False))
    out.write("\n}\n")


_T = TypeVar("_T")
_BATCH = 512


def _write_list(out: IO[str], items: Sequence[_T], encode: Callable[[_T], str]) -> None:
    """A JSON array, one item per line (in batches: no single huge string)."""
    if not items:
        out.write("[]")
        return
    out.write("[\n    ")
    for start in range(0, len(items), _BATCH):
        batch = ",\n    ".join([encode(item) for item in items[start : start + _BATCH]])
        out.write(batch if start == 0 else ",\n    " + batch)
    out.write("\n  ]")


def finding_json(finding: Finding) -> str:
    """``json.dumps(finding.to_dict(), ensure_ascii=False)``, computed faster."""
    return _FindingEncoder().encode(finding)


#: A finding whose fields are read without their declared types. The reports must
#: give what ``json.dumps(finding.to_dict())`` gives for fields of any type, and this
#: module may run compiled (tools/compile.py), where reading a field declared ``bool``
#: that holds an ``int`` would raise instead.
_Untyped = Any


class _FindingEncoder:
    """Encodes :class:`Finding` objects field by field with the C string encoder.

    Field order and presence follow :meth:`Finding.to_dict`; values of
    unexpected types (and any ``extra`` other than ``{"rule": name}``) go
    through ``json.dumps``, so the output never differs from it. Strings that
    repeat across findings (file, suggestion, rule name) are encoded once.
    """

    __slots__ = ("_cache", "_rules")

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        #: (code, severity, blocking, suggestion, risk, rule) -> the encoded text around the
        #: fields that change from finding to finding (they are the same for every finding of a rule)
        self._rules: dict[tuple[object, ...], tuple[str, str, str, str] | tuple[()]] = {}

    def _repeated(self, value: str) -> str:
        encoded = self._cache.get(value)
        if encoded is None:
            encoded = self._cache[value] = _encode_str(value)
        return encoded

    def encode(self, f: _Untyped) -> str:
        message, file, line, column, statement, subject = f.message, f.file, f.line, f.column, f.statement, f.subject
        if (
            type(message) is str
            and type(file) is str
            and type(line) is int
            and type(column) is int
            and type(statement) is str
            and (subject is None or type(subject) is str)
            and f.json_path is None
            and type(f.severity) is Severity
            and type(f.blocking) is bool
            and type(f.risk) is int
        ):
            # the shape every migration finding has: one format, the rule's own parts encoded once
            # (the types of its strings are checked once per rule, in _rule_parts)
            extra = f.extra
            rule = extra.get("rule") if type(extra) is dict and len(extra) == 1 else None
            parts = None
            if type(rule) is str or extra == {}:
                key = (f.code, f.severity, f.blocking, f.suggestion, f.risk, rule)
                parts = self._rules.get(key)
                if parts is None:
                    parts = self._rules[key] = self._rule_parts(f, rule)
            if parts:
                before, middle, suggested, tail = parts
                about = "" if subject is None else ', "subject": ' + _encode_str(subject)
                return (
                    f'{before}{_encode_str(message)}{middle}{self._repeated(file)}, "line": {_int_repr(line)}, '
                    f'"column": {_int_repr(column)}, "statement": {_encode_str(statement)}{suggested}{about}{tail}'
                )
        return self._head(f) + self._tail(f)

    @staticmethod
    def _rule_parts(f: _Untyped, rule: str | None) -> tuple[str, str, str, str] | tuple[()]:
        """(before message, between message and file, suggestion, after subject) of a rule's findings.

        Empty (every finding of the key goes the general way) when one of its strings is not a
        ``str``. A value equal to a ``str`` key is a ``str`` subclass, which encodes the same.
        """
        if type(f.code) is not str or (f.suggestion is not None and type(f.suggestion) is not str):
            return ()
        severity = _SEVERITY_JSON[f.severity]
        before = '{"code": ' + _encode_str(f.code) + ', "message": '
        middle = f', "severity": {severity}, "blocking": {"true" if f.blocking else "false"}, "file": '
        suggested = "" if f.suggestion is None else ', "suggestion": ' + _encode_str(f.suggestion)
        risk = f', "risk": {int.__repr__(f.risk)}' if f.risk else ""
        tail = risk + ("" if rule is None else ', "extra": {"rule": ' + _encode_str(rule) + "}") + "}"
        return before, middle, suggested, tail

    def _tail(self, f: _Untyped) -> str:
        """``suggestion`` to ``extra``, and the closing brace."""
        parts = []
        suggestion = f.suggestion
        if suggestion is not None:
            parts.append(', "suggestion": ')
            parts.append(self._repeated(suggestion) if type(suggestion) is str else _value(suggestion))
        if f.subject is not None:
            parts.append(', "subject": ')
            parts.append(_value(f.subject))
        if f.risk:
            parts.append(', "risk": ')
            parts.append(_value(f.risk))
        extra = f.extra
        if extra:
            parts.append(', "extra": ')
            rule = extra.get("rule") if len(extra) == 1 else None
            if type(rule) is str:
                parts.append('{"rule": ' + self._repeated(rule) + "}")
            else:
                parts.append(json.dumps(extra, ensure_ascii=False))
        parts.append("}")
        return "".join(parts)

    def _head(self, f: _Untyped) -> str:
        """``code`` to ``statement``, any types (the general case)."""
        parts = [
            '{"code": ',
            _value(f.code),
            ', "message": ',
            _value(f.message),
            ', "severity": ',
            _SEVERITY_JSON[f.severity] if type(f.severity) is Severity else _value(str(f.severity)),
            ', "blocking": ',
            _value(f.blocking),
        ]
        for key, value in (
            ("file", f.file),
            ("line", f.line),
            ("column", f.column),
            ("json_path", f.json_path),
            ("statement", f.statement),
        ):
            if value is not None:
                parts.append(_KEY_PREFIX[key])
                parts.append(_value(value))
        return "".join(parts)


def _value(value: object) -> str:
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is int:
        return int.__repr__(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    return json.dumps(value, ensure_ascii=False)


_encode_str: Callable[[object], str] = json.encoder.encode_basestring  # type: ignore[assignment]
_int_repr = int.__repr__
_SEVERITY_JSON = {sev: json.dumps(str(sev)) for sev in Severity}
_SEVERITY_TEXT = {sev: str(sev) for sev in Severity}
_KEY_PREFIX = {key: f", {json.dumps(key)}: " for key in ("file", "line", "column", "json_path", "statement")}


def write_text(report: MigrationReport, out: IO[str], threshold: Severity) -> None:
    findings = report.findings()
    out.write("".join([_format(f) for f in findings]))
    for s in report.suppressed():
        out.write(f"{s.file}:{s.line}: {s.code} suppressed ({s.source}): {s.reason}\n")
    by_severity = Counter(map(_SEVERITY, findings))  # counted in C, in first-seen order
    counts: dict[str, int] = {}
    for severity, count in by_severity.items():
        sev = _severity_text(severity)
        counts[sev] = counts.get(sev, 0) + count
    detail = ", ".join(f"{n} {sev}" for sev, n in sorted(counts.items(), key=lambda kv: -Severity.parse(kv[0])))
    failing = sum(count for severity, count in by_severity.items() if severity >= threshold)
    statements = sum(r.statements for r in report.files)
    out.write(
        f"{len(findings)} finding(s){f' ({detail})' if detail else ''}, {len(report.suppressed())} suppressed, "
        f"in {len(report.files)} file(s) / {statements} statement(s); risk: {report.risk}; "
        f"{failing} at or above {threshold}\n"
    )


def _format(f: _Untyped) -> str:
    # one f-string: the optional lines are empty parts rather than concatenations (runs per finding)
    statement, suggestion, severity = f.statement, f.suggestion, f.severity
    return (
        f"{f.file}:{f.line or 1}:{f.column or 1}: {f.code} [{_SEVERITY_TEXT.get(severity) or str(severity)}] "
        f"{f.message}\n{_INDENT if statement else ''}{statement if statement else ''}{_NL if statement else ''}"
        f"{_FIX if suggestion else ''}{suggestion if suggestion else ''}{_NL if suggestion else ''}"
    )


_INDENT, _FIX, _NL = "    ", "    fix: ", "\n"
_SEVERITY = attrgetter("severity")


def _severity_text(severity: Severity) -> str:
    return _SEVERITY_TEXT.get(severity) or str(severity)
