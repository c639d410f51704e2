"""Which column type changes PostgreSQL applies without rewriting the table.

Framework migrations often "change" a column to a type the database already
has, or to one that is binary compatible (a longer ``varchar``, ``varchar``
to ``text``). Only a real change is a risk; :func:`needs_rewrite` says which.
Types are PostgreSQL type names as the front ends write them
(``varchar(50)``, ``numeric(10, 2)``, ``timestamptz``); an unknown type is
compared as text.
"""

from __future__ import annotations

import re

_PARAMS = re.compile(r"^\s*([a-z_][a-z0-9_ ]*?)\s*(?:\(([^)]*)\))?\s*(\[\])?\s*$")
_ALIASES = {
    "character varying": "varchar",
    "character": "char",
    "bpchar": "char",
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "decimal": "numeric",
    "float8": "double precision",
    "float4": "real",
    "bool": "boolean",
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
}
#: Types whose values are stored as the same bytes as text (a change between them is metadata only).
_TEXTLIKE = frozenset({"text", "varchar"})


def split_type(sql_type: str) -> tuple[str, tuple[int, ...] | None, bool]:
    """(base name, numeric modifiers or None, is array); unknown shapes keep the whole text as name."""
    m = _PARAMS.match(sql_type.lower())
    if m is None:
        return sql_type.strip().lower(), None, False
    base = _ALIASES.get(m.group(1).strip(), m.group(1).strip())
    mods: tuple[int, ...] | None = None
    if m.group(2) is not None:
        try:
            mods = tuple(int(x) for x in m.group(2).split(","))
        except ValueError:
            return sql_type.strip().lower(), None, False
    return base, mods, m.group(3) is not None


def needs_rewrite(old: str, new: str) -> bool:
    """True if ``ALTER COLUMN ... TYPE new`` on a column of type ``old`` rewrites (or re-checks) the table.

    No rewrite: the same type; ``varchar(n)`` to a larger ``n``, to ``varchar``
    or to ``text``; ``text`` to unbounded ``varchar``; ``numeric(p, s)`` to a
    larger precision with the same scale, or to unbounded ``numeric``.
    Everything else (including ``timestamp`` to ``timestamptz``, whose values
    are converted with the session time zone) counts as a rewrite.
    """
    a_base, a_mods, a_arr = split_type(old)
    b_base, b_mods, b_arr = split_type(new)
    if a_arr != b_arr:
        return True
    if (a_base, a_mods) == (b_base, b_mods):
        return False
    if a_base in _TEXTLIKE and b_base in _TEXTLIKE:
        if b_mods is None:  # text or unbounded varchar accepts every value
            return False
        return a_mods is None or b_mods[0] < a_mods[0]
    if a_base == b_base == "numeric":
        if b_mods is None:
            return False
        if a_mods is None or len(a_mods) != 2 or len(b_mods) != 2:
            return True
        return not (b_mods[1] == a_mods[1] and b_mods[0] >= a_mods[0])
    return True
