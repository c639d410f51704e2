"""Inline suppressions (``guardians: ignore CODE reason``) and approval waivers.

Syntax, in a comment on the statement's first line or on the line just
before it (a line holding only the comment)::

    -- guardians: ignore MIG101 column unused since release 42      (SQL)
    # guardians: ignore MIG101,MIG401 reason                         (Python)

A reason is mandatory. A directive without codes or reason suppresses
nothing and becomes a MIG901 finding. Suppressed findings are kept, as
:class:`Suppressed` entries, so reviews and the decision log record them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from guardians.migrations.statement import BAD_SUPPRESSION, RawStatement, preview
from guardians.rules.base import Finding

_SQL_DIRECTIVE = re.compile(r"--\s*guardians\s*:\s*ignore\b([^\n]*)", re.IGNORECASE)
_PY_DIRECTIVE = re.compile(r"(?:#|--)\s*guardians\s*:\s*ignore\b([^\n]*)", re.IGNORECASE)
_CODES = re.compile(r"^\s*[:=]?\s*([A-Za-z]{2,6}\d{3}(?:\s*,\s*[A-Za-z]{2,6}\d{3})*)(.*)$")
_REASON_STRIP = " \t-:—–=\"'*/"


@dataclass(frozen=True)
class Directive:
    line: int
    codes: frozenset[str]
    reason: str
    #: The comment is alone on its line, so it may apply to the next line.
    standalone: bool


@dataclass(frozen=True)
class Suppressed:
    """A finding that was waived, and why."""

    code: str
    file: str | None
    line: int | None
    reason: str
    source: str  # "inline" | "approval"
    message: str = ""
    severity: str = ""
    blocking: bool = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "reason": self.reason, "source": self.source}
        if self.file is not None:
            out["file"] = self.file
        if self.line is not None:
            out["line"] = self.line
        if self.message:
            out["message"] = self.message
        if self.severity:
            out["severity"] = self.severity
        return out


def parse_directives(text: str, *, python: bool) -> tuple[list[Directive], list[RawStatement]]:
    """Find directives; malformed ones come back as MIG901 statements."""
    if "guardians" not in text.lower():
        return [], []
    pattern = _PY_DIRECTIVE if python else _SQL_DIRECTIVE
    good: list[Directive] = []
    bad: list[RawStatement] = []
    line = 1
    last = 0
    for m in pattern.finditer(text):
        line += text.count("\n", last, m.start())
        last = m.start()
        line_start = text.rfind("\n", 0, m.start()) + 1
        standalone = not text[line_start : m.start()].strip()
        column = m.start() - line_start + 1
        rest = m.group(1)
        parsed = _CODES.match(rest)
        comment = m.group(0).strip()
        if parsed is None:
            bad.append(
                _bad(
                    comment,
                    line,
                    column,
                    "suppression names no rule code (write: guardians: ignore MIG101 <reason>)",
                )
            )
            continue
        codes = frozenset(code.strip().upper() for code in parsed.group(1).split(","))
        reason = parsed.group(2).strip().strip(_REASON_STRIP).strip()
        if not any(ch.isalnum() for ch in reason):
            bad.append(
                _bad(
                    comment,
                    line,
                    column,
                    f"suppression of {', '.join(sorted(codes))} has no reason: it is ignored",
                )
            )
            continue
        good.append(Directive(line, codes, reason, standalone))
    return good, bad


def _bad(comment: str, line: int, column: int, message: str) -> RawStatement:
    return RawStatement(BAD_SUPPRESSION, {"message": message}, comment, line, column)


def apply_suppressions(
    findings: Iterable[tuple[Finding, int | None]],
    directives: list[Directive],
    approvals: Mapping[str, str],
    *,
    unsuppressible: frozenset[str],
) -> tuple[list[Finding], list[Suppressed]]:
    """Split findings into kept and suppressed (inline first, then approval)."""
    by_line: dict[int, list[Directive]] = {}
    for d in directives:
        by_line.setdefault(d.line, []).append(d)
    approvals_upper = {code.strip().upper(): reason for code, reason in approvals.items()}
    if not by_line and not approvals_upper:
        return [finding for finding, _anchor in findings], []
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    for finding, anchor in findings:
        if finding.code in unsuppressible:
            kept.append(finding)
            continue
        directive = _match(finding, anchor, by_line) if by_line else None
        if directive is not None:
            suppressed.append(_suppressed(finding, directive.reason, "inline"))
            continue
        reason = approvals_upper.get(finding.code)
        if reason is not None and reason.strip():
            suppressed.append(_suppressed(finding, reason.strip(), "approval"))
            continue
        kept.append(finding)
    return kept, suppressed


def _match(finding: Finding, anchor: int | None, by_line: dict[int, list[Directive]]) -> Directive | None:
    lines = [finding.line] if finding.line is not None else []
    if anchor is not None and anchor != finding.line:
        lines.append(anchor)
    for line in lines:
        for d in by_line.get(line, ()):
            if finding.code in d.codes:
                return d
        for d in by_line.get(line - 1, ()):
            if d.standalone and finding.code in d.codes:
                return d
    return None


def _suppressed(finding: Finding, reason: str, source: str) -> Suppressed:
    return Suppressed(
        finding.code,
        finding.file,
        finding.line,
        preview(reason),
        source,
        finding.message,
        str(finding.severity),
        finding.blocking,
    )
