"""Where migration tools keep their files, and which file rolls back which.

Each layout says which SQL files are rollbacks or checks (never linted as
forward migrations) and where the rollback of a forward migration lives:

========================  ==============================  =================================
layout                    forward migration               rollback
========================  ==============================  =================================
``plain``                 ``X.sql``                       ``X.down.sql``, ``X_down.sql``,
                                                          ``X.rollback.sql``, ``X.undo.sql``,
                                                          ``down/X.sql``
``golang-migrate``        ``N_x.up.sql``                  ``N_x.down.sql``
``diesel`` (Sourcegraph)  ``<dir>/up.sql``                ``<dir>/down.sql``
``flyway``                ``V<ver>__x.sql`` (``R__x.sql``  ``U<ver>__x.sql`` (repeatable
                          repeatable)                     files need none)
``sqitch``                ``deploy/x.sql``                ``revert/x.sql`` (``verify/`` checks)
``goose`` / ``dbmate``    one file                        its ``-- +goose Down`` /
                                                          ``-- migrate:down`` section
========================  ==============================  =================================

Alembic and Django files carry their own rollback (``downgrade()``,
``reverse_code``/``reverse_sql``). ``auto`` (the default) accepts every
layout at once; a configured layout accepts only its own conventions.
:func:`has_rollback_file` looks the rollback up on disk, one directory
listing per folder and run.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import PurePath

LAYOUTS = ("auto", "plain", "golang-migrate", "diesel", "flyway", "sqitch", "goose", "dbmate", "alembic", "django")

_FLYWAY_VERSIONED = re.compile(r"^V(\d[^_]*(?:_\d[^_]*)*)__(.+\.sql)$", re.IGNORECASE)
_FLYWAY_UNDO = re.compile(r"^U(\d[^_]*(?:_\d[^_]*)*)__(.+\.sql)$", re.IGNORECASE)
_FLYWAY_REPEATABLE = re.compile(r"^R__.+\.sql$", re.IGNORECASE)
_PLAIN_ROLLBACK_SUFFIXES = (".down.sql", "_down.sql", ".rollback.sql", ".undo.sql")


def _uses(layout: str, *names: str) -> bool:
    return layout == "auto" or layout in names


def is_rollback_name(name: str, parent: str, layout: str = "auto") -> bool:
    """:func:`is_rollback_file` on a file name and its directory's name (no path objects: runs per file)."""
    lower = name.lower()
    if not lower.endswith(".sql"):
        return False
    parent = parent.lower()
    if _uses(layout, "plain", "golang-migrate") and (lower.endswith(_PLAIN_ROLLBACK_SUFFIXES) or parent == "down"):
        return True
    if _uses(layout, "diesel") and lower == "down.sql":
        return True
    if _uses(layout, "flyway") and _FLYWAY_UNDO.match(name):
        return True
    return _uses(layout, "sqitch") and parent in ("revert", "verify")


def is_rollback_file(path: PurePath, layout: str = "auto") -> bool:
    """Rollback (or verification) scripts: not forward migrations themselves."""
    return is_rollback_name(path.name, path.parent.name, layout)


def needs_no_rollback(path: PurePath, layout: str = "auto") -> bool:
    """Files whose tool re-applies them instead of rolling back (Flyway repeatable migrations)."""
    return _uses(layout, "flyway") and bool(_FLYWAY_REPEATABLE.match(path.name))


def rollback_names(name: str, parent: str, layout: str = "auto") -> list[tuple[str, str]]:
    """(directory relative to the migration's, file name) of each file that would roll it back."""
    # runs once per migration file: the lower-cased name is computed once, and the Flyway
    # pattern is tried only on names that can match it (they start with V)
    out: list[tuple[str, str]] = []
    lower = name.lower()
    if _uses(layout, "diesel") and lower == "up.sql":
        out.append(("", "down.sql"))
    flyway = _FLYWAY_VERSIONED.match(name) if lower[:1] == "v" else None
    if flyway and _uses(layout, "flyway"):
        out.append(("", f"U{flyway.group(1)}__{flyway.group(2)}"))
    if _uses(layout, "sqitch") and parent.lower() == "deploy":
        out.append(("../revert", name))
    if _uses(layout, "plain", "golang-migrate"):
        stem = name[:-4] if lower.endswith(".sql") else name
        out += [("", stem + suffix) for suffix in _PLAIN_ROLLBACK_SUFFIXES]
        if stem.lower().endswith((".up", "_up")):
            out += [("", stem[:-3] + suffix) for suffix in _PLAIN_ROLLBACK_SUFFIXES]
        out.append(("down", name))
    return out


def rollback_candidates(path: PurePath, layout: str = "auto") -> list[PurePath]:
    """Files whose existence means ``path`` (a .sql migration) can be rolled back."""
    out: list[PurePath] = []
    for rel, name in rollback_names(path.name, path.parent.name, layout):
        if rel == "../revert":
            out.append(path.parent.parent / "revert" / name)
        else:
            out.append(path.parent / rel / name if rel else path.with_name(name))
    return out


def rollback_hint(layout: str = "auto") -> str:
    """Where a rollback was looked for, for the MIG403 message."""
    hints = {
        "plain": "X.down.sql, X_down.sql, X.rollback.sql, X.undo.sql or down/X.sql",
        "golang-migrate": "N_x.down.sql",
        "diesel": "down.sql in the same folder",
        "flyway": "U<version>__x.sql",
        "sqitch": "revert/x.sql",
        "goose": "a -- +goose Down section",
        "dbmate": "a -- migrate:down section",
    }
    if layout in hints:
        return hints[layout]
    return (
        "no X.down.sql / X_down.sql / X.rollback.sql / down/X.sql, down.sql (diesel), U<ver>__x.sql (Flyway) "
        "or revert/x.sql (sqitch) next to this file and no goose/dbmate down section in it"
    )


@lru_cache(maxsize=256)
def _listing(directory: str, rel: str = "") -> dict[str, os.DirEntry[str]]:
    """Entries of ``directory/rel`` by name (none if it cannot be listed): one listing instead of a stat per
    candidate, and the path joined once per directory instead of once per file."""
    where = os.path.normpath(os.path.join(directory, rel)) if rel else directory
    try:
        with os.scandir(where or ".") as entries:
            return {entry.name: entry for entry in entries}
    except OSError:
        return {}


def has_rollback_file(directory: str, name: str, parent: str, layout: str = "auto") -> bool:
    """Whether a rollback file of ``directory/name`` exists (strings, not path objects: this runs per file)."""
    for rel, candidate in rollback_names(name, parent, layout):
        entry = _listing(directory, rel).get(candidate)
        if entry is not None and _is_file(entry):
            return True
    return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    """``os.path.isfile`` of the entry: symlinks followed, errors mean no. The type comes from
    the directory listing where the file system gives it (no stat per rollback file)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def forget_listings() -> None:
    """Drop the cached directory listings (they are valid for one run)."""
    _listing.cache_clear()
