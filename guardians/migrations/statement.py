"""The unit a migration rule looks at: one statement plus its file context.

SQL files produce one :class:`Statement` per parsed statement. Alembic and
Django operations are translated into the equivalent PostgreSQL statement, so
that one rule covers every dialect. A few framework-only facts (a missing
rollback, a ``RunPython`` step, a parse error) are represented by synthetic
node types whose names do not collide with PostgreSQL node names.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from typing import Any

#: Synthetic node types (not produced by the PostgreSQL parser).
PARSE_ERROR = "ParseError"
FILE_ERROR = "FileError"
BAD_SUPPRESSION = "BadSuppression"
MIGRATION_FILE = "MigrationFile"
RUN_PYTHON = "RunPython"
RUN_SQL = "RunSQL"
#: Synthetic node types that are not statements of the migration (not counted as statements).
UNCOUNTED_TYPES = frozenset({MIGRATION_FILE, FILE_ERROR, BAD_SUPPRESSION})

STATEMENT_PREVIEW = 200

_EMPTY: frozenset[Any] = frozenset()


def preview(text: str, limit: int = STATEMENT_PREVIEW) -> str:
    """Collapse whitespace and cut ``text`` to ``limit`` characters."""
    short = " ".join(text.split())
    if len(short) > limit:
        return short[: limit - 3] + "..."
    return short


@dataclass(slots=True)
class RawStatement:
    """A statement as produced by a front end (SQL, Alembic, Django), before context."""

    node_type: str
    node: dict[str, Any]
    text: str
    line: int
    column: int = 1
    #: Line of the Python call that produced it (used by ``# guardians: ignore``).
    anchor_line: int | None = None
    #: Forced outside any transaction (Alembic ``autocommit_block``).
    autocommit: bool = False
    #: Framework operation that produced it, e.g. ``op.drop_column``.
    origin: str | None = None
    #: ``text`` is the statement's own source and ``line``/``column`` its first character
    #: (False for SQL generated from a framework call, whose text is the Python call).
    exact: bool = True


@dataclass(slots=True)
class Statement:
    """What a rule's ``check`` receives: one statement and the state of its file.

    Context fields are computed by one forward pass over the file before any
    rule runs, so rules never look at other statements themselves.
    """

    node_type: str
    node: dict[str, Any]
    text: str
    file: str
    line: int
    column: int = 1
    #: ``sql``, ``alembic`` or ``django``.
    dialect: str = "sql"
    #: Framework operation that produced it (``op.add_column``), if any.
    origin: str | None = None
    #: The statement runs inside a transaction (explicit ``BEGIN`` or a transactional file).
    in_transaction: bool = False
    #: A non-zero ``lock_timeout`` or ``statement_timeout`` is in effect.
    timeout_set: bool = False
    #: Main table of the statement (``relation``), unqualified, if any.
    table: str | None = None
    #: Tables created earlier in this file (and not dropped since).
    new_tables: Set[str] = _EMPTY
    #: Indexes created earlier in this file.
    new_indexes: Set[str] = _EMPTY
    #: (table, column) pairs proven NOT NULL by a validated CHECK earlier in this file.
    proven_not_null: Set[tuple[str, str]] = _EMPTY
    #: The transaction this statement runs in also holds a lock-taking DDL on an existing table.
    tx_locks_existing: bool = False
    anchor_line: int | None = None
    tx_id: int = -1
    #: See :attr:`RawStatement.exact`: clauses can be located inside ``text``.
    exact: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    _short_text: str | None = field(default=None, repr=False, compare=False)

    def position(self, offset: int) -> tuple[int, int]:
        """Line and column of character ``offset`` of ``text`` (for an exact statement)."""
        newlines = self.text.count("\n", 0, offset)
        if newlines == 0:
            return self.line, self.column + offset
        return self.line + newlines, offset - self.text.rfind("\n", 0, offset)

    @property
    def table_is_new(self) -> bool:
        return self.table is not None and self.table in self.new_tables

    @property
    def short_text(self) -> str:
        """:func:`preview` of the text (computed once: several findings may quote it)."""
        short = self._short_text
        if short is None:
            short = self._short_text = preview(self.text)
        return short
