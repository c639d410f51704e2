"""The CLI surface across commands: help for every command, the module entry point, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from guardians.cli import cli
from tests.conftest import REPO


def _commands():
    out = []
    for name, cmd in cli.commands.items():
        out.append((name,))
        for sub in getattr(cmd, "commands", {}):
            out.append((name, sub))
    return out


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p))
def test_every_command_has_help(run_cli, path):
    result = run_cli(*path, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output
    # the docstring's first line is the help text: not empty
    assert len(result.output.strip().splitlines()) > 3


def test_module_entry_point_and_no_traceback_on_bad_root(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "guardians", "run", "--root", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "not a directory" in proc.stdout + proc.stderr


def test_help_lists_every_exit_code(run_cli):
    from guardians.errors import EXIT_CODES, EXIT_STORAGE_FAILED, EXIT_WATCH_FAILED

    text = " ".join(run_cli("--help").output.split())
    assert "Exit codes:" in text
    for code, meaning in EXIT_CODES:
        assert f"{code} {' '.join(meaning.split())}" in text, code
    assert {EXIT_WATCH_FAILED, EXIT_STORAGE_FAILED} == {3, 4}
    assert "4 `guardians watch` stopped on a disk I/O error" in text
    assert "check-write" in text and "hook claude-code" in text


def test_explain_knows_every_validate_code(run_cli):
    from guardians.validate.codes import CODES, RULES

    assert [r.code for r in RULES] == list(CODES)
    for rule in RULES:
        result = run_cli("explain", rule.code.lower())
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"{rule.code} {rule.name} [{rule.severity}]")
        assert "What:" in result.output and "Why:" in result.output and "Fix:" in result.output


def test_every_command_module_has_its_test_file():
    """Tests mirror the commands: guardians/commands/<name>.py (or package) -> tests/commands/test_<name>.py."""
    commands = REPO / "guardians" / "commands"
    names = {p.stem for p in commands.glob("*.py") if p.name != "__init__.py"}
    names |= {p.name for p in commands.iterdir() if (p / "__init__.py").is_file()}
    missing = sorted(n for n in names if not (REPO / "tests" / "commands" / f"test_{n}.py").is_file())
    assert missing == [], "add tests/commands/test_<name>.py, testing the command through the CLI"
