"""Earlier migrations of a Django app, replayed so that each file is judged in context.

``analyze_paths`` lints files in name order; for a Django migration it asks
:class:`DjangoHistory` for the state its app was left in by the migrations
that sort before it in the same ``migrations/`` directory. The state is
replayed once per directory and carried forward from file to file (the
analysis of a file applies that file's operations to it), so a directory of
n migrations costs n parses, not n^2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from guardians.migrations.django_state import ProjectState

_DJANGO_MARK = re.compile(r"^class\s+Migration\s*\(\s*(?:[\w.]*\.)?Migration\s*\)", re.MULTILINE)


@dataclass(slots=True)
class _Replay:
    files: list[str]
    state: ProjectState = field(default_factory=ProjectState)
    #: Index in ``files`` of the next migration not yet applied to ``state``.
    applied: int = 0


class DjangoHistory:
    """Per ``migrations/`` directory: the state before the next migration."""

    def __init__(self, max_bytes: int = 5_000_000) -> None:
        self._dirs: dict[Path, _Replay] = {}
        self._max_bytes = max_bytes

    def state_before(self, path: Path) -> ProjectState:
        """The state left by the migrations sorting before ``path``; the caller applies ``path`` to it."""
        directory = path.parent
        replay = self._dirs.get(directory)
        if replay is None:
            replay = self._dirs[directory] = _Replay(_migration_names(directory))
        names = replay.files
        position = _position(names, path.name)
        if position < replay.applied:  # asked out of order: start again
            replay.state = ProjectState()
            replay.applied = 0
        for name in names[replay.applied : position]:
            self._apply(directory / name, replay.state)
        replay.applied = position + (1 if position < len(names) and names[position] == path.name else 0)
        return replay.state

    def _apply(self, path: Path, state: ProjectState) -> None:
        from guardians.migrations import django
        from guardians.migrations.reading import read_migration
        from guardians.migrations.sandbox import parse_python

        text, _error, _line = read_migration(path, self._max_bytes)
        if text is None or not _DJANGO_MARK.search(text):
            return
        try:
            tree = parse_python(text, str(path))
        except (SyntaxError, ValueError):
            return  # reported when that file itself is linted
        django.translate(text, tree, path.as_posix(), state, emit=False)


def _migration_names(directory: Path) -> list[str]:
    try:
        names = [
            entry.name
            for entry in directory.iterdir()
            if entry.name.endswith(".py") and entry.name != "__init__.py" and not entry.is_symlink() and entry.is_file()
        ]
    except OSError:
        return []
    return sorted(names)


def _position(names: list[str], name: str) -> int:
    from bisect import bisect_left

    return bisect_left(names, name)
