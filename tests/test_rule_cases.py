"""Rule cases as data: every tests/rules/cases/*.yaml file, one test per snippet.

A case file names its ``rule`` and default ``kind``; ``pass``/``fail`` list
snippets of that kind, and ``cases`` holds entries with their own ``kind``,
``expect`` (pass|fail) and ``text``. A fail snippet must yield the rule's
code; a pass snippet must not. New kinds register a runner in ``RUNNERS``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from guardians.migrations.analyze import analyze_paths, analyze_text

CASES_DIR = Path(__file__).parent / "rules" / "cases"

_ALEMBIC_HEAD = "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'abc'\n\n\ndef upgrade():\n"
_ALEMBIC_DOWN = '    op.drop_column("t", "c")\n'
_DJANGO_HEAD = (
    "from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently\n"
    "from django.db import migrations, models\n\n\n"
)


def _sql(entry: dict[str, Any], tmp_path: Path) -> set[str]:
    report = analyze_text(entry["text"], "db/migrations/001_case.sql", "sql", has_rollback=entry.get("has_rollback"))
    return {f.code for f in report.findings}


def _alembic(entry: dict[str, Any], tmp_path: Path) -> set[str]:
    text = entry["text"]
    if not entry.get("raw"):
        body = textwrap.indent(textwrap.dedent(text), "    ")
        text = f"{_ALEMBIC_HEAD}{body}\n\ndef downgrade():\n{entry.get('downgrade', _ALEMBIC_DOWN)}"
    report = analyze_text(text, "alembic/versions/abc_case.py", "alembic")
    return {f.code for f in report.findings}


def _django(entry: dict[str, Any], tmp_path: Path) -> set[str]:
    text = textwrap.dedent(entry["text"])
    if "class Migration" not in text:
        ops = textwrap.indent(text, "        ")
        text = f"class Migration(migrations.Migration):\n    operations = [\n{ops}\n    ]\n"
    report = analyze_text(_DJANGO_HEAD + text, "shop/migrations/0002_case.py", "django")
    return {f.code for f in report.findings}


def _file(entry: dict[str, Any], tmp_path: Path) -> set[str]:
    path = tmp_path / entry.get("name", "001_case.sql")
    path.write_bytes(entry["text"].encode("latin-1"))
    return {f.code for f in analyze_paths([path]).findings()}


Runner = Callable[[str, dict[str, Any], Path], set[str]]


def _migration(run: Callable[[dict[str, Any], Path], set[str]]) -> Runner:
    return lambda _rule, entry, tmp_path: run(entry, tmp_path)


def _other(kind: str) -> Runner:
    """Kinds whose cases are structured data (deploy, backup, process, common)."""

    def run(rule: str, entry: dict[str, Any], tmp_path: Path) -> set[str]:
        from guardians.commands.explain import find_rule
        from tests.rule_kinds import KINDS

        rule_cls = find_rule(rule)
        assert rule_cls is not None, f"unknown rule {rule}"
        return set(KINDS[kind](rule_cls, entry.get("case") or {}))

    return run


RUNNERS: dict[str, Runner] = {
    "sql": _migration(_sql),
    "alembic": _migration(_alembic),
    "django": _migration(_django),
    "file": _migration(_file),
    "deploy": _other("deploy"),
    "backup": _other("backup"),
    "process": _other("process"),
    "common": _other("common"),
    "validate": lambda _rule, entry, tmp_path: _validate_case(entry, tmp_path),
    "canary": _other("canary"),
}


def _validate_case(entry: dict[str, Any], tmp_path: Path) -> set[str]:
    from tests.rule_kinds import run_validate

    return set(run_validate(entry.get("case") or {}, tmp_path))


def load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        rule, kind = doc["rule"], doc.get("kind", "sql")
        entries: list[dict[str, Any]] = []
        for expect in ("pass", "fail"):
            for item in doc.get(expect) or ():
                key = "text" if isinstance(item, str) else "case"
                entries.append({"kind": kind, "expect": expect, key: item})
        entries.extend({"kind": kind, **entry} for entry in doc.get("cases") or ())
        for i, entry in enumerate(entries):
            params.append(pytest.param(rule, entry, id=f"{path.stem}-{entry['expect']}-{i}"))
    return params


@pytest.mark.parametrize(("rule", "entry"), load_cases())
def test_rule_case(rule: str, entry: dict[str, Any], tmp_path: Path) -> None:
    assert entry["expect"] in ("pass", "fail"), entry
    runner = RUNNERS[entry["kind"]]
    codes = runner(rule, entry, tmp_path)
    shown = entry.get("text", entry.get("case"))
    if entry["expect"] == "fail":
        assert rule in codes, f"{rule} expected for {shown!r}, got {sorted(codes)}"
    else:
        assert rule not in codes, f"{rule} not expected for {shown!r}, got {sorted(codes)}"
