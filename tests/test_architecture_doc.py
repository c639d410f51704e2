"""docs/architecture.md is the module map: every module under guardians/ has its line there."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO

DOC = REPO / "docs" / "architecture.md"


def names_for(path: Path) -> set[str]:
    """How the map may name a module: its path, or for an ``__init__.py`` also its package folder."""
    rel = path.relative_to(REPO).as_posix()
    return {rel, rel.removesuffix("__init__.py")} if path.name == "__init__.py" else {rel}


def test_every_module_is_in_the_module_map() -> None:
    named = set(re.findall(r"^\| `(guardians/[^`]*)` \|", DOC.read_text(), flags=re.M))
    modules = sorted((REPO / "guardians").rglob("*.py"))
    missing = [p.relative_to(REPO).as_posix() for p in modules if not names_for(p) & named]
    assert missing == [], "add a line per module to docs/architecture.md"
    known = set().union(*(names_for(p) for p in modules))
    assert sorted(named - known) == [], "docs/architecture.md names modules that no longer exist"
