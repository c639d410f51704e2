"""The CLI surface: help for every command, explain, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from guardians.cli import cli
from guardians.commands.explain import all_rules, rules_markdown
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


def test_explain_prints_what_why_fix_for_every_rule(run_cli):
    for rule in all_rules():
        result = run_cli("explain", rule.code)
        assert result.exit_code == 0, rule.code
        assert result.output.startswith(f"{rule.code} {rule.name}")
        for section in ("What:", "Why:", "Fix:"):
            assert section in result.output, (rule.code, section)


def test_explain_unknown_code_is_a_usage_error(run_cli):
    result = run_cli("explain", "NOPE999")
    assert result.exit_code == 2 and "unknown rule code" in result.output


def test_rule_codes_are_unique_and_documented():
    codes = [r.code for r in all_rules()]
    assert len(codes) == len(set(codes))
    names = [r.name for r in all_rules()]
    assert len(names) == len(set(names))


def test_every_rule_has_a_case_file():
    import yaml

    cases = REPO / "tests" / "rules" / "cases"
    for rule in all_rules():
        path = cases / f"{rule.code}.yaml"
        assert path.is_file(), f"no case file for {rule.code}"
        data = yaml.safe_load(path.read_text())
        assert data["rule"] == rule.code


def test_rules_doc_is_generated_from_the_registry():
    on_disk = (REPO / "docs" / "rules.md").read_text()
    assert on_disk == rules_markdown(), "docs/rules.md is stale: run `guardians explain --all > docs/rules.md`"


def test_module_entry_point_and_no_traceback_on_bad_root(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "guardians", "run", "--root", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "not a directory" in proc.stdout + proc.stderr


def test_run_on_empty_root_says_nothing_to_do(run_cli, tmp_path):
    result = run_cli("run", "--root", str(tmp_path))
    assert result.exit_code == 0 and "nothing to do" in result.output


def test_core_never_imports_the_cli():
    import ast

    for path in (REPO / "guardians").rglob("*.py"):
        if path.name in ("cli.py", "__main__.py"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "guardians.cli":
                raise AssertionError(f"{path} imports guardians.cli")
            if isinstance(node, ast.Import) and any(a.name == "guardians.cli" for a in node.names):
                raise AssertionError(f"{path} imports guardians.cli")


def test_explain_knows_every_validate_code(run_cli):
    from guardians.validate.codes import CODES, RULES

    assert [r.code for r in RULES] == list(CODES)
    for rule in RULES:
        result = run_cli("explain", rule.code.lower())
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"{rule.code} {rule.name} [{rule.severity}]")
        assert "What:" in result.output and "Why:" in result.output and "Fix:" in result.output
