"""What the deploy guardian looks up in the repository: which scripts exist, which test runner it uses.

Only small files at the repository root are read (bounded, no symlinks); a
file that cannot be read counts as absent, so a hostile file can hide a
runner but never make the guardian name a command that is not there.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path, PurePosixPath

from guardians.errors import GuardianError
from guardians.rules.deploy import DEFAULT_SCRIPTS, RepoFacts, script_of

_MAKE_TEST = re.compile(rb"^test\s*:(?!=)", re.MULTILINE)
_NPM_PLACEHOLDER = "no test specified"  # what `npm init` writes into scripts.test
MAX_CONFIG_BYTES = 256 * 1024


def gather(root: Path, named: list[str | None]) -> RepoFacts:
    """Facts about ROOT for the commands NAMED by the plan (None when unnamed) and the defaults."""
    scripts = {s for c in named if c for s in [script_of(c)] if s}
    scripts.update(DEFAULT_SCRIPTS.values())
    present = frozenset(_normal(s) for s in scripts if _is_script(root, s))
    runner, source = detect_test_runner(root)
    return RepoFacts(present, runner, source)


def _normal(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def _is_script(root: Path, script: str) -> bool:
    rel = PurePosixPath(_normal(script))
    if rel.is_absolute() or ".." in rel.parts:
        return False  # outside the repository: the guardian cannot vouch for it
    try:
        info = os.stat(root / rel)  # a symlinked script is common; it must end at a regular file
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode)


def _read(root: Path, name: str) -> bytes | None:
    from guardians.store.loaders import read_bounded

    path = root / name
    if not path.exists():
        return None
    try:
        return read_bounded(path, display=name, max_bytes=MAX_CONFIG_BYTES)
    except GuardianError:
        return None


def detect_test_runner(root: Path) -> tuple[str | None, str | None]:
    """The repository's own test entry point, most specific first: make, npm, pytest, go."""
    makefile = _read(root, "Makefile")
    if makefile is not None and _MAKE_TEST.search(makefile):
        return "make test", "Makefile"
    package = _read(root, "package.json")
    if package is not None and _npm_has_test(package):
        return "npm test", "package.json"
    for name in ("pytest.ini", "conftest.py"):
        if _read(root, name) is not None:
            return "pytest", name
    for name in ("pyproject.toml", "setup.cfg", "tox.ini"):
        data = _read(root, name)
        if data is not None and b"pytest" in data:
            return "pytest", name
    if _read(root, "go.mod") is not None:
        return "go test ./...", "go.mod"
    return None, None


def _npm_has_test(raw: bytes) -> bool:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return False
    scripts = data.get("scripts") if isinstance(data, dict) else None
    test = scripts.get("test") if isinstance(scripts, dict) else None
    return isinstance(test, str) and bool(test.strip()) and _NPM_PLACEHOLDER not in test
