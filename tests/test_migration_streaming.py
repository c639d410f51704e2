"""Piecewise parsing and checking of large SQL migrations gives the same result as the whole-file path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardians.migrations import analyze as analyze_mod
from guardians.migrations.analyze import analyze_text
from guardians.migrations.engine import Analysis, build_statements, run_rules
from guardians.migrations.lint import finding_json
from guardians.migrations.sql import SplitError, iter_sql, parse_sql
from guardians.migrations.statement import RawStatement
from guardians.rules.base import Finding, Severity

CORPUS = Path(__file__).parent / "migrations_corpus"

STATEMENTS = [
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS c{i} text",
    "CREATE TABLE t{i} (id serial PRIMARY KEY, at timestamp, label varchar(20))",
    "ALTER TABLE t{i} ADD COLUMN extra integer NOT NULL",
    "CREATE INDEX t{i}_idx ON t{i} (at)",
    "DROP TABLE t{i}",
    "CREATE TABLE t{i} (id int PRIMARY KEY)",
    "ALTER TABLE users DROP COLUMN c{i}",
    "UPDATE users SET c{i} = 'é;\n' WHERE id = {i}",
    "CREATE FUNCTION f{i}() RETURNS int AS $$\nBEGIN\n  RETURN {i};\nEND;\n$$ LANGUAGE plpgsql",
    "SELECT 1 -- trailing; comment\n + {i}",
    "/* block ;\n comment */ ALTER TABLE orders ALTER COLUMN c{i} SET NOT NULL",
    "DELETE FROM orders",
]


def big_sql(count: int, *, transactions: bool = False) -> str:
    parts = ["-- generated"]
    for i in range(count):
        if transactions and i % 40 == 0:
            parts.append("BEGIN;")
        parts.append(STATEMENTS[i % len(STATEMENTS)].format(i=i) + ";")
        if transactions and i % 40 == 39:
            parts.append("COMMIT;")
        if i == count // 2:
            parts.append("SET lock_timeout = '2s';")
    return "\n".join(parts) + "\n"


def raw_key(raw: RawStatement) -> tuple[object, ...]:
    return (raw.node_type, json.dumps(raw.node, sort_keys=True), raw.text, raw.line, raw.column)


def _strip_locations(node: object) -> object:
    """Offsets inside the tree are relative to the parsed text (the whole file or one piece)."""
    if isinstance(node, dict):
        return {k: _strip_locations(v) for k, v in node.items() if k != "location"}
    if isinstance(node, list):
        return [_strip_locations(v) for v in node]
    return node


def assert_same_statements(text: str, chunk_chars: int) -> int:
    whole = parse_sql(text)
    pieces = list(iter_sql(text, chunk_chars=chunk_chars))
    joined = [raw for piece in pieces for raw in piece]
    assert [(r.node_type, r.text, r.line, r.column) for r in joined] == [
        (r.node_type, r.text, r.line, r.column) for r in whole
    ]
    assert [_strip_locations(r.node) for r in joined] == [_strip_locations(r.node) for r in whole]
    return len(pieces)


@pytest.mark.parametrize("chunk_chars", [64, 500, 4096])
def test_pieces_equal_whole_parse(chunk_chars: int) -> None:
    assert assert_same_statements(big_sql(300), chunk_chars) > 1


def test_non_ascii_pieces_keep_positions() -> None:
    text = "".join(f"-- é{i}\nALTER TABLE «t» DROP COLUMN c{i}; SELECT 'ü;';\n" for i in range(300))
    assert assert_same_statements(text, 200) > 1


def test_cut_inside_a_body_moves_to_a_later_cut() -> None:
    body = "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n" + "  PERFORM 1;\n" * 20 + "END;\n$$ LANGUAGE plpgsql;\n"
    assert assert_same_statements((body + "ALTER TABLE a DROP COLUMN b;\n" * 10) * 10, 100) > 1


def test_cut_after_a_line_comment_with_semicolon_is_not_a_statement_end() -> None:
    # "SELECT 1 -- x;" parses alone, but its semicolon is in a comment
    assert assert_same_statements("SELECT 1 -- x;\n+ 2;\n" + "SELECT 3;\n" * 400, 10) > 1


def test_body_longer_than_the_retries_is_refused() -> None:
    body = "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n" + "  PERFORM 1;\n" * 400 + "END;\n$$ LANGUAGE plpgsql;\n"
    text = body + "ALTER TABLE a DROP COLUMN b;\n" * 50
    with pytest.raises(SplitError):
        list(iter_sql(text, chunk_chars=100))
    report = analyze_text(text, "m.sql", has_rollback=True)
    assert [f.line for f in report.findings if f.code == "MIG101"] == list(range(405, 455))


def test_syntax_error_in_a_large_file_falls_back_to_whole_file_reporting() -> None:
    text = big_sql(200) + "ALTER TABLE oops ADD COLUMN;\n" + big_sql(200)
    report = analyze_text(text, "m.sql")
    errors = [f for f in report.findings if f.code == "MIG900"]
    assert len(errors) == 1
    assert errors[0].line == text[: text.index("ALTER TABLE oops")].count("\n") + 1


@pytest.mark.parametrize("transactions", [False, True])
def test_streamed_analysis_equals_two_passes(transactions: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    text = big_sql(400, transactions=transactions)
    streamed = analyze_text(text, "m.sql", has_rollback=False)

    def whole(body: str, display_path: str, transactional: bool) -> tuple[Analysis, tuple[str, int] | None]:
        raws = parse_sql(body)
        analysis = Analysis(file=display_path, dialect="sql", transactional=transactional)
        analysis.feed(raws)
        return analysis, (raws[0].text, raws[0].line)

    monkeypatch.setattr(analyze_mod, "_feed_sql", whole)
    assert analyze_text(text, "m.sql", has_rollback=False) == streamed
    assert streamed.statements == len(parse_sql(text))


@pytest.mark.parametrize("transactional", [False, True])
def test_analysis_keeps_statement_order_of_run_rules(transactional: bool) -> None:
    text = big_sql(240, transactions=True)
    raws = parse_sql(text)
    expected = run_rules(build_statements(raws, file="m.sql", dialect="sql", transactional=transactional), "sql")
    analysis = Analysis(file="m.sql", dialect="sql", transactional=transactional)
    for start in range(0, len(raws), 7):
        analysis.feed(raws[start : start + 7])
    assert analysis.finish() == expected
    assert any(f.code == "MIG401" for f, _ in expected)
    assert any(f.code == "MIG402" for f, _ in expected)


def test_table_dropped_and_created_again_is_seen_per_statement() -> None:
    text = "\n".join(
        [
            "CREATE TABLE t (id bigint);",
            "ALTER TABLE t DROP COLUMN id;",  # new table: not reported
            "DROP TABLE t;",
            "ALTER TABLE t DROP COLUMN id;",  # existing table again: reported
            "CREATE TABLE t (id bigint);",
            "ALTER TABLE t DROP COLUMN id;",  # new again
        ]
    )
    report = analyze_text(text, "m.sql", has_rollback=True)
    assert [f.line for f in report.findings if f.code == "MIG101"] == [4]


def corpus_findings() -> list[Finding]:
    out: list[Finding] = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix in (".sql", ".py") and path.name != "__init__.py":
            out.extend(analyze_text(path.read_text(encoding="utf-8"), path.name).findings)
    return out


ODD_FINDINGS = [
    Finding("X1", "plain"),
    Finding("X2", 'quote " backslash \\ tab \t é 😀 \u2028', Severity.INFO, False, json_path="$.a", risk=0),
    Finding("X3", "m", Severity.CRITICAL, True, "f.sql", 0, None, None, "", None, "s", 7, {"rule": "r", "n": 1.5}),
    Finding("X4", "m", file="f", line=3, column=4, statement="x", suggestion="y", extra={"rule": None}),
    Finding("X5", "m", extra={"other": [1, True, None]}),
]


@pytest.mark.parametrize("finding", corpus_findings() + ODD_FINDINGS)
def test_finding_json_equals_json_dumps(finding: Finding) -> None:
    assert finding_json(finding) == json.dumps(finding.to_dict(), ensure_ascii=False)
