"""Migration layouts, the pre-commit hook's file selection, and the GitHub Action's step script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from guardians.migrations.analyze import analyze_paths

REPO = Path(__file__).resolve().parents[1]
DROP = "ALTER TABLE users DROP COLUMN IF EXISTS nickname;\n"
ADD = "ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;\n"


def lint(root: Path, layout: str = "auto") -> dict[str, set[str]]:
    report = analyze_paths([root], display_root=root, layout=layout)
    return {r.path: {f.code for f in r.findings} for r in report.files}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_diesel_and_sourcegraph_folders(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "migrations/2024-01-01-000000_add/up.sql": ADD,
            "migrations/2024-01-01-000000_add/down.sql": DROP,
            "migrations/1528395834_no_down/up.sql": ADD,
            "migrations/1528395834_no_down/metadata.yaml": "name: x\n",
        },
    )
    got = lint(root)
    assert set(got) == {"migrations/2024-01-01-000000_add/up.sql", "migrations/1528395834_no_down/up.sql"}
    assert "MIG403" not in got["migrations/2024-01-01-000000_add/up.sql"]
    assert "MIG403" in got["migrations/1528395834_no_down/up.sql"]


def test_golang_migrate_pairs(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_add.up.sql": ADD, "1_add.down.sql": DROP, "2_more.up.sql": ADD})
    got = lint(root)
    assert set(got) == {"1_add.up.sql", "2_more.up.sql"}
    assert "MIG403" not in got["1_add.up.sql"] and "MIG403" in got["2_more.up.sql"]


def test_flyway_versioned_undo_and_repeatable(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "db/migration/V1__add.sql": ADD,
            "db/migration/U1__add.sql": DROP,
            "db/migration/V2__more.sql": ADD,
            "db/migration/R__views.sql": "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
        },
    )
    got = lint(root)
    assert set(got) == {"db/migration/V1__add.sql", "db/migration/V2__more.sql", "db/migration/R__views.sql"}
    assert "MIG403" not in got["db/migration/V1__add.sql"]
    assert "MIG403" in got["db/migration/V2__more.sql"]
    assert "MIG403" not in got["db/migration/R__views.sql"]


def test_sqitch_deploy_revert_verify(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "deploy/users.sql": ADD,
            "revert/users.sql": DROP,
            "verify/users.sql": "SELECT nickname FROM users WHERE false;\n",
            "deploy/orders.sql": ADD.replace("users", "orders"),
        },
    )
    got = lint(root)
    assert set(got) == {"deploy/users.sql", "deploy/orders.sql"}
    assert "MIG403" not in got["deploy/users.sql"] and "MIG403" in got["deploy/orders.sql"]


def test_goose_and_dbmate_sections(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "001_goose.sql": f"-- +goose Up\n{ADD}-- +goose Down\n{DROP}",
            "002_dbmate.sql": f"-- migrate:up\n{ADD}\n-- migrate:down\n{DROP}",
            "003_goose_one_way.sql": f"-- +goose Up\n{ADD}-- +goose Down\n",
        },
    )
    got = lint(root)
    assert "MIG101" not in got["001_goose.sql"]  # the down section is not a forward migration
    assert "MIG403" not in got["001_goose.sql"] and "MIG403" not in got["002_dbmate.sql"]
    assert "MIG403" in got["003_goose_one_way.sql"]


def test_configured_layout_uses_only_its_conventions(tmp_path: Path) -> None:
    root = write(tmp_path, {"V1__add.sql": ADD, "V1__add.down.sql": DROP})
    assert set(lint(root)) == {"V1__add.sql"}
    got = lint(root, layout="flyway")  # .down.sql means nothing to Flyway: it is a migration too
    assert set(got) == {"V1__add.sql", "V1__add.down.sql"}
    assert "MIG403" in got["V1__add.sql"]


def test_a_file_without_changes_needs_no_rollback(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "queries/report.sql": "SELECT count(*) FROM orders;\n",
            "settings.sql": "SET search_path = app;\nCOMMENT ON TABLE t IS 'x';\n",
            "migrations/utils.py": "def helper():\n    return 1\n",
        },
    )
    got = lint(root)
    assert got == {"queries/report.sql": set(), "settings.sql": set()}


# --------------------------------------------------------------------------- pre-commit hook


def _hook() -> dict[str, str]:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    return hooks["guardians-lint-migrations"]


@pytest.mark.parametrize(
    ("path", "selected"),
    [
        ("db/migrations/001_add.sql", True),
        ("migrations/2024-01-01_add/up.sql", True),
        ("migrations/2024-01-01_add/down.sql", False),
        ("migrations/1_add.up.sql", True),
        ("migrations/1_add.down.sql", False),
        ("src/main/resources/db/migration/V1_2__add.sql", True),
        ("src/main/resources/db/migration/U1_2__add.sql", False),
        ("sqitch/deploy/users.sql", True),
        ("sqitch/revert/users.sql", False),
        ("sqitch/verify/users.sql", False),
        ("alembic/versions/ab12_add.py", True),
        ("shop/migrations/0002_order.py", True),
        ("shop/migrations/__init__.py", False),
        ("queries/report.sql", False),
        ("app/sql/report.sql", False),
        ("src/app.py", False),
    ],
)
def test_hook_selects_migrations_only(path: str, selected: bool) -> None:
    hook = _hook()
    assert (bool(re.search(hook["files"], path)) and not re.search(hook["exclude"], path)) is selected


# --------------------------------------------------------------------------- GitHub Action


def _action_script() -> str:
    steps = yaml.safe_load((REPO / "action.yml").read_text())["runs"]["steps"]
    (step,) = [s for s in steps if str(s.get("name", "")).startswith("Run guardians")]
    return str(step["run"])


@pytest.mark.parametrize("args", ["", "--fail-on warning"])
def test_action_runs_lint_migrations_and_writes_sarif(tmp_path: Path, args: str) -> None:
    runner_temp = tmp_path / "runner"
    binary = runner_temp / "guardians-venv" / "bin" / "guardians"
    binary.parent.mkdir(parents=True)
    binary.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m guardians "$@"\n')
    binary.chmod(0o755)
    work = write(tmp_path / "work", {"db/001_drop.sql": "ALTER TABLE users DROP COLUMN nickname;\n"})
    env = {
        **os.environ,
        "RUNNER_TEMP": str(runner_temp),
        "COMMAND": "lint-migrations",
        "ROOT": ".",
        "FORMAT": "github",
        "PATHS": "db",
        "ARGS": args,
        "SARIF": "out.sarif",
    }
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", _action_script()], cwd=work, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr
    assert "::error file=db/001_drop.sql,line=1" in done.stdout
    sarif = json.loads((work / "out.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"MIG101"}
    env["COMMAND"] = "deploy"
    bad = subprocess.run(["bash", "-eo", "pipefail", "-c", _action_script()], cwd=work, env=env, capture_output=True)
    assert bad.returncode == 2


# --------------------------------------------------------------------------- many files


def test_many_sql_files_in_worker_processes_match_one_process(tmp_path: Path) -> None:
    files = {}
    for i in range(80):
        body = [ADD, DROP, "CREATE INDEX users_x_idx ON users (x);\n", "SELECT 1;\n"][i % 4]
        files[f"db/{i:03d}_step.sql"] = body
        if i % 3 == 0:
            files[f"db/{i:03d}_step.down.sql"] = "SELECT 1;\n"
    root = write(tmp_path, files)
    serial = analyze_paths([root], display_root=root, jobs=1)
    parallel = analyze_paths([root], display_root=root, jobs=2)
    assert [r.path for r in parallel.files] == [r.path for r in serial.files]
    assert parallel.findings() == serial.findings()
    assert (parallel.risk, parallel.destructive) == (serial.risk, serial.destructive)
    assert len(serial.files) == 80 and {"MIG101", "MIG204", "MIG403"} <= {f.code for f in serial.findings()}
