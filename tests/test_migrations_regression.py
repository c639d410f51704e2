"""The regression corpus: real-shaped migrations whose findings (code, line, column) are pinned.

``tests/migrations_corpus/regression`` holds Django apps, Alembic revisions and
SQL in every supported layout, written to reproduce the false positives and
misses of linting real repositories (AlterField without a type change, blank
text fields, ManyToMany and tag fields, SeparateDatabaseAndState, SQL in
module constants, existing_type, op.f() names, layouts with rollbacks...).
``expected.yaml`` lists every finding of every linted file; anything else is
a regression.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from guardians.migrations.analyze import FileReport, analyze_paths

ROOT = Path(__file__).parent / "migrations_corpus" / "regression"
EXPECTED = yaml.safe_load((ROOT / "expected.yaml").read_text(encoding="utf-8"))


@cache
def reports() -> dict[str, FileReport]:
    report = analyze_paths([ROOT], display_root=ROOT)
    return {r.path: r for r in report.files}


def test_corpus_is_large_enough_and_complete() -> None:
    assert len(EXPECTED["findings"]) >= 60
    assert set(reports()) == set(EXPECTED["findings"]), "linted files differ from expected.yaml"


@pytest.mark.parametrize("path", sorted(EXPECTED["findings"]))
def test_file_findings(path: str) -> None:
    report = reports()[path]
    got = sorted(f"{f.code} {f.line}:{f.column}" for f in report.findings)
    assert got == sorted(EXPECTED["findings"][path])
    for needle in EXPECTED["messages"].get(path, ()):
        assert any(needle in f.message for f in report.findings), (needle, [f.message for f in report.findings])
