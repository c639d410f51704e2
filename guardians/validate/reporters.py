"""Output formats of ``guardians validate``: one small class per format.

A reporter receives one :class:`EpicReport` at a time (``epic``) and the
totals at the end (``finish``). ``text`` and ``github`` stream; ``json``,
``junit``, ``sarif`` and ``gitlab`` are single documents written at the end.

``guardians lint-migrations`` reuses the CI formats: it adapts its findings
into :class:`Problem` objects (with an empty JSON path) and sets ``tool`` and
``catalog`` (code -> title, fix) on the reporter.
"""

from __future__ import annotations

import json
import re
from typing import IO, TYPE_CHECKING, Any

from guardians import __version__

if TYPE_CHECKING:
    from guardians.validate.result import EpicReport, Problem, Summary

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# Characters XML 1.0 cannot carry; compiled on first use (the class is large, and
# only the JUnit reporter needs it).
_XML_BAD = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _position(p: Problem) -> str:
    pos = p.file
    if p.line is not None:
        pos += f":{p.line}"
        if p.column is not None:
            pos += f":{p.column}"
    return pos


def _checked(s: Summary) -> str:
    text = _plural(s.files, "file")
    if s.log_lines:
        text += f" ({_plural(s.log_lines, 'log line')})"
    if s.epics:
        text += f" in {_plural(s.epics, 'epic')}"
    return text


def _at(p: Problem) -> str:
    """`` at $.path`` for problems inside a document; nothing for whole-file findings."""
    return f" at {p.json_path}" if p.json_path else ""


class Reporter:
    #: Command named in headings and documents.
    tool = "guardians validate"

    def __init__(self, out: IO[str], color: bool | None = None) -> None:
        self.out = out
        self.color = color
        #: code -> (title, fix) for codes outside validate's own table (SARIF rule metadata).
        self.catalog: dict[str, tuple[str, str]] = {}

    def epic(self, report: EpicReport) -> None:
        """Called once per epic, in order."""

    def finish(self, summary: Summary) -> None:
        """Called once, after the last epic."""


class TextReporter(Reporter):
    """``path:line:col: error CODE [keyword] message at $.path`` then the fix; colored on a TTY."""

    def _echo(self, text: str) -> None:
        import click

        click.echo(text, file=self.out, color=self.color)

    def _style(self, text: str, **kw: Any) -> str:
        import click

        return click.style(text, **kw)

    def epic(self, report: EpicReport) -> None:
        for p in report.problems:
            level = self._style(p.severity, fg="red" if p.severity == "error" else "yellow", bold=True)
            head = f"{self._style(_position(p), bold=True)}: {level} {self._style(p.code, fg='cyan')}"
            self._echo(f"{head} [{p.rule}] {p.message} at {p.json_path}")
            self._echo(f"    fix: {p.fix}")
        if report.problems and report.name.startswith("epic_"):
            self._echo(self._style(epic_summary(report), bold=True))
        for note in report.notes:
            self._echo(f"{report.name}: note: {note}")

    def finish(self, summary: Summary) -> None:
        if summary.errors or summary.warnings:
            counts = [_plural(summary.errors, "error")]
            if summary.warnings:
                counts.append(_plural(summary.warnings, "warning"))
            mark = self._style("FAIL" if summary.errors else "OK", fg="red" if summary.errors else "yellow", bold=True)
            self._echo(
                f"{mark} {', '.join(counts)} in {_plural(summary.files_with_problems, 'file')}; "
                f"checked {_checked(summary)}"
            )
        else:
            self._echo(f"{self._style('OK', fg='green', bold=True)} checked {_checked(summary)}: no problems")


def epic_summary(report: EpicReport) -> str:
    """``epic_5: 30 errors, 2 warnings in 3 files (VAL001 x27, VAL002 x3, VAL004 x2)``."""
    from collections import Counter

    errors = sum(1 for p in report.problems if p.severity == "error")
    warnings = len(report.problems) - errors
    counts = [_plural(errors, "error")] + ([_plural(warnings, "warning")] if warnings else [])
    codes = Counter(p.code for p in report.problems)
    top = ", ".join(f"{code} x{n}" for code, n in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))[:6])
    files = len({p.file for p in report.problems})
    return f"{report.name}: {', '.join(counts)} in {_plural(files, 'file')} ({top})"


