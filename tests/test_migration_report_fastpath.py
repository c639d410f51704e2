"""The quick paths from findings to report give what the plain code gives: file order, rollback
files, clause positions, finding order and duplicates, and both reporters."""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from guardians.migrations.analyze import _dedupe, _in_order, analyze_paths, discover
from guardians.migrations.lint import write_json, write_text
from guardians.rules.base import Finding, Severity
from guardians.rules.migration import _ASCII_CLAUSES, _CLAUSES, _clause_start

ADD = "ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;\n"


def test_discover_orders_files_of_nested_folders_by_path_parts(tmp_path: Path) -> None:
    for name in ("c.sql", "a.sql", "b/z.sql", "b/a.sql", "b-c.sql", "B.sql"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(ADD)
    found = discover([tmp_path])
    assert found == sorted(found, key=lambda p: p.parts)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "B.sql", "a.sql", "b/a.sql", "b/z.sql", "b-c.sql", "c.sql",
    ]  # fmt: skip


def test_discover_orders_one_folder_by_name(tmp_path: Path) -> None:
    names = ["10_b.sql", "2_a.sql", "1_c.sql", "Z.sql", "_x.sql"]
    for name in names:
        (tmp_path / name).write_text(ADD)
    assert [p.name for p in discover([tmp_path])] == sorted(names)


def test_rollback_must_be_a_file_and_may_be_a_symlink_to_one(tmp_path: Path) -> None:
    (tmp_path / "1_dir.sql").write_text(ADD)
    (tmp_path / "1_dir.down.sql").mkdir()  # a folder named like a rollback rolls nothing back
    (tmp_path / "2_link.sql").write_text(ADD)
    (tmp_path / "real_down.txt").write_text("SELECT 1;\n")
    os.symlink(tmp_path / "real_down.txt", tmp_path / "2_link.down.sql")
    (tmp_path / "3_broken.sql").write_text(ADD)
    os.symlink(tmp_path / "missing.sql", tmp_path / "3_broken.down.sql")
    (tmp_path / "4_sub.sql").write_text(ADD)
    (tmp_path / "down").mkdir()
    (tmp_path / "down" / "4_sub.sql").write_text("SELECT 1;\n")
    report = analyze_paths([tmp_path], display_root=tmp_path, jobs=1)
    codes = {r.path: {f.code for f in r.findings} for r in report.files}
    assert "MIG403" in codes["1_dir.sql"]
    assert "MIG403" not in codes["2_link.sql"]
    assert "MIG403" in codes["3_broken.sql"]
    assert "MIG403" not in codes["4_sub.sql"]


@pytest.mark.parametrize(
    "text",
    [
        "ALTER TABLE t DROP COLUMN c",
        'alter table t drop column if exists "Odd""Name"',
        "ALTER TABLE t DROP\x1cCOLUMN\x1fc",  # separators str.isspace() accepts
        "ALTER TABLE t DROP\x85COLUMN c",  # not ASCII: the Unicode patterns
        "ALTER TABLE t ALTER COLUMN\tc\nSET DATA TYPE int",
        "ALTER TABLE t ALTER c SET NOT NULL, ALTER d DROP NOT NULL, ALTER e DROP DEFAULT",
        "ALTER TABLE t ADD CONSTRAINT k CHECK (x) NOT VALID, RENAME COLUMN a TO b",
        "ALTER TABLE t ADD COLUMN \u212a int",  # Kelvin sign: folds to k only in Unicode mode
        "xdrop drop column c; DROP_COLUMN c",
    ],
)
def test_ascii_clause_patterns_find_what_the_unicode_ones_find(text: str) -> None:
    for kind, pattern in _CLAUSES.items():
        expected = [(m.start(), m.group("id")) for m in pattern.finditer(text)]
        if text.isascii():
            assert [(m.start(), m.group("id")) for m in _ASCII_CLAUSES[kind].finditer(text)] == expected
        for _start, ident in expected:
            name = ident[1:-1].replace('""', '"') if ident.startswith('"') else ident.lower()
            if kind == "keyword":
                name = ident.upper()
            assert _clause_start(text, kind, name) == next(s for s, i in expected if i == ident)


