"""The compiled modules (make compile, tools/compile.py) give what the pure-Python ones give.

Run only in a compiled checkout: the same lint runs once on the compiled
package and once on a copy of its sources without the extension modules,
over every migration corpus of the tests, in every format, and must print
the same bytes.
"""

from __future__ import annotations

import importlib.machinery
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import guardians.migrations.engine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "migrations_corpus"

compiled = pytest.mark.skipif(
    not guardians.migrations.engine.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)),
    reason="pure-Python checkout (make compile builds the extension modules)",
)


def _lint(pythonpath: Path | None, fmt: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    code = "from guardians.__main__ import main; raise SystemExit(main())"
    args = ["lint-migrations", "--no-config", "--jobs", "2", "--format", fmt, "corpus"]
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@compiled
def test_compiled_modules_are_in_use() -> None:
    from guardians.migrations import lint, sql, statement

    for module in (lint, sql, statement):
        assert module.__file__ is not None and not module.__file__.endswith(".py"), module.__name__


@compiled
@pytest.mark.parametrize("fmt", ["json", "text", "sarif"])
def test_compiled_and_pure_python_print_the_same(tmp_path: Path, fmt: str) -> None:
    pure = tmp_path / "pure"
    shutil.copytree(ROOT / "guardians", pure / "guardians", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    work = tmp_path / "work"
    work.mkdir()
    # many small files as well, so that a worker process analyses part of them
    shutil.copytree(CORPUS, work / "corpus")
    for i in range(80):
        (work / "corpus" / "many" / f"{i:03d}.sql").parent.mkdir(exist_ok=True)
        (work / "corpus" / "many" / f"{i:03d}.sql").write_text(
            f"-- guardians: ignore MIG101 unused since release {i}\nALTER TABLE t{i} DROP COLUMN c;\n"
            f"CREATE INDEX i{i} ON t{i} (x);\nALTER TABLE t{i} ALTER COLUMN y TYPE bigint;\n"
        )
    probe = "import guardians.migrations.engine as m; print(m.__file__)"
    env = {**os.environ, "PYTHONPATH": str(pure)}
    where = subprocess.run([sys.executable, "-c", probe], cwd=work, env=env, capture_output=True, text=True)
    assert where.stdout.strip() == str(pure / "guardians" / "migrations" / "engine.py")  # the copy runs
    with_compiled = _lint(None, fmt, work)
    pure_python = _lint(pure, fmt, work)
    assert with_compiled.returncode == pure_python.returncode == 1, (with_compiled.stderr, pure_python.stderr)
    assert with_compiled.stdout == pure_python.stdout
    assert len(with_compiled.stdout) > 10_000
