"""Migration engine and ``guardians lint-migrations``, through the public API."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from guardians.migrations.analyze import (
    analyze_paths,
    analyze_text,
    classify_risk,
    detect_kind,
    is_destructive,
)
from guardians.rules.base import Finding, Severity

CORPUS = Path(__file__).parent / "migrations_corpus"


def codes(report) -> list[str]:
    return [f.code for f in report.findings]


def by_code(report, code: str) -> list[Finding]:
    return [f for f in report.findings if f.code == code]


# --------------------------------------------------------------------------- positions


def test_line_numbers_in_multi_statement_file() -> None:
    text = (
        "-- header comment\n"
        "SET lock_timeout = '5s';\n"
        "\n"
        "/* block\n   comment */\n"
        "ALTER TABLE users\n"
        "    DROP COLUMN nickname;\n"
        "CREATE INDEX i ON users (email);  ALTER TABLE users RENAME TO people;\n"
    )
    report = analyze_text(text, "m.sql", has_rollback=True)
    drop = by_code(report, "MIG101")[0]
    assert (drop.line, drop.column) == (7, 5)  # the DROP COLUMN clause, not the statement start
    assert drop.statement == "ALTER TABLE users DROP COLUMN nickname"
    assert by_code(report, "MIG204")[0].line == 8
    rename = by_code(report, "MIG108")[0]
    assert (rename.line, rename.column) == (8, 35)
    for f in report.findings:
        assert f.file == "m.sql" and f.suggestion and f.statement


def test_positions_with_non_ascii_text() -> None:
    text = "COMMENT ON TABLE t IS 'Überblick – état';\nALTER TABLE \"naïve\" DROP COLUMN ç;\n"
    report = analyze_text(text, "m.sql", has_rollback=True)
    drop = by_code(report, "MIG101")[0]
    assert drop.line == 2
    assert "naïve" in drop.message and drop.statement == 'ALTER TABLE "naïve" DROP COLUMN ç'


def test_statement_is_truncated() -> None:
    cols = ", ".join(f"column_number_{i} text" for i in range(40))
    report = analyze_text(f"CREATE TABLE t ({cols}, id serial);", "m.sql", has_rollback=True)
    finding = by_code(report, "MIG301")[0]
    assert finding.statement is not None and len(finding.statement) <= 200
    assert finding.statement.endswith("...")


# --------------------------------------------------------------------------- parse errors


def test_parse_error_is_a_finding_with_line_and_parser_message() -> None:
    text = "SELECT 1;\n\nALTER TABLE t ADD COLUMN;\nALTER TABLE t DROP COLUMN c;\n"
    report = analyze_text(text, "m.sql", has_rollback=True)
    error = by_code(report, "MIG900")[0]
    assert error.line == 3
    assert "syntax error" in error.message
    assert error.severity == Severity.ERROR and error.blocking
    # the statements around the broken one are still analysed
    assert by_code(report, "MIG101")[0].line == 4


def test_parse_error_cannot_be_suppressed() -> None:
    text = "-- guardians: ignore MIG900 trust me\nALTER TABLE;\n"
    report = analyze_text(text, "m.sql", has_rollback=True, suppressions={"MIG900": "approved"})
    assert "MIG900" in codes(report)
    assert report.suppressed == ()


def test_python_syntax_error_is_a_finding() -> None:
    report = analyze_text("def upgrade(:\n    pass\n", "versions/x.py", "alembic")
    error = by_code(report, "MIG900")[0]
    assert error.line == 1 and "Python syntax error" in error.message


# --------------------------------------------------------------------------- suppressions


def test_inline_suppression_with_reason() -> None:
    text = "-- guardians: ignore MIG101 column unused since v42\nALTER TABLE t DROP COLUMN c;\n"
    report = analyze_text(text, "m.sql", has_rollback=True)
    assert "MIG101" not in codes(report)
    (entry,) = [s for s in report.suppressed if s.code == "MIG101"]
    assert (entry.line, entry.source, entry.reason) == (2, "inline", "column unused since v42")
    assert entry.to_dict()["file"] == "m.sql"


def test_suppression_without_reason_is_a_finding_and_does_not_suppress() -> None:
    text = "-- guardians: ignore MIG101\nALTER TABLE t DROP COLUMN c;\n"
    report = analyze_text(text, "m.sql", has_rollback=True)
    assert "MIG101" in codes(report)
    bad = by_code(report, "MIG901")[0]
    assert bad.line == 1 and "no reason" in bad.message
    assert report.suppressed == ()


def test_multiple_codes_and_same_line_directive_does_not_leak() -> None:
    text = (
        "ALTER TABLE a DROP COLUMN x; -- guardians: ignore MIG101,MIG401 agreed with DBA\n"
        "ALTER TABLE b DROP COLUMN y;\n"
    )
    report = analyze_text(text, "m.sql", has_rollback=True)
    assert [f.line for f in by_code(report, "MIG101")] == [2]
    assert sorted(s.code for s in report.suppressed) == ["MIG101", "MIG401"]


def test_approval_suppressions() -> None:
    text = "ALTER TABLE t DROP COLUMN c;\nALTER TABLE t RENAME COLUMN a TO b;\n"
    report = analyze_text(text, "m.sql", has_rollback=True, suppressions={"MIG101": "approved by tech lead"})
    assert "MIG101" not in codes(report) and "MIG107" in codes(report)
    (entry,) = [s for s in report.suppressed if s.code == "MIG101"]
    assert entry.source == "approval" and entry.reason == "approved by tech lead"


def test_python_inline_suppression_on_call_line() -> None:
    text = (
        "from alembic import op\n\n"
        "def upgrade():\n"
        "    # guardians: ignore MIG102 replaced by events table in v5\n"
        "    op.drop_table('legacy_events')\n"
        "    op.drop_table('other')\n\n"
        "def downgrade():\n"
        "    op.create_table('legacy_events')\n"
    )
    report = analyze_text(text, "versions/a.py")
    assert [f.line for f in by_code(report, "MIG102")] == [6]
    assert [s.line for s in report.suppressed if s.code == "MIG102"] == [5]


# --------------------------------------------------------------------------- alembic / django


ALEMBIC = '''"""add status"""
import sqlalchemy as sa
from alembic import op

revision = "1"


def upgrade():
    op.add_column("orders", sa.Column("status", sa.Text(), nullable=True))
    op.execute(
        """
        SET LOCAL lock_timeout = '5s';

        UPDATE orders
           SET status = 'open';
        """
    )
    op.execute("ALTER TABLE orders DROP COLUMN a;\\nALTER TABLE orders DROP COLUMN b")


def downgrade():
    pass
'''


def test_alembic_execute_sql_lines_are_mapped_into_the_file() -> None:
    report = analyze_text(ALEMBIC, "alembic/versions/1_status.py")
    assert report.kind == "alembic"
    update = by_code(report, "MIG109")[0]
    assert update.line == 14
    assert update.statement == "UPDATE orders SET status = 'open'"
    # escaped newlines inside a one-line literal: every statement on the literal's line
    assert [f.line for f in by_code(report, "MIG101")] == [18, 18]
    assert by_code(report, "MIG402")[0].line == 14


def test_alembic_empty_downgrade() -> None:
    report = analyze_text(ALEMBIC, "alembic/versions/1_status.py")
    (finding,) = by_code(report, "MIG403")
    assert finding.line == 21 and "empty" in finding.message
    assert report.has_rollback is False
    fixed = ALEMBIC.replace("def downgrade():\n    pass", "def downgrade():\n    op.drop_column('orders', 'status')")
    assert "MIG403" not in codes(analyze_text(fixed, "alembic/versions/1_status.py"))


def test_alembic_missing_downgrade() -> None:
    text = "from alembic import op\n\ndef upgrade():\n    op.drop_table('x')\n"
    report = analyze_text(text, "v.py")
    assert "MIG403" in codes(report) and "no downgrade()" in by_code(report, "MIG403")[0].message


def test_django_atomic_false_allows_concurrently() -> None:
    base = (
        "from django.db import migrations, models\n"
        "from django.contrib.postgres.operations import AddIndexConcurrently\n\n"
        "class Migration(migrations.Migration):\n"
        "{atomic}"
        "    operations = [\n"
        "        AddIndexConcurrently(model_name='book', index=models.Index(fields=['t'], name='i')),\n"
        "    ]\n"
    )
    atomic = analyze_text(base.format(atomic=""), "shop/migrations/0002_i.py")
    assert atomic.kind == "django" and "MIG206" in codes(atomic)
    assert by_code(atomic, "MIG206")[0].line == 6
    non_atomic = analyze_text(base.format(atomic="    atomic = False\n"), "shop/migrations/0002_i.py")
    assert "MIG206" not in codes(non_atomic)


def test_kind_detection() -> None:
    assert detect_kind("SELECT 1", "a/b.sql") == "sql"
    assert detect_kind("def upgrade():\n    pass\n", "v/x.py") == "alembic"
    assert detect_kind("class Migration(migrations.Migration):\n    pass\n", "m/0001.py") == "django"
    assert detect_kind("print('hi')\n", "x.py") is None
    report = analyze_text("print('hi')\n", "x.py")
    assert codes(report) == ["MIG902"] and report.kind == "unknown"


# --------------------------------------------------------------------------- files


def test_symlink_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.sql"
    real.write_text("ALTER TABLE t DROP COLUMN c;\n")
    link = tmp_path / "001_link.sql"
    link.symlink_to(real)
    report = analyze_paths([link], display_root=tmp_path)
    (finding,) = report.findings()
    assert finding.code == "MIG902" and "symbolic link" in finding.message
    assert finding.file == "001_link.sql"
    assert report.risk == "high"


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "001_big.sql"
    path.write_text("SELECT 1;\n" * 100)
    report = analyze_paths([path], max_bytes=500)
    assert [f.code for f in report.findings()] == ["MIG902"]
    assert "limit" in report.findings()[0].message
    assert analyze_paths([path], max_bytes=5000).files[0].statements == 100


def test_undecodable_bytes_are_a_finding_with_line(tmp_path: Path) -> None:
    path = tmp_path / "001_bad.sql"
    path.write_bytes(b"SELECT 1;\nSELECT 2;\nSELECT '\xff';\n")
    (finding,) = analyze_paths([path]).findings()
    assert finding.code == "MIG902" and finding.line == 3 and "UTF-8" in finding.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "001_pipe.sql"
    os.mkfifo(fifo)
    (finding,) = analyze_paths([fifo]).findings()
    assert finding.code == "MIG902" and "regular file" in finding.message


@pytest.mark.parametrize(
    ("migration", "rollback"),
    [
        ("001_a.sql", "001_a.down.sql"),
        ("001_a.sql", "001_a_down.sql"),
        ("001_a.sql", "001_a.rollback.sql"),
        ("001_a.sql", "down/001_a.sql"),
        ("001_a.up.sql", "001_a.down.sql"),
    ],
)
def test_rollback_file_conventions(tmp_path: Path, migration: str, rollback: str) -> None:
    (tmp_path / migration).write_text("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int;\n")
    before = analyze_paths([tmp_path / migration])
    assert "MIG403" in [f.code for f in before.findings()]
    (tmp_path / rollback).parent.mkdir(exist_ok=True)
    (tmp_path / rollback).write_text("ALTER TABLE t DROP COLUMN IF EXISTS c;\n")
    after = analyze_paths([tmp_path / migration])
    assert after.files[0].has_rollback is True
    assert "MIG403" not in [f.code for f in after.findings()]


# --------------------------------------------------------------------------- risk and report


def test_risk_classification() -> None:
    def f(code: str, blocking: bool = True) -> Finding:
        return Finding(code=code, message="m", blocking=blocking)

    assert classify_risk([]) == "low"
    assert classify_risk([f("MIG305", blocking=False)]) == "low"
    assert classify_risk([f("MIG204"), f("MIG305", blocking=False)]) == "medium"
    assert classify_risk([f("MIG204"), f("MIG101")]) == "high"
    assert classify_risk([f("MIG900")]) == "high"
    assert is_destructive([f("MIG106")]) and not is_destructive([f("MIG204")])


def test_report_counts_suppressed_findings_in_risk(tmp_path: Path) -> None:
    path = tmp_path / "001_drop.sql"
    path.write_text("SET lock_timeout = '1s';\nALTER TABLE t DROP COLUMN IF EXISTS c;\n")
    (tmp_path / "001_drop.down.sql").write_text("SELECT 1;\n")
    report = analyze_paths([path], suppressions={"MIG101": "approved"}, display_root=tmp_path)
    assert report.findings() == []
    assert report.risk == "high" and report.destructive is True
    doc = json.loads(json.dumps(report.to_dict()))
    assert doc["summary"]["suppressed"] == 1 and doc["summary"]["findings"] == 0
    assert doc["files"][0]["path"] == "001_drop.sql"
    assert doc["files"][0]["suppressed"][0]["source"] == "approval"


# --------------------------------------------------------------------------- corpus

EXPECTED = {
    "alembic/versions/3f1c2a9d7b10_add_order_status.py": {
        "MIG202", "MIG303", "MIG401", "MIG204", "MIG109", "MIG402", "MIG207", "MIG403",
    },
    "alembic/versions/7c9e0b1d2f33_concurrent_index.py": set(),
    "alembic/versions/b52d6e8f0a44_reshape_customers.py": {
        "MIG301", "MIG304", "MIG101", "MIG106", "MIG107", "MIG303", "MIG206", "MIG403", "MIG404",
    },
    "django/shop/migrations/0007_product_changes.py": {
        "MIG101", "MIG401", "MIG202", "MIG204", "MIG207", "MIG107", "MIG402", "MIG403",
    },
    "django/shop/migrations/0008_concurrent_index.py": set(),
    "django/shop/migrations/0009_raw_sql.py": {"MIG403", "MIG208", "MIG401", "MIG106"},
    "sql/001_create_accounts.sql": set(),
    "sql/002_orders_lookup_index.sql": {"MIG204", "MIG305", "MIG401", "MIG403"},
    "sql/003_invoice_fk.sql": set(),
    "sql/004_cleanup_legacy.sql": {
        "MIG101", "MIG305", "MIG401", "MIG107", "MIG106", "MIG303", "MIG201", "MIG202", "MIG109", "MIG402",
        "MIG206",
    },
    "sql/005_sessions.up.sql": set(),
    "sql/006_typo.sql": {"MIG900", "MIG101"},
    "sql/007_audit_log.sql": {"MIG301", "MIG303", "MIG304", "MIG203", "MIG401"},
    "sql/008_reset_stats.sql": {"MIG401", "MIG403", "MIG102", "MIG105", "MIG209", "MIG210"},
}  # fmt: skip


def test_corpus_expected_codes() -> None:
    report = analyze_paths([CORPUS / "sql", CORPUS / "alembic", CORPUS / "django"], display_root=CORPUS)
    got = {r.path: {f.code for f in r.findings} for r in report.files}
    assert got == EXPECTED
    suppressed = {(s.file, s.code) for s in report.suppressed()}
    assert suppressed == {
        ("alembic/versions/b52d6e8f0a44_reshape_customers.py", "MIG102"),
        ("sql/007_audit_log.sql", "MIG305"),
        ("sql/008_reset_stats.sql", "MIG104"),
    }
