"""`guardians explain` (guardians/commands/explain.py) and the rule registries it reads."""

from __future__ import annotations

from guardians.commands.explain import all_rules, rules_markdown
from tests.conftest import REPO


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


def test_explain_all_prints_the_rules_doc(run_cli):
    result = run_cli("explain", "--all")
    assert result.exit_code == 0
    assert result.output == rules_markdown()


def test_explain_is_case_insensitive_and_needs_a_code(run_cli):
    lower = run_cli("explain", "mig101")
    assert lower.exit_code == 0 and lower.output.startswith("MIG101 ")
    bare = run_cli("explain")
    assert bare.exit_code == 2 and "usage: guardians explain CODE" in bare.output