class StatisticsReporter(Reporter):
    """``--statistics``: one line per code with its count, most frequent first (as ruff does)."""

    def __init__(self, out: IO[str], color: bool | None = None, fmt: str = "text") -> None:
        super().__init__(out, color)
        from collections import Counter

        self.fmt = fmt
        self.counts: Counter[tuple[str, str]] = Counter()

    def epic(self, report: EpicReport) -> None:
        for p in report.problems:
            self.counts[(p.code, p.severity)] += 1

    def finish(self, summary: Summary) -> None:
        from guardians.validate.codes import CODES

        rows = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if self.fmt == "json":
            doc = [
                {"code": code, "severity": sev, "count": n, "title": CODES.get(code, (code, ""))[0]}
                for (code, sev), n in rows
            ]
            self.out.write(json.dumps(doc, indent=2) + "\n")
            return
        width = max((len(f"{n:,}") for _, n in rows), default=1)
        for (code, sev), n in rows:
            self.out.write(f"{n:>{width},}  {code}  {sev:<7}  {CODES.get(code, (code, ''))[0]}\n")
        total = sum(self.counts.values())
        self.out.write(
            f"{'-' * width}\n{total:>{width},}  total in {_plural(summary.files_with_problems, 'file')}; "
            f"checked {_checked(summary)}\n"
        )


class JsonReporter(Reporter):
    """One JSON object: ``{"valid", "summary", "problems": [...]}``."""

    def __init__(self, out: IO[str], color: bool | None = None) -> None:
        super().__init__(out, color)
        self.problems: list[dict[str, Any]] = []
        self.notes: list[dict[str, str]] = []

    def epic(self, report: EpicReport) -> None:
        self.notes.extend({"epic": report.name, "note": note} for note in report.notes)
        for p in report.problems:
            self.problems.append(
                {
                    "file": p.file,
                    "line": p.line,
                    "column": p.column,
                    "json_path": p.json_path,
                    "code": p.code,
                    "rule": p.rule,
                    "severity": p.severity,
                    "message": p.message,
                    "fix": p.fix,
                    "epic": report.name if report.name.startswith("epic_") else None,
                }
            )

    def finish(self, summary: Summary) -> None:
        doc = {
            "valid": summary.errors == 0,
            "summary": {
                "epics": summary.epics,
                "files": summary.files,
                "log_lines": summary.log_lines,
                "errors": summary.errors,
                "warnings": summary.warnings,
            },
            "problems": self.problems,
            "notes": self.notes,
        }
        self.out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    """GitHub Actions workflow commands: ``::error file=F,line=L,col=C,title=CODE::message``."""

    def epic(self, report: EpicReport) -> None:
        for p in report.problems:
            props = [f"file={_gh_prop(p.file)}"]
            if p.line is not None:
                props.append(f"line={p.line}")
                if p.column is not None:
                    props.append(f"col={p.column}")
            title = self.catalog[p.code][0] if p.code in self.catalog else p.title
            props.append(f"title={_gh_prop(f'{p.code} {title}')}")
            message = f"{p.message}{_at(p)}. Fix: {p.fix}"
            level = "error" if p.severity == "error" else "warning"
            self.out.write(f"::{level} {','.join(props)}::{_gh_data(message)}\n")

    def finish(self, summary: Summary) -> None:
        status = "problems found" if summary.errors else "no problems"
        self.out.write(
            f"{self.tool}: {_plural(summary.errors, 'error')}, {_plural(summary.warnings, 'warning')}; "
            f"checked {_checked(summary)}: {status}\n"
        )


