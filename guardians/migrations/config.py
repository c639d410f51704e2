"""Configuration of ``guardians lint-migrations``: one loader, one schema.

Looked up from the current directory upwards (stopping at the repository
root, the first directory holding ``.git``): the first ``guardians.toml``
(table ``[lint-migrations]``) or ``pyproject.toml`` with a
``[tool.guardians.lint-migrations]`` table wins; ``--config FILE`` names one
explicitly. The table is checked against ``config.schema.json`` (next to
this module); a bad file is a usage error naming the file, the key path and
its line.

The configuration shapes only what the developer command reports. The
pipeline's migration guardian never reads it: any agent can write these
files, and a guardian that read them could be switched off by the code it
reviews.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from guardians.errors import UsageError
from guardians.rules.base import Finding, Severity

#: Findings about the analysis itself: never hidden by configuration (fail closed).
UNIGNORABLE = frozenset({"MIG900", "MIG902"})
_MAX_CONFIG_BYTES = 1_000_000


@dataclass(frozen=True)
class LintConfig:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    layout: str = "auto"
    fail_on: str | None = None
    #: Directory globs are relative to (the configuration file's); None: no file.
    base: Path | None = None
    source: str | None = None

    def _relative(self, path: Path) -> str | None:
        if self.base is None:
            return None
        try:
            return PurePosixPath(path.absolute().relative_to(self.base.absolute())).as_posix()
        except ValueError:
            return None

    def excluded(self, path: Path) -> bool:
        rel = self._relative(path)
        return rel is not None and any(fnmatchcase(rel, pattern) for pattern in self.exclude)

    def keeps(self, finding: Finding, path: Path | None) -> bool:
        """False if the finding's code is not selected, ignored, or ignored for its path."""
        code = finding.code
        if code in UNIGNORABLE:
            return True
        if self.select and not code.startswith(self.select):
            return False
        if self.ignore and code.startswith(self.ignore):
            return False
        if self.per_path_ignores and path is not None:
            rel = self._relative(path)
            if rel is not None:
                for pattern, codes in self.per_path_ignores:
                    if code.startswith(codes) and fnmatchcase(rel, pattern):
                        return False
        return True

    def adjust(self, finding: Finding) -> Finding:
        severity = self.severity.get(finding.code)
        if severity is None or severity == finding.severity:
            return finding
        return replace(finding, severity=severity)


@cache
def config_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((Path(__file__).with_name("config.schema.json")).read_text(encoding="utf-8"))
    return schema


def find_config(start: Path) -> Path | None:
    """The configuration file that applies in ``start``, if any."""
    here = start.absolute()
    for directory in (here, *here.parents):
        candidate = directory / "guardians.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _has_table(pyproject):
            return pyproject
        if (directory / ".git").exists():
            return None
    return None


def _has_table(pyproject: Path) -> bool:
    try:
        data = pyproject.read_bytes()[:_MAX_CONFIG_BYTES]
    except OSError:
        return False
    return b"tool.guardians" in data


def load_config(path: Path | None, *, start: Path | None = None) -> LintConfig:
    """The configuration in ``path`` (or found from ``start``); defaults when there is none."""
    if path is None:
        path = find_config(start or Path.cwd())
        if path is None:
            return LintConfig()
    import tomllib  # only when there is a file to read

    text = _read(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from exc
    if path.name == "pyproject.toml":
        table = doc.get("tool", {}).get("guardians", {}).get("lint-migrations", {})
        prefix = "tool.guardians.lint-migrations"
    else:
        table = doc.get("lint-migrations", {})
        prefix = "lint-migrations"
    _validate(table, path, text, prefix)
    return _build(table, path)


def _read(path: Path) -> str:
    from guardians.errors import InputError
    from guardians.store.loaders import read_bounded

    try:
        data = read_bounded(path, display=str(path), max_bytes=_MAX_CONFIG_BYTES)
    except InputError as exc:
        raise UsageError(f"configuration {exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: configuration is not valid UTF-8 (offset {exc.start})") from exc


def _validate(table: Any, path: Path, text: str, prefix: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(config_schema())
    errors = sorted(validator.iter_errors(table), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    error = errors[0]
    keys = [str(k) for k in error.absolute_path]
    where = ".".join([prefix, *keys])
    line = _line_of(text, keys[0] if keys else prefix.rsplit(".", 1)[-1])
    raise UsageError(f"{path}:{line}: {where}: {error.message}")


def _line_of(text: str, key: str) -> int:
    """Line of the first ``key =`` or ``[...key]`` in the file (1 if not found)."""
    pattern = re.compile(rf"^\s*(?:\[[^\]]*{re.escape(key)}[^\]]*\]|\"?{re.escape(key)}\"?\s*=)", re.MULTILINE)
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def _build(table: dict[str, Any], path: Path) -> LintConfig:
    return LintConfig(
        select=tuple(table.get("select", ())),
        ignore=tuple(table.get("ignore", ())),
        per_path_ignores=tuple((glob, tuple(codes)) for glob, codes in table.get("per-path-ignores", {}).items()),
        severity={code: Severity.parse(level) for code, level in table.get("severity", {}).items()},
        exclude=tuple(table.get("exclude", ())),
        layout=table.get("layout", "auto"),
        fail_on=table.get("fail-on"),
        base=path.parent.absolute(),
        source=str(path),
    )