def _finding(code: str, line: int | None, column: int | None, message: str = "m") -> Finding:
    return Finding(code, message, file="f.sql", line=line, column=column)


def test_findings_order_treats_a_missing_line_or_column_as_zero() -> None:
    findings = [
        _finding("MIG2", 3, 1),
        _finding("MIG1", None, 4),
        _finding("MIG1", 0, 2),
        _finding("MIG3", 3, None),
        _finding("MIG1", 3, 0, "second"),
        _finding("MIG1", 3, 0, "first"),
    ]
    reference = sorted(findings, key=lambda f: (f.line or 0, f.column or 0, f.code))
    assert _in_order(list(findings)) == reference
    ordered = _in_order(list(findings))
    assert [(f.code, f.message) for f in ordered][2:4] == [("MIG1", "second"), ("MIG1", "first")]  # stable
    without_none = [f for f in findings if f.line is not None and f.column is not None]
    assert _in_order(without_none) == sorted(without_none, key=lambda f: (f.line, f.column, f.code))


def test_dedupe_keeps_the_first_of_each_code_line_and_message() -> None:
    a, b, c = _finding("MIG1", 1, 1), _finding("MIG1", 1, 9), _finding("MIG1", 2, 1)
    assert _dedupe([a, b, c]) == [a, c] and _dedupe([a, b, c])[0] is a
    assert _dedupe([a, c]) == [a, c]


def test_reports_of_unusual_findings_match_the_plain_encoding(tmp_path: Path) -> None:
    (tmp_path / "1.sql").write_text("ALTER TABLE t DROP COLUMN c;\nALTER TABLE t ALTER COLUMN d TYPE int;\n")
    report = analyze_paths([tmp_path], display_root=tmp_path, jobs=1)
    first = report.files[0].findings[0]
    odd = [
        first,
        Finding(first.code, first.message, severity=30, blocking=first.blocking, file=first.file,  # type: ignore[arg-type]
                line=first.line, column=first.column, statement=first.statement, suggestion=first.suggestion,
                subject=first.subject, risk=first.risk, extra=dict(first.extra)),
        Finding(first.code, "x", severity=first.severity, blocking=1, file="f", line=1, column=1,  # type: ignore[arg-type]
                statement="s", suggestion=first.suggestion, risk=first.risk, extra=dict(first.extra)),
        Finding(first.code, "x", severity=first.severity, blocking=first.blocking, file="f", line=1, column=1,
                statement="s", suggestion=first.suggestion, risk=first.risk, extra={"other": 1}),
    ]  # fmt: skip
    files = (replace(report.files[0], findings=tuple(odd)),)
    odd_report = replace(report, files=files)
    out = io.StringIO()
    write_json(odd_report, out)
    assert json.loads(out.getvalue())["findings"] == [f.to_dict() for f in odd]
    lines = out.getvalue().splitlines()
    start = lines.index('  "findings": [') + 1
    for f, line in zip(odd, lines[start : start + len(odd)], strict=True):
        assert line.strip().rstrip(",") == json.dumps(f.to_dict(), ensure_ascii=False)
    text = io.StringIO()
    write_text(odd_report, text, Severity.ERROR)
    lines = text.getvalue().splitlines(keepends=True)
    assert "".join(lines[:-1]) == "".join(_plain_text(f) for f in odd)
    assert lines[-1].startswith("4 finding(s) (1 error, 3 warning), 0 suppressed")  # the int 30 counts as error
    assert lines[-1].endswith("; 1 at or above error\n")


def _plain_text(f: Finding) -> str:
    """A finding as the text reporter wrote it before it was one f-string."""
    severity = {sev: str(sev) for sev in Severity}.get(f.severity) or str(f.severity)
    text = f"{f.file}:{f.line or 1}:{f.column or 1}: {f.code} [{severity}] {f.message}\n"
    if f.statement:
        text += f"    {f.statement}\n"
    if f.suggestion:
        text += f"    fix: {f.suggestion}\n"
    return text