def _xml(text: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(re.sub(_XML_BAD, "\ufffd", text))


def _xml_text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(re.sub(_XML_BAD, "\ufffd", text))


class JunitReporter(Reporter):
    """JUnit XML: one testsuite per epic, one testcase per file, one failure per problem."""

    def __init__(self, out: IO[str], color: bool | None = None) -> None:
        super().__init__(out, color)
        self.suites: list[str] = []

    def epic(self, report: EpicReport) -> None:
        by_file: dict[str, list[Problem]] = {}
        for p in report.problems:
            by_file.setdefault(p.file, []).append(p)
        names = list(dict.fromkeys([*report.files, *by_file]))
        failing = sum(1 for n in names if any(p.severity == "error" for p in by_file.get(n, [])))
        cases = []
        for name in names:
            body = "".join(
                f"<failure type={_xml(p.code)} message={_xml(p.message)}>"
                f"{_xml_text(f'{_position(p)}{_at(p)}: [{p.rule}] {p.message}. Fix: {p.fix}')}</failure>"
                if p.severity == "error"
                else f"<system-out>{_xml_text(f'warning {p.code} {_position(p)}: {p.message}. Fix: {p.fix}')}"
                f"</system-out>"
                for p in by_file.get(name, [])
            )
            cases.append(f'<testcase name={_xml(name)} classname={_xml(report.name)} time="0">{body}</testcase>')
        self.suites.append(
            f'<testsuite name={_xml(report.name)} tests="{len(names)}" failures="{failing}" errors="0" '
            f'skipped="0">{"".join(cases)}</testsuite>'
        )

    def finish(self, summary: Summary) -> None:
        tests = summary.files
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.out.write(
            f'<testsuites name="{self.tool}" tests="{tests}" failures="{summary.files_with_problems}" errors="0">\n'
        )
        for suite in self.suites:
            self.out.write(suite + "\n")
        self.out.write("</testsuites>\n")


class SarifReporter(Reporter):
    """SARIF 2.1.0: one run, one rule per code, one result per problem."""

    def __init__(self, out: IO[str], color: bool | None = None) -> None:
        super().__init__(out, color)
        self.results: list[dict[str, Any]] = []
        self.rule_index: dict[str, int] = {}

    def _rule(self, code: str) -> int:
        if code not in self.rule_index:
            self.rule_index[code] = len(self.rule_index)
        return self.rule_index[code]

    def epic(self, report: EpicReport) -> None:
        for p in report.problems:
            physical: dict[str, Any] = {"artifactLocation": {"uri": p.file}}
            if p.line is not None:
                physical["region"] = {"startLine": p.line}
                if p.column is not None:
                    physical["region"]["startColumn"] = p.column
            location: dict[str, Any] = {"physicalLocation": physical}
            if p.json_path:
                location["logicalLocations"] = [{"fullyQualifiedName": p.json_path, "kind": "member"}]
            self.results.append(
                {
                    "ruleId": p.code,
                    "ruleIndex": self._rule(p.code),
                    "level": "error" if p.severity == "error" else "warning",
                    "message": {"text": f"{p.message}{_at(p)}. Fix: {p.fix}"},
                    "locations": [location],
                    "properties": {"keyword": p.rule, "jsonPath": p.json_path, "fix": p.fix},
                }
            )

    def finish(self, summary: Summary) -> None:
        from guardians.validate.codes import CODES

        rules = []
        for code in self.rule_index:
            title, fix = CODES.get(code) or self.catalog.get(code) or (code, "")
            rules.append(
                {
                    "id": code,
                    "name": "".join(w.capitalize() for w in re.split(r"[^A-Za-z0-9]+", title) if w),
                    "shortDescription": {"text": title},
                    "fullDescription": {"text": f"{title}. {fix}"},
                    "help": {"text": fix},
                    "defaultConfiguration": {"level": "warning" if code == "VAL151" else "error"},
                }
            )
        doc = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "guardians",
                            "version": __version__,
                            "rules": rules,
                        }
                    },
                    "invocations": [{"executionSuccessful": True}],
                    "columnKind": "unicodeCodePoints",
                    "results": self.results,
                    "properties": {"files": summary.files, "logLines": summary.log_lines, "epics": summary.epics},
                }
            ],
        }
        self.out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


class GitlabReporter(Reporter):
    """GitLab Code Quality: a JSON array of issues with a stable fingerprint each."""

    def __init__(self, out: IO[str], color: bool | None = None) -> None:
        super().__init__(out, color)
        self.issues: list[dict[str, Any]] = []
        self._seen: dict[str, int] = {}

    def epic(self, report: EpicReport) -> None:
        import hashlib

        for p in report.problems:
            # stable across runs and line shifts; a repeat of the same problem gets its own print
            key = "\0".join((p.file, p.code, p.json_path, p.message))
            count = self._seen[key] = self._seen.get(key, 0) + 1
            digest = hashlib.sha256(f"{key}\0{count}".encode()).hexdigest()
            self.issues.append(
                {
                    "type": "issue",
                    "check_name": p.code,
                    "description": f"{p.code} {p.message}{_at(p)}",
                    "content": {"body": f"Fix: {p.fix}"},
                    "categories": ["Bug Risk"],
                    "severity": "major" if p.severity == "error" else "minor",
                    "fingerprint": digest,
                    "location": {"path": p.file, "lines": {"begin": p.line or 1}},
                }
            )

    def finish(self, summary: Summary) -> None:
        self.out.write(json.dumps(self.issues, indent=2, ensure_ascii=False) + "\n")


REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "github": GithubReporter,
    "junit": JunitReporter,
    "sarif": SarifReporter,
    "gitlab": GitlabReporter,
}


def make_reporter(fmt: str, out: IO[str], *, color: bool | None = None, statistics: bool = False) -> Reporter:
    if statistics:
        return StatisticsReporter(out, color, fmt)
    return REPORTERS[fmt](out, color)
