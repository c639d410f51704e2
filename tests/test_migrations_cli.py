"""``guardians lint-migrations`` options: configuration, --since, --baseline and the CI formats."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from guardians.cli import cli
from guardians.migrations.config import config_schema

DROP = "ALTER TABLE users DROP COLUMN nickname;\n"
INDEX = "CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);\n"


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    """A git repository with two committed migrations; the test runs inside it."""
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "001_drop.sql").write_text(DROP)
    (tmp_path / "db" / "001_drop.down.sql").write_text("ALTER TABLE users ADD COLUMN nickname text;\n")
    (tmp_path / "db" / "002_index.sql").write_text(INDEX)
    (tmp_path / "db" / "002_index.down.sql").write_text("DROP INDEX IF EXISTS users_email_idx;\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}  # fmt: skip
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, env=env)
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["lint-migrations", *args])
    return result.exit_code, result.stdout, result.stderr


def codes_json(stdout: str) -> list[tuple[str, str]]:
    return [(f["file"], f["code"]) for f in json.loads(stdout)["findings"]]


# --------------------------------------------------------------------------- configuration


def test_pyproject_select_ignore_severity_and_per_path(repo: Path) -> None:
    (repo / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n"
        "[tool.guardians.lint-migrations]\n"
        'ignore = ["MIG305"]\n'
        'severity = { MIG101 = "warning" }\n'
        "[tool.guardians.lint-migrations.per-path-ignores]\n"
        '"db/002_*.sql" = ["MIG2", "MIG4"]\n'
    )
    code, out, _ = run("--format", "json", "db")
    found = json.loads(out)["findings"]
    assert {(f["file"], f["code"]) for f in found} == {("db/001_drop.sql", "MIG101"), ("db/001_drop.sql", "MIG401")}
    assert [f["severity"] for f in found if f["code"] == "MIG101"] == ["warning"]
    assert code == 0  # nothing left at error level
    # --no-config brings everything back
    code, out, _ = run("--no-config", "--format", "json", "db")
    assert ("db/002_index.sql", "MIG204") in codes_json(out) and code == 1


def test_guardians_toml_select_exclude_and_fail_on(repo: Path) -> None:
    (repo / "guardians.toml").write_text(
        '[lint-migrations]\nselect = ["MIG1"]\nexclude = ["db/002_*"]\nfail-on = "warning"\n'
    )
    code, out, _ = run("--format", "json", "db")
    assert codes_json(out) == [("db/001_drop.sql", "MIG101")]
    assert code == 1


def test_config_error_names_file_key_and_line(repo: Path) -> None:
    (repo / "guardians.toml").write_text('[lint-migrations]\nlayout = "auto"\nselect = ["DROP"]\n')
    code, _, err = run("db")
    assert code == 2
    assert "guardians.toml:3: lint-migrations.select.0:" in err and "DROP" in err


def test_config_cannot_hide_parse_errors(repo: Path) -> None:
    (repo / "guardians.toml").write_text('[lint-migrations]\nignore = ["MIG9"]\n')
    (repo / "db" / "003_typo.sql").write_text("ALTER TABLE;\n")
    _code, out, _ = run("--format", "json", "db/003_typo.sql")
    assert ("db/003_typo.sql", "MIG900") in codes_json(out)


def test_schema_is_valid_and_documents_every_key() -> None:
    schema = config_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]) == {"select", "ignore", "per-path-ignores", "severity", "exclude", "layout",
                                         "fail-on"}  # fmt: skip
    docs = (Path(__file__).parents[1] / "docs" / "migration-adoption.md").read_text()
    for key in schema["properties"]:
        assert f"`{key}`" in docs, key


# --------------------------------------------------------------------------- --since


def test_since_lints_only_changed_and_new_files(repo: Path) -> None:
    (repo / "db" / "002_index.sql").write_text("CREATE INDEX users_name_idx ON users (name);\n")
    (repo / "db" / "003_new.sql").write_text("ALTER TABLE orders DROP COLUMN note;\n")
    _code, out, _ = run("--since", "HEAD", "--format", "json", "db")
    files = {f for f, _ in codes_json(out)}
    assert files == {"db/002_index.sql", "db/003_new.sql"}
    assert json.loads(out)["summary"]["files"] == 2


def test_since_rejects_bad_refs(repo: Path) -> None:
    code, _, err = run("--since", "--output=x", "db")
    assert code == 2 and "not a git ref" in err
    code, _, err = run("--since", "no-such-branch", "db")
    assert code == 2 and "--since" in err


# --------------------------------------------------------------------------- --baseline


def test_baseline_records_then_reports_only_new_findings(repo: Path) -> None:
    baseline = repo / ".guardians-baseline.json"
    code, out, err = run("--baseline", str(baseline), "db")
    assert code == 0 and out == "" and "written with" in err
    assert json.loads(baseline.read_text())["version"] == 1
    # unchanged: nothing new, even after lines move
    (repo / "db" / "001_drop.sql").write_text("-- moved down\n\n" + DROP)
    code, out, _ = run("--baseline", str(baseline), "--format", "json", "db")
    assert code == 0 and codes_json(out) == []
    # a new risk is reported
    (repo / "db" / "003_new.sql").write_text("ALTER TABLE orders DROP COLUMN note;\n")
    code, out, _ = run("--baseline", str(baseline), "--format", "json", "db")
    assert code == 1 and ("db/003_new.sql", "MIG101") in codes_json(out)
    assert {f for f, _ in codes_json(out)} == {"db/003_new.sql"}
    # --update-baseline accepts today's state
    assert run("--baseline", str(baseline), "--update-baseline", "db")[0] == 0
    assert run("--baseline", str(baseline), "db")[0] == 0


def test_damaged_baseline_is_a_usage_error(repo: Path) -> None:
    baseline = repo / "b.json"
    baseline.write_text('{"version": 1, "findings": [{"file": "x"}]}')
    code, _, err = run("--baseline", str(baseline), "db")
    assert code == 2 and "$.findings[0].fingerprint" in err


# --------------------------------------------------------------------------- CI formats


def test_sarif_is_valid_for_code_scanning(repo: Path) -> None:
    code, out, _ = run("--format", "sarif", "db")
    assert code == 1
    doc = json.loads(out)
    run0 = doc["runs"][0]
    rules = {r["id"]: r for r in run0["tool"]["driver"]["rules"]}
    assert rules["MIG101"]["shortDescription"]["text"] == "migration.drop-column"
    result = next(r for r in run0["results"] if r["ruleId"] == "MIG101")
    region = result["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "db/001_drop.sql" and region["region"]["startLine"] == 1
    assert " at " not in result["message"]["text"]


def test_github_junit_gitlab(repo: Path) -> None:
    _code, out, _ = run("--format", "github", "db")
    line = next(x for x in out.splitlines() if "MIG101" in x)
    assert line.startswith("::error file=db/001_drop.sql,line=1,col=19,title=MIG101 migration.drop-column::")
    assert out.splitlines()[-1].startswith("guardians lint-migrations:")
    _code, out, _ = run("--format", "junit", "db")
    root = ET.fromstring(out)
    assert root.get("name") == "guardians lint-migrations"
    assert [f.get("type") for f in root.iter("failure")] == ["MIG101", "MIG204"]
    _code, out, _ = run("--format", "gitlab", "db")
    issues = json.loads(out)
    assert {i["check_name"] for i in issues} >= {"MIG101", "MIG204"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert all(i["location"]["path"].startswith("db/") for i in issues)
