"""lint-migrations leaves without interpreter teardown, after its whole report is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from guardians.commands.lint_migrations import lint_migrations

# runs the real entry point; an exit handler shows whether the interpreter was torn down
ENTRY = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('torn down\\n'))\n"
    "from guardians.__main__ import main\n"
    "raise SystemExit(main())\n"
)


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUARDIANS_")}
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def _migrations(tmp_path: Path, count: int) -> Path:
    d = tmp_path / "migrations"
    d.mkdir()
    for i in range(count):
        (d / f"{i:03d}_x.sql").write_text(f"ALTER TABLE t{i} DROP COLUMN c;\nCREATE INDEX i{i} ON t{i} (x);\n")
    return d


def test_lint_migrations_skips_teardown_and_writes_everything(tmp_path: Path) -> None:
    d = _migrations(tmp_path, 150)  # more than one pipe buffer of output, and a worker process
    done = _run(tmp_path, "lint-migrations", "--no-config", "--format", "json", str(d))
    assert done.returncode == 1, done.stderr  # the exit code is kept
    assert "torn down" not in done.stderr
    report = json.loads(done.stdout)  # complete
    assert report["summary"]["files"] == 150
    assert len(report["findings"]) >= 300


def test_other_commands_exit_normally(tmp_path: Path) -> None:
    done = _run(tmp_path, "explain", "MIG101")
    assert done.returncode == 0, done.stderr
    assert "torn down" in done.stderr


def test_usage_errors_exit_normally(tmp_path: Path) -> None:
    done = _run(tmp_path, "lint-migrations", "--no-config", str(tmp_path / "missing"))
    assert done.returncode == 2
    assert "torn down" in done.stderr


def test_in_process_calls_return(tmp_path: Path) -> None:
    import io

    d = _migrations(tmp_path, 3)
    out = io.StringIO()
    assert lint_migrations([d], fmt="json", out=out, use_config=False) == 1  # this process is still here
    assert json.loads(out.getvalue())["summary"]["files"] == 3
