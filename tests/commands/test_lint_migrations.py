"""`guardians lint-migrations` (guardians/commands/lint_migrations.py), through the CLI on files in temp dirs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from guardians.cli import cli
from tests.conftest import REPO


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    d = tmp_path / "migrations"
    (d / "down").mkdir(parents=True)
    (d / "001_ok.sql").write_text("SET lock_timeout = '5s';\nALTER TABLE t ADD COLUMN IF NOT EXISTS c text;\n")
    (d / "down" / "001_ok.sql").write_text("ALTER TABLE t DROP COLUMN c;\n")
    (d / "002_style.sql").write_text("CREATE TABLE t2 (id bigint PRIMARY KEY, at timestamp);\n")
    (d / "002_style.down.sql").write_text("DROP TABLE t2;\n")
    return d


def invoke(*args: str):
    return CliRunner().invoke(cli, ["lint-migrations", *args])


def test_cli_clean_exit_zero_and_warning_threshold(migrations_dir: Path) -> None:
    result = invoke(str(migrations_dir))
    assert result.exit_code == 0, result.output
    assert "MIG304 [warning]" in result.output
    assert "in 2 file(s)" in result.output  # down files are not linted as migrations
    assert invoke("--fail-on", "warning", str(migrations_dir)).exit_code == 1


def test_cli_text_format_and_exit_one(tmp_path: Path) -> None:
    path = tmp_path / "003_drop.sql"
    path.write_text("SELECT 1;\nALTER TABLE t DROP COLUMN c;\n")
    result = invoke(str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    header = next(line for line in lines if " MIG101 " in line)
    assert header.startswith(f"{path.as_posix()}:2:15: MIG101 [error] drops column t.c")
    i = lines.index(header)
    assert lines[i + 1].strip() == "ALTER TABLE t DROP COLUMN c"
    assert lines[i + 2].strip().startswith("fix: ")
    assert "risk: high" in lines[-1]


def test_cli_json_format(tmp_path: Path) -> None:
    path = tmp_path / "004.sql"
    path.write_text("-- guardians: ignore MIG403 applied by hand, no rollback tooling\nTRUNCATE t;\n")
    result = invoke("--format", "json", str(path))
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["risk"] == "high" and doc["destructive"] is True
    assert {f["code"] for f in doc["findings"]} >= {"MIG104"}
    assert doc["suppressed"][0]["code"] == "MIG403" and doc["suppressed"][0]["source"] == "inline"


def test_cli_missing_path_is_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sql"
    result = invoke(str(missing))
    assert result.exit_code == 2
    assert f"no such file or directory: {missing}" in result.output
    assert "Traceback" not in result.output


def test_cli_requires_a_path() -> None:
    result = invoke()
    assert result.exit_code == 2


def test_cli_lints_a_corpus_of_every_dialect() -> None:
    corpus = REPO / "tests" / "migrations_corpus"
    result = invoke("--format", "json", str(corpus / "sql"), str(corpus / "alembic"), str(corpus / "django"))
    assert result.exit_code == 1  # the corpus holds destructive migrations on purpose
    doc = json.loads(result.output)
    files = {f["file"].rsplit("/", 1)[-1] for f in doc["findings"]}
    assert any(name.endswith(".sql") for name in files) and any(name.endswith(".py") for name in files)


def test_cli_unknown_fail_on_level_is_usage_error(migrations_dir: Path) -> None:
    result = invoke("--fail-on", "fatal", str(migrations_dir))
    assert result.exit_code == 2


def _many_sql_files(tmp_path: Path) -> Path:
    d = tmp_path / "many"
    d.mkdir()
    for i in range(120):
        body = ["ALTER TABLE t DROP COLUMN c;\n", "CREATE INDEX t_x ON t (x);\n", "SELECT 1;\n"][i % 3]
        if i % 6 == 0:  # suppressed findings come back from a worker too
            body = "-- guardians: ignore MIG101 column unused since release 42\n" + body
        (d / f"{i:03d}_step.sql").write_text(body)
    return d


def test_cli_jobs_one_stays_in_this_process_and_reports_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = _many_sql_files(tmp_path)
    shared = invoke("--format", "json", "--no-config", "--jobs", "2", str(d))
    assert shared.exit_code == 1, shared.output
    assert len(json.loads(shared.output)["findings"]) > 120
    assert json.loads(shared.output)["summary"]["suppressed"] == 20

    def no_fork() -> int:
        raise AssertionError("--jobs 1 forked")

    monkeypatch.setattr("os.fork", no_fork)
    alone = invoke("--format", "json", "--no-config", "--jobs", "1", str(d))
    assert alone.exit_code == 1, alone.output
    assert alone.output == shared.output
    spied = invoke("--format", "json", "--no-config", "--jobs", "2", str(d))  # the spy works: two jobs fork
    assert isinstance(spied.exception, AssertionError) and "forked" in str(spied.exception)


def test_cli_jobs_must_be_positive(migrations_dir: Path) -> None:
    result = invoke("--jobs", "0", str(migrations_dir))
    assert result.exit_code == 2
    assert "--jobs" in result.output
