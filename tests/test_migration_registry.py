"""The MIG rule registry: unique codes, complete docs, a case file per rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from guardians.rules.base import Severity, rule_doc
from guardians.rules.migration import RULES, MigrationRule

CASES_DIR = Path(__file__).parent / "rules" / "cases"
_SECTIONS = ("What:", "Why:", "Fix:")


def test_codes_and_names_are_unique() -> None:
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"MIG\d{3}", code) for code in codes)
    assert all(name.startswith("migration.") for name in names)


def test_registry_is_an_explicit_tuple_of_rule_classes() -> None:
    assert isinstance(RULES, tuple)
    assert all(isinstance(rule, type) and issubclass(rule, MigrationRule) for rule in RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_complete_documentation(rule: type[MigrationRule]) -> None:
    doc = rule_doc(rule)
    positions = [doc.find(section) for section in _SECTIONS]
    assert all(p >= 0 for p in positions), f"{rule.code} docstring lacks What/Why/Fix"
    assert positions == sorted(positions), f"{rule.code}: sections out of order"
    for section, start in zip(_SECTIONS, positions, strict=True):
        body = doc[start + len(section) :].split("\n\n")[0].strip()
        assert len(body) > 20, f"{rule.code} {section} is too short"
    assert rule.anchors and all(":" in anchor for anchor in rule.anchors)
    assert rule.safer.strip()
    assert isinstance(rule.severity, Severity)
    assert rule.keys, f"{rule.code} is never dispatched"
    assert rule.category in {"destructive", "locking", "style", "process", "compatibility", "analysis"}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_case_file_with_pass_and_fail(rule: type[MigrationRule]) -> None:
    path = CASES_DIR / f"{rule.code}.yaml"
    assert path.is_file(), f"missing {path}"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["rule"] == rule.code
    expects = [e["expect"] for e in doc.get("cases") or ()]
    assert doc.get("pass") or "pass" in expects, f"{rule.code} has no pass case"
    assert doc.get("fail") or "fail" in expects, f"{rule.code} has no fail case"


def test_severity_policy() -> None:
    for rule in RULES:
        if rule.category == "destructive":
            assert rule.severity == Severity.ERROR and rule.blocking, rule.code
        if rule.category == "style":
            assert rule.severity == Severity.WARNING and not rule.blocking, rule.code
    by_code = {rule.code: rule for rule in RULES}
    assert by_code["MIG403"].blocking and by_code["MIG403"].severity == Severity.ERROR
    assert by_code["MIG900"].severity == Severity.ERROR and not by_code["MIG900"].suppressible


def test_every_case_file_names_a_registered_rule() -> None:
    codes = {rule.code for rule in RULES}
    for path in CASES_DIR.glob("MIG*.yaml"):
        assert path.stem in codes, f"{path.name} has no rule"
