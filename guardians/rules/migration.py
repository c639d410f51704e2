"""Migration rules (MIG codes): destructive, locking, type/style and process checks.

Every rule is a class with a pure ``check(stmt, node)``: ``stmt`` is a
:class:`~guardians.migrations.statement.Statement` (the statement and its file
context) and ``node`` is the part of the parse tree the rule registered for in
``keys``. Keys are PostgreSQL parse-node names (``DropStmt``), ``ALTER TABLE``
sub-command types (``AT_DropColumn``), ``ColumnDef`` (every column definition
of ``CREATE TABLE`` / ``ADD COLUMN`` / ``ALTER COLUMN TYPE``) or synthetic
node types of :mod:`guardians.migrations.statement`. The engine walks each
statement once and calls only the rules registered for what it meets.

Code groups: MIG1xx destructive, MIG2xx locking and rewrites, MIG3xx types
and style, MIG4xx process, MIG5xx compatibility (changes that break deployed
code or remove a guarantee without losing data), MIG9xx analysis problems.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from guardians.migrations import nodes as n
from guardians.migrations.statement import (
    BAD_SUPPRESSION,
    FILE_ERROR,
    MIGRATION_FILE,
    PARSE_ERROR,
    RUN_PYTHON,
    RUN_SQL,
    Statement,
)
from guardians.rules.base import Finding, Severity, make_finding

Node = dict[str, Any]


class MigrationRule:
    """Shared attributes and the finding factory. Subclasses override ``check``."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.ERROR
    blocking: ClassVar[bool] = True
    risk: ClassVar[int] = 0
    #: ``destructive`` | ``locking`` | ``style`` | ``process`` | ``compatibility`` | ``analysis``
    category: ClassVar[str] = "locking"
    anchors: ClassVar[tuple[str, ...]] = ()
    safer: ClassVar[str] = ""
    #: Dialect-specific wording of ``safer`` (``alembic`` / ``django``).
    safer_by_dialect: ClassVar[Mapping[str, str]] = {}
    #: Dialects the rule applies to.
    dialects: ClassVar[frozenset[str]] = frozenset({"sql", "alembic", "django"})
    #: What the engine dispatches to ``check``.
    keys: ClassVar[tuple[str, ...]] = ()
    #: False for findings about the analysis itself (they cannot be waived).
    suppressible: ClassVar[bool] = True
    #: Kind of object (``view``, ``function``, ``type``) whose drop is not reported when the
    #: same file creates it again (drop and re-create to change a definition).
    recreated_kind: ClassVar[str] = ""

    @classmethod
    def finding(
        cls, stmt: Statement, message: str, *, subject: str | None = None, at: tuple[str, str | None] | None = None
    ) -> Finding:
        """A finding on ``stmt``; ``at`` = (clause kind, identifier) points it at the risky clause."""
        line, column = stmt.line, stmt.column
        if at is not None and at[1] and stmt.exact:
            offset = _clause_start(stmt.text, at[0], at[1])
            if offset is not None:
                line, column = stmt.position(offset)
        # every field given (in Finding's field order): this runs for every finding
        return make_finding(
            cls.code,
            message,
            cls.severity,
            cls.blocking,
            stmt.file,
            line,
            column,
            None,  # json_path
            stmt.short_text or None,
            cls.safer_by_dialect.get(stmt.dialect, cls.safer),
            subject,
            cls.risk,
            {"rule": cls.name},
        )

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        yield from ()


#: An identifier as written in SQL: quoted (case kept) or bare (folded to lower case).
_ID = r'(?P<id>"(?:[^"]|"")*"|[^\s,;()"]+)'
_CLAUSES = {
    kind: re.compile(pattern.format(_ID), re.IGNORECASE)
    for kind, pattern in {
        "drop-column": r"\bDROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?{}",
        "type": r"\bALTER\s+(?:COLUMN\s+)?{}\s+(?:SET\s+DATA\s+)?TYPE\b",
        "set-not-null": r"\bALTER\s+(?:COLUMN\s+)?{}\s+SET\s+NOT\s+NULL\b",
        "drop-not-null": r"\bALTER\s+(?:COLUMN\s+)?{}\s+DROP\s+NOT\s+NULL\b",
        "drop-default": r"\bALTER\s+(?:COLUMN\s+)?{}\s+DROP\s+DEFAULT\b",
        "add-column": r"\bADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?{}",
        "constraint": r"\b(?:(?:ADD|DROP)\s+)?CONSTRAINT\s+(?:IF\s+EXISTS\s+)?{}",
        "rename-column": r"\bRENAME\s+(?:COLUMN\s+)?{}\s+TO\b",
        "keyword": r"\b{}\b",
    }.items()
}
#: The same patterns for ASCII text, searched about 1.5x faster: with re.ASCII, IGNORECASE
#: folds only A-Z (the other letters it folds, such as the Kelvin sign, are not ASCII) and \b
#: sees the same word characters; ``\s`` is spelled out as the ASCII characters str.isspace()
#: accepts, which the Unicode ``\s`` also matches (re.ASCII's ``\s`` omits \x1c-\x1f).
_ASCII_CLAUSES = {
    kind: re.compile(
        pattern.pattern.replace(r"[^\s", r"[^\t-\r\x1c-\x20").replace(r"\s", r"[\t-\r\x1c-\x20]"),
        re.IGNORECASE | re.ASCII,
    )
    for kind, pattern in _CLAUSES.items()
}


def _clause_start(text: str, kind: str, name: str) -> int | None:
    """Offset in ``text`` of the clause of kind ``kind`` about identifier ``name`` (parse-tree spelling)."""
    for m in (_ASCII_CLAUSES if text.isascii() else _CLAUSES)[kind].finditer(text):
        ident = m.group("id")
        if kind == "keyword":
            if ident.upper() == name:
                return m.start()
            continue
        spelled = ident[1:-1].replace('""', '"') if ident.startswith('"') else ident.lower()
        if spelled == name:
            return m.start()
    return None


def _constraint_at(name: str | None, keyword: str) -> tuple[str, str]:
    return ("constraint", name) if name else ("keyword", keyword)


def _col(table: str | None, column: str | None) -> str:
    return f"{table}.{column}" if table and column else (column or table or "?")


# --------------------------------------------------------------------------- MIG1xx destructive


class DropColumn(MigrationRule):
    """What: a migration drops a column from an existing table.

    Why: the data in the column is gone for good, and application code that
    is still deployed (old pods during a rollout, workers, reports) keeps
    selecting or inserting it and starts failing the moment the migration
    commits.

    Fix: ship code that no longer reads or writes the column first (for ORMs,
    also tell the ORM to ignore it), take a backup, then drop it in a later
    release. Suppress with a reason once that is done.
    """

    code = "MIG101"
    name = "migration.drop-column"
    severity = Severity.ERROR
    risk = 40
    category = "destructive"
    anchors = ("squawk: ban-drop-column", "strong_migrations: remove_column", "atlas: DS103")
    safer = "Stop using the column in code first, back it up, and drop it in a later release."
    keys = ("AT_DropColumn",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if stmt.table_is_new:
            return
        column = node.get("name")
        yield cls.finding(
            stmt,
            f"drops column {_col(stmt.table, column)}: its data is lost and running code that uses it breaks",
            subject=_col(stmt.table, column),
            at=("drop-column", column),
        )


class DropTable(MigrationRule):
    """What: a migration drops an existing table.

    Why: every row is lost and cannot be brought back without a restore;
    code that still references the table fails immediately.

    Fix: remove all code paths that use the table, keep a backup (or rename
    the table aside for a release), then drop it in a separate migration.
    """

    code = "MIG102"
    name = "migration.drop-table"
    severity = Severity.ERROR
    risk = 50
    category = "destructive"
    anchors = ("squawk: ban-drop-table", "strong_migrations: remove_table", "atlas: DS102")
    safer = "Remove every use of the table first, back it up, and drop it in a later release."
    keys = ("DropStmt",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if node.get("removeType") != "OBJECT_TABLE":
            return
        for table in n.drop_object_names(node):
            if table in stmt.new_tables:
                continue
            yield cls.finding(stmt, f"drops table {table}: all of its rows are lost", subject=table)


class DropDatabase(MigrationRule):
    """What: a migration drops a whole database or schema.

    Why: this removes every table inside it at once. A migration is never the
    right place for that; it is almost always a script run against the wrong
    environment.

    Fix: do it by hand, deliberately, after a verified backup, outside the
    migration history.
    """

    code = "MIG103"
    name = "migration.drop-database"
    severity = Severity.ERROR
    risk = 100
    category = "destructive"
    anchors = ("squawk: ban-drop-database", "atlas: DS101")
    safer = "Never drop a database or schema from a migration; do it manually after a verified backup."
    keys = ("DropdbStmt", "DropStmt")

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if stmt.node_type == "DropdbStmt":
            db = node.get("dbname", "?")
            yield cls.finding(stmt, f"drops database {db}", subject=db)
        elif node.get("removeType") == "OBJECT_SCHEMA":
            for schema in n.drop_object_names(node):
                yield cls.finding(stmt, f"drops schema {schema} and everything in it", subject=schema)


class Truncate(MigrationRule):
    """What: a migration empties a table with TRUNCATE.

    Why: TRUNCATE deletes every row without a trace in the table and takes an
    ACCESS EXCLUSIVE lock; with CASCADE it also empties every table that
    references it, which is easy to miss in review.

    Fix: if data really must go, delete it in batches with an explicit WHERE
    from a data job, after a backup.
    """

    code = "MIG104"
    name = "migration.truncate"
    severity = Severity.ERROR
    risk = 50
    category = "destructive"
    anchors = ("squawk: ban-truncate-cascade",)
    safer = "Delete the rows you mean to delete in batches with a WHERE clause, after a backup."
    keys = ("TruncateStmt",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        tables = [n.relname(rv.get("RangeVar")) or "?" for rv in node.get("relations") or ()]
        names = ", ".join(tables)
        cascade = node.get("behavior") == "DROP_CASCADE"
        extra = " and, with CASCADE, every table that references it" if cascade else ""
        yield cls.finding(stmt, f"truncates {names}{extra}: all rows are deleted", subject=names)


class DropCascade(MigrationRule):
    """What: a DROP or TRUNCATE uses CASCADE.

    Why: CASCADE silently removes dependent objects (views, foreign keys,
    other tables' rows for TRUNCATE) that the statement does not name, so the
    real effect of the migration is not visible in the review.

    Fix: drop the dependent objects explicitly, one statement each, so the
    review shows everything that goes away; keep the default RESTRICT.
    """

    code = "MIG105"
    name = "migration.cascade"
    severity = Severity.ERROR
    risk = 40
    category = "destructive"
    anchors = ("squawk: ban-truncate-cascade", "atlas: DS102")
    safer = "Drop dependent objects explicitly and keep the default RESTRICT behaviour."
    keys = ("DropStmt", "TruncateStmt", "AT_DropColumn", "AT_DropConstraint")

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if node.get("behavior") != "DROP_CASCADE":
            return
        if stmt.node_type == "AlterTableStmt" and stmt.table_is_new:
            return
        yield cls.finding(
            stmt, "uses CASCADE: dependent objects not named here are removed too", at=("keyword", "CASCADE")
        )


class ColumnTypeChange(MigrationRule):
    """What: a migration changes the type of an existing column.

    Why: most type changes rewrite the whole table and its indexes while
    holding an ACCESS EXCLUSIVE lock, blocking reads and writes for the
    duration; narrowing types can also fail or truncate data, and running
    code may not understand the new type.

    Fix: add a new column with the new type, backfill it in batches, switch
    the code over, then drop the old column. Only a few changes are
    metadata-only (e.g. varchar(n) to text or to a larger n).
    """

    code = "MIG106"
    name = "migration.column-type-change"
    severity = Severity.ERROR
    risk = 40
    category = "destructive"
    anchors = ("squawk: changing-column-type", "strong_migrations: change_column")
    safer = "Add a new column with the new type, backfill it in batches, switch code over, drop the old one."
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "django": "Add a new field, backfill it in a separate migration, switch code, then remove the old "
        "field; check the SQL with `manage.py sqlmigrate`.",
    }
    keys = ("AT_AlterColumnType",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if stmt.table_is_new:
            return
        column = node.get("name")
        coldef = n.cmd_def(node, "ColumnDef") or {}
        new_type = n.full_type(coldef) or "?"
        old_type = node.get("_from")
        if old_type:
            message = (
                f"changes the type of {_col(stmt.table, column)} from {old_type} to {new_type}: rewrites the "
                "table under an ACCESS EXCLUSIVE lock and can break running code"
            )
        elif stmt.origin == "AlterField":
            message = (
                f"AlterField on {_col(stmt.table, column)} may change its type to {new_type} "
                "(table rewrite under ACCESS EXCLUSIVE lock): no earlier migration of this app defines the field"
            )
        else:
            message = (
                f"changes the type of {_col(stmt.table, column)} to {new_type}: usually rewrites the table "
                "under an ACCESS EXCLUSIVE lock and can break running code"
            )
        yield cls.finding(stmt, message, subject=_col(stmt.table, column), at=("type", column))


class RenameColumn(MigrationRule):
    """What: a migration renames a column of an existing table.

    Why: the rename is instant in the database but every deployed copy of the
    application still uses the old name and fails until it is redeployed;
    there is no moment when old and new code both work.

    Fix: add the new column, write to both, backfill, move reads over, then
    drop the old column (or use a view for the transition).
    """

    code = "MIG107"
    name = "migration.rename-column"
    severity = Severity.ERROR
    risk = 30
    category = "destructive"
    anchors = ("squawk: renaming-column", "strong_migrations: rename_column", "atlas: BC102")
    safer = "Add the new column, dual-write and backfill, move reads, then drop the old column."
    keys = ("RenameStmt",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if node.get("renameType") != "OBJECT_COLUMN" or stmt.table_is_new:
            return
        old, new = node.get("subname"), node.get("newname")
        yield cls.finding(
            stmt,
            f"renames column {_col(stmt.table, old)} to {new}: deployed code using the old name breaks",
            subject=_col(stmt.table, old),
            at=("rename-column", old),
        )


class RenameTable(MigrationRule):
    """What: a migration renames an existing table.

    Why: running application code keeps querying the old name and fails
    until it is redeployed, so the rename causes errors during every rollout.

    Fix: create the new table (or a view with the new name), move code over,
    and drop the old name in a later release.
    """

    code = "MIG108"
    name = "migration.rename-table"
    severity = Severity.ERROR
    risk = 30
    category = "destructive"
    anchors = ("squawk: renaming-table", "strong_migrations: rename_table", "atlas: BC101")
    safer = "Expose the new name through a view (or a new table), migrate code, then retire the old name."
    keys = ("RenameStmt",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if node.get("renameType") != "OBJECT_TABLE" or stmt.table_is_new:
            return
        if stmt.table and stmt.table.endswith("_seq"):
            return  # ALTER TABLE works on sequences too; a sequence rename is MIG502's business
        yield cls.finding(
            stmt,
            f"renames table {stmt.table} to {node.get('newname')}: deployed code using the old name breaks",
            subject=stmt.table,
        )


class UnboundedDml(MigrationRule):
    """What: an UPDATE or DELETE on an existing table has no WHERE clause.

    Why: it touches every row in one transaction: on a large table this holds
    row locks for a long time, bloats the table and its WAL, and for DELETE it
    destroys data that a forgotten WHERE was probably meant to keep.

    Fix: add the WHERE you meant, and run large backfills in batches from a
    data job outside the schema migration.
    """

    code = "MIG109"
    name = "migration.dml-without-where"
    severity = Severity.ERROR
    risk = 40
    category = "destructive"
    anchors = ("strong_migrations: backfilling data (batches, outside the transaction)",)
    safer = "Add an explicit WHERE and process large tables in batches outside the schema migration."
    keys = ("UpdateStmt", "DeleteStmt")

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if node.get("whereClause") is not None or stmt.table_is_new:
            return
        verb = "UPDATE" if stmt.node_type == "UpdateStmt" else "DELETE"
        yield cls.finding(stmt, f"{verb} on {stmt.table} has no WHERE: every row is affected", subject=stmt.table)


# --------------------------------------------------------------------------- MIG2xx locking


class SetNotNull(MigrationRule):
    """What: SET NOT NULL on a column of an existing table.

    Why: PostgreSQL scans the whole table to check for NULLs while holding an
    ACCESS EXCLUSIVE lock, so reads and writes stop for the duration of the
    scan.

    Fix: add ``CHECK (col IS NOT NULL) NOT VALID``, then ``VALIDATE
    CONSTRAINT`` in a separate step (no exclusive lock), then SET NOT NULL,
    which PostgreSQL 12+ completes without a scan, then drop the check.
    """

    code = "MIG201"
    name = "migration.set-not-null"
    severity = Severity.ERROR
    risk = 20
    category = "locking"
    anchors = (
        "squawk: adding-not-nullable-field",
        "strong_migrations: change_column_null",
        "atlas: MF104",
    )
    safer = "Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (no scan on PG12+)."
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "op.execute the CHECK (col IS NOT NULL) NOT VALID + VALIDATE CONSTRAINT steps before "
        "alter_column(nullable=False).",
    }
    keys = ("AT_SetNotNull",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        column = node.get("name")
        if stmt.table_is_new or (stmt.table, column) in stmt.proven_not_null:
            return
        yield cls.finding(
            stmt,
            f"SET NOT NULL on {_col(stmt.table, column)} scans the table under an ACCESS EXCLUSIVE lock",
            subject=_col(stmt.table, column),
            at=("set-not-null", column),
        )


class AddColumnNotNullNoDefault(MigrationRule):
    """What: ADD COLUMN ... NOT NULL without a DEFAULT on an existing table.

    Why: existing rows would get NULL, so the statement fails on any table
    that has rows: the deploy breaks in production although it passed on an
    empty development database.

    Fix: add the column with a constant DEFAULT (instant on PostgreSQL 11+),
    or add it nullable, backfill, and set NOT NULL safely afterwards.
    """

    code = "MIG202"
    name = "migration.add-column-not-null-no-default"
    severity = Severity.ERROR
    risk = 20
    category = "locking"
    anchors = ("squawk: adding-required-field", "strong_migrations: add_column", "atlas: MF103")
    safer = "Add the column with a constant DEFAULT, or nullable then backfill and validate NOT NULL."
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "Give the column a constant server_default, or add it nullable=True and backfill.",
        "django": "Give the field a default (or db_default), or add it with null=True and backfill.",
    }
    keys = ("AT_AddColumn",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if stmt.table_is_new:
            return
        coldef = n.cmd_def(node, "ColumnDef")
        if coldef is None:
            return
        types = n.contypes(coldef)
        if not types & {"CONSTR_NOTNULL", "CONSTR_PRIMARY"}:
            return
        if types & {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}:
            return
        if n.type_name(coldef) in n.SERIAL_TYPES:
            return
        column = coldef.get("colname")
        yield cls.finding(
            stmt,
            f"adds NOT NULL column {_col(stmt.table, column)} without a default: fails on a non-empty table",
            subject=_col(stmt.table, column),
            at=("add-column", column),
        )


#: Functions whose result differs per row; a DEFAULT using them forces a rewrite.
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "clock_timestamp",
        "timeofday",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "nextval",
        "setval",
        "random_normal",
        "txid_current",
        "pg_current_xact_id",
        "gen_random_bytes",
    }
)
#: Built-in stable/immutable functions that are evaluated once for ADD COLUMN.
NON_VOLATILE_FUNCTIONS = frozenset(
    {
        "now",
        "transaction_timestamp",
        "statement_timestamp",
        "current_timestamp",
        "current_date",
        "localtimestamp",
        "timezone",
        "lower",
        "upper",
        "coalesce",
        "nullif",
        "concat",
        "jsonb_build_object",
        "json_build_object",
        "jsonb_build_array",
        "json_build_array",
        "array",
        "to_jsonb",
        "to_json",
        "make_interval",
        "make_date",
        "make_timestamptz",
        "to_timestamp",
        "length",
        "abs",
        "round",
        "md5",
        "current_setting",
    }
)


class AddColumnVolatileDefault(MigrationRule):
    """What: ADD COLUMN with a default that must be computed per row.

    Why: since PostgreSQL 11 a constant (or stable, e.g. ``now()``) default is
    stored once in the catalog and the column is added instantly. A volatile
    default (``random()``, ``clock_timestamp()``, ``gen_random_uuid()``,
    ``nextval()``, serial/identity columns, stored generated columns, or a
    function whose volatility is unknown) makes PostgreSQL rewrite every row
    under an ACCESS EXCLUSIVE lock.

    Fix: add the column without the default (or with a constant one), set the
    volatile default with a separate ALTER COLUMN ... SET DEFAULT (which only
    affects new rows), and backfill existing rows in batches.
    """

    code = "MIG203"
    name = "migration.add-column-volatile-default"
    severity = Severity.ERROR
    risk = 25
    category = "locking"
    anchors = (
        "squawk: adding-field-with-default",
        "strong_migrations: add_column_default_callable",
        "strong_migrations: add_column_generated_stored",
    )
    safer = "Add the column without the volatile default, SET DEFAULT afterwards, backfill in batches."
    keys = ("AT_AddColumn",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if stmt.table_is_new:
            return
        coldef = n.cmd_def(node, "ColumnDef")
        if coldef is None:
            return
        reason = cls._reason(coldef)
        if reason is None:
            return
        column = coldef.get("colname")
        yield cls.finding(
            stmt,
            f"adds column {_col(stmt.table, column)} with {reason}: the whole table is rewritten "
            "under an ACCESS EXCLUSIVE lock",
            subject=_col(stmt.table, column),
            at=("add-column", column),
        )

    @staticmethod
    def _reason(coldef: Node) -> str | None:
        if n.type_name(coldef) in n.SERIAL_TYPES:
            return f"a {n.type_name(coldef)} type (nextval() default)"
        for con in n.constraints(coldef):
            kind = con.get("contype")
            if kind == "CONSTR_IDENTITY":
                return "an identity (values generated per row)"
            if kind == "CONSTR_GENERATED":
                return "a stored generated expression"
            if kind == "CONSTR_DEFAULT":
                for func in n.func_calls(con.get("raw_expr")):
                    if func in VOLATILE_FUNCTIONS:
                        return f"the volatile default {func}()"
                    if func not in NON_VOLATILE_FUNCTIONS:
                        return f"the default {func}() whose volatility is unknown (volatile unless declared)"
        return None


class CreateIndexNotConcurrently(MigrationRule):
    """What: CREATE INDEX on an existing table without CONCURRENTLY.

    Why: a plain CREATE INDEX holds a SHARE lock for the whole build, so every
    INSERT, UPDATE and DELETE on the table waits until the index is built,
    which takes minutes on a large table.

    Fix: use CREATE INDEX CONCURRENTLY (outside a transaction). Indexes on
    tables created in the same migration are not flagged.
    """

    code = "MIG204"
    name = "migration.create-index-not-concurrently"
    severity = Severity.ERROR
    risk = 20
    category = "locking"
    anchors = (
        "squawk: require-concurrent-index-creation",
        "strong_migrations: add_index",
        "atlas: PG101",
    )
    safer = "CREATE INDEX CONCURRENTLY outside a transaction."
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "op.create_index(..., postgresql_concurrently=True) inside op.get_context().autocommit_block().",
        "django": "Use AddIndexConcurrently (django.contrib.postgres.operations) in a migration with atomic = False.",
    }
    keys = ("IndexStmt",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if node.get("concurrent") or stmt.table_is_new:
            return
        name = node.get("idxname") or "(unnamed)"
        yield cls.finding(
            stmt,
            f"creates index {name} on {stmt.table} without CONCURRENTLY: writes are blocked during the build",
            subject=stmt.table,
        )


class DropIndexNotConcurrently(MigrationRule):
    """What: DROP INDEX without CONCURRENTLY.

    Why: dropping an index takes an ACCESS EXCLUSIVE lock on its table; it is
    quick once granted, but it waits behind long queries and every query
    queues behind it meanwhile.

    Fix: use DROP INDEX CONCURRENTLY (outside a transaction).
    """

    code = "MIG205"
    name = "migration.drop-index-not-concurrently"
    severity = Severity.WARNING
    blocking = False
    risk = 5
    category = "locking"
    anchors = ("squawk: require-concurrent-index-deletion", "atlas: PG102")
    safer = "DROP INDEX CONCURRENTLY outside a transaction."
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "op.drop_index(..., postgresql_concurrently=True) inside op.get_context().autocommit_block().",
        "django": "Use RemoveIndexConcurrently in a migration with atomic = False.",
    }
    keys = ("DropStmt",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if node.get("removeType") != "OBJECT_INDEX" or node.get("concurrent"):
            return
        names = [name for name in n.drop_object_names(node) if name not in stmt.new_indexes]
        if names:
            yield cls.finding(stmt, f"drops index {', '.join(names)} without CONCURRENTLY", subject=", ".join(names))


class ConcurrentlyInTransaction(MigrationRule):
    """What: a CONCURRENTLY operation runs inside a transaction.

    Why: CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH
    PARTITION CONCURRENTLY cannot run in a transaction block: the migration
    fails at deploy time. SQL files are transactional when they contain
    BEGIN; Alembic and Django migrations are transactional by default.

    Fix: run the statement outside the transaction: remove BEGIN/COMMIT
    around it, use Alembic's ``autocommit_block()``, or ``atomic = False`` in
    the Django migration.
    """

    code = "MIG206"
    name = "migration.concurrently-in-transaction"
    severity = Severity.ERROR
    risk = 20
    category = "locking"
    anchors = (
        "squawk: ban-concurrent-index-creation-in-transaction",
        "strong_migrations: add_index (disable_ddl_transaction!)",
        "atlas: PG103",
    )
    safer = "Run CONCURRENTLY statements outside any transaction block."
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "Wrap the operation in `with op.get_context().autocommit_block():`.",
        "django": "Set `atomic = False` on the Migration class.",
    }
    keys = ("IndexStmt", "DropStmt", "ReindexStmt", "AT_DetachPartition")

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if not stmt.in_transaction:
            return
        if stmt.node_type == "ReindexStmt":
            concurrent = n.is_concurrent_reindex(node)
        elif stmt.node_type == "AlterTableStmt":
            concurrent = bool((n.cmd_def(node, "PartitionCmd") or {}).get("concurrent"))
        else:
            concurrent = bool(node.get("concurrent"))
        if concurrent:
            yield cls.finding(stmt, "uses CONCURRENTLY inside a transaction: PostgreSQL rejects it")


def _added_constraint(stmt: Statement, node: Node, contype: str) -> Node | None:
    """The constraint added by an ``AT_AddConstraint`` cmd, if of ``contype``, on an existing table."""
    if stmt.table_is_new:
        return None
    con = n.cmd_def(node, "Constraint")
    if con is None or con.get("contype") != contype:
        return None
    return con


def _column_constraints(stmt: Statement, node: Node, contype: str) -> Iterator[tuple[str, Node]]:
    """Column constraints of ``contype`` on an ``AT_AddColumn`` cmd, on an existing table."""
    if stmt.table_is_new:
        return
    coldef = n.cmd_def(node, "ColumnDef")
    if coldef is None:
        return
    for con in n.constraints(coldef):
        if con.get("contype") == contype:
            yield coldef.get("colname", "?"), con


class ForeignKeyNotValid(MigrationRule):
    """What: a foreign key is added to an existing table without NOT VALID.

    Why: validating the key scans the whole table while holding a SHARE ROW
    EXCLUSIVE lock on both tables, blocking writes to them for the duration.

    Fix: add the constraint with NOT VALID (instant), then run VALIDATE
    CONSTRAINT in a separate statement, which does not block writes.
    """

    code = "MIG207"
    name = "migration.foreign-key-not-valid"
    severity = Severity.ERROR
    risk = 15
    category = "locking"
    anchors = (
        "squawk: adding-foreign-key-constraint",
        "strong_migrations: add_foreign_key",
    )
    safer = "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT separately."
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "op.create_foreign_key cannot emit NOT VALID: use op.execute('ALTER TABLE ... ADD "
        "CONSTRAINT ... FOREIGN KEY ... NOT VALID') and a separate VALIDATE CONSTRAINT.",
        "django": "Add the field with db_constraint=False, then RunSQL the NOT VALID constraint and "
        "VALIDATE it separately.",
    }
    keys = ("AT_AddConstraint", "AT_AddColumn")

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if node.get("subtype") == "AT_AddColumn":
            for column, con in _column_constraints(stmt, node, "CONSTR_FOREIGN"):
                target = n.relname(con.get("pktable"))
                yield cls.finding(
                    stmt,
                    f"adds column {_col(stmt.table, column)} referencing {target}: the foreign key is "
                    "validated immediately, locking both tables",
                    subject=_col(stmt.table, column),
                    at=("add-column", column),
                )
            return
        added = _added_constraint(stmt, node, "CONSTR_FOREIGN")
        if added is None or added.get("skip_validation"):
            return
        name = added.get("conname") or "(unnamed)"
        yield cls.finding(
            stmt,
            f"adds foreign key {name} on {stmt.table} without NOT VALID: validation locks "
            f"{stmt.table} and {n.relname(added.get('pktable'))} against writes",
            subject=stmt.table,
            at=_constraint_at(added.get("conname"), "FOREIGN"),
        )


class CheckNotValid(MigrationRule):
    """What: a CHECK constraint is added to an existing table without NOT VALID.

    Why: PostgreSQL verifies every existing row while holding an ACCESS
    EXCLUSIVE lock, blocking reads and writes during the scan.

    Fix: add the constraint with NOT VALID (only new rows are checked), then
    VALIDATE CONSTRAINT in a separate statement, which allows traffic.
    """

    code = "MIG208"
    name = "migration.check-constraint-not-valid"
    severity = Severity.ERROR
    risk = 15
    category = "locking"
    anchors = ("squawk: constraint-missing-not-valid", "strong_migrations: add_check_constraint")
    safer = "ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT separately."
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "Use op.execute with CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a separate step.",
        "django": "Use RunSQL with CHECK (...) NOT VALID, then VALIDATE CONSTRAINT separately.",
    }
    keys = ("AT_AddConstraint",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        con = _added_constraint(stmt, node, "CONSTR_CHECK")
        if con is None or con.get("skip_validation"):
            return
        name = con.get("conname") or "(unnamed)"
        yield cls.finding(
            stmt,
            f"adds CHECK constraint {name} on {stmt.table} without NOT VALID: the table is scanned "
            "under an ACCESS EXCLUSIVE lock",
            subject=stmt.table,
            at=_constraint_at(con.get("conname"), "CHECK"),
        )


class UniqueWithoutIndex(MigrationRule):
    """What: a UNIQUE constraint is added to an existing table without USING INDEX.

    Why: PostgreSQL builds the unique index inside the ALTER TABLE, holding an
    ACCESS EXCLUSIVE lock for the whole build, so the table is unavailable.

    Fix: CREATE UNIQUE INDEX CONCURRENTLY first, then ``ALTER TABLE ... ADD
    CONSTRAINT name UNIQUE USING INDEX index_name`` (instant).
    """

    code = "MIG209"
    name = "migration.unique-constraint-without-index"
    severity = Severity.ERROR
    risk = 20
    category = "locking"
    anchors = (
        "squawk: disallowed-unique-constraint",
        "strong_migrations: add_unique_constraint",
        "atlas: MF101",
    )
    safer = "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX."
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "op.create_index(..., unique=True, postgresql_concurrently=True) in an autocommit_block, "
        "then op.execute('ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX ...').",
        "django": "AddIndexConcurrently with a unique index (atomic = False), then RunSQL "
        "'ADD CONSTRAINT ... UNIQUE USING INDEX'.",
    }
    keys = ("AT_AddConstraint", "AT_AddColumn")

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if node.get("subtype") == "AT_AddColumn":
            for column, _con in _column_constraints(stmt, node, "CONSTR_UNIQUE"):
                yield cls.finding(
                    stmt,
                    f"adds UNIQUE column {_col(stmt.table, column)}: the index is built under an ACCESS EXCLUSIVE lock",
                    subject=_col(stmt.table, column),
                    at=("add-column", column),
                )
            return
        added = _added_constraint(stmt, node, "CONSTR_UNIQUE")
        if added is None or added.get("indexname"):
            return
        yield cls.finding(
            stmt,
            f"adds UNIQUE constraint {added.get('conname') or '(unnamed)'} on {stmt.table} without USING "
            "INDEX: the index is built under an ACCESS EXCLUSIVE lock",
            subject=stmt.table,
            at=_constraint_at(added.get("conname"), "UNIQUE"),
        )


class AddPrimaryKey(MigrationRule):
    """What: a primary key is added to an existing table.

    Why: the primary key index is built inside the ALTER TABLE under an
    ACCESS EXCLUSIVE lock, and any nullable key column is scanned for NULLs
    as well; the table is unavailable meanwhile.

    Fix: CREATE UNIQUE INDEX CONCURRENTLY on the key columns, make sure they
    are NOT NULL (see MIG201), then ``ADD CONSTRAINT pk PRIMARY KEY USING
    INDEX index_name``.
    """

    code = "MIG210"
    name = "migration.add-primary-key"
    severity = Severity.ERROR
    risk = 20
    category = "locking"
    anchors = ("squawk: adding-serial-primary-key-field",)
    safer = "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX."
    keys = ("AT_AddConstraint", "AT_AddColumn")

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if node.get("subtype") == "AT_AddColumn":
            for column, _con in _column_constraints(stmt, node, "CONSTR_PRIMARY"):
                yield cls.finding(
                    stmt,
                    f"adds primary key column {_col(stmt.table, column)} to an existing table: index build "
                    "under an ACCESS EXCLUSIVE lock",
                    subject=_col(stmt.table, column),
                )
            return
        added = _added_constraint(stmt, node, "CONSTR_PRIMARY")
        if added is None or added.get("indexname"):
            return
        yield cls.finding(
            stmt,
            f"adds a primary key to existing table {stmt.table}: index build under an ACCESS EXCLUSIVE lock",
            subject=stmt.table,
        )


# --------------------------------------------------------------------------- MIG3xx types and style


class PreferIdentity(MigrationRule):
    """What: a column uses serial, bigserial or smallserial.

    Why: serial types are a legacy shorthand: the sequence is a separate
    object with its own ownership and permissions, it is easy to desync after
    copies, and ``serial``/``smallserial`` overflow at 2^31/2^15.

    Fix: use ``bigint GENERATED BY DEFAULT AS IDENTITY`` (or ALWAYS).
    """

    code = "MIG301"
    name = "migration.prefer-identity"
    severity = Severity.WARNING
    blocking = False
    risk = 2
    category = "style"
    anchors = ("squawk: prefer-identity", "squawk: prefer-bigint-over-int")
    safer = "bigint GENERATED BY DEFAULT AS IDENTITY"
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "sa.Column('id', sa.BigInteger(), sa.Identity(), primary_key=True)",
    }
    keys = ("ColumnDef",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        kind = n.type_name(node)
        if kind in n.SERIAL_TYPES:
            column = node.get("colname")
            yield cls.finding(stmt, f"column {_col(stmt.table, column)} uses {kind}", subject=_col(stmt.table, column))


class PreferBigintKey(MigrationRule):
    """What: a primary key column is a 32-bit or 16-bit integer.

    Why: ``integer`` keys run out at about 2.1 billion values (and smallint at
    32767); changing the type later rewrites the table and every referencing
    foreign key under an exclusive lock, exactly when the table is largest.

    Fix: use ``bigint`` (ideally ``bigint GENERATED BY DEFAULT AS IDENTITY``)
    for primary keys from the start.
    """

    code = "MIG302"
    name = "migration.prefer-bigint-primary-key"
    severity = Severity.WARNING
    blocking = False
    risk = 2
    category = "style"
    anchors = ("squawk: prefer-bigint-over-int", "squawk: prefer-bigint-over-smallint")
    safer = "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "sa.Column('id', sa.BigInteger(), sa.Identity(), primary_key=True)",
        "django": "models.BigAutoField(primary_key=True) (DEFAULT_AUTO_FIELD = BigAutoField)",
    }
    keys = ("CreateStmt", "AT_AddColumn")
    _SMALL: ClassVar[frozenset[str]] = frozenset({"int4", "int2", "integer", "smallint", "int"})

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if stmt.node_type == "CreateStmt":
            columns = [col for col in n.column_defs(node) if n.type_name(col) in cls._SMALL]
        else:
            coldef = n.cmd_def(node, "ColumnDef")
            columns = [coldef] if coldef and n.type_name(coldef) in cls._SMALL else []
        if not columns:  # the common case: no 16/32-bit integer column at all
            return
        keys: set[str] = set()
        if stmt.node_type == "CreateStmt":
            for con in n.table_constraints(node):
                if con.get("contype") == "CONSTR_PRIMARY":
                    keys.update(n.string_list(con.get("keys")))
        for col in columns:
            name = col.get("colname", "")
            is_pk = name in keys or "CONSTR_PRIMARY" in n.contypes(col)
            kind = n.type_name(col)
            if is_pk and not n.is_array(col):
                yield cls.finding(
                    stmt,
                    f"primary key {_col(stmt.table, name)} is {n.display_type(kind)}: it can run out of values",
                    subject=_col(stmt.table, name),
                )


class PreferText(MigrationRule):
    """What: a column is declared char(n) or varchar(n).

    Why: in PostgreSQL ``text`` and ``varchar`` have the same storage and
    speed; the length limit only adds a constraint that is painful to change
    (shrinking it rewrites the table), and ``char(n)`` pads values with
    spaces, which surprises comparisons.

    Fix: use ``text``, with a ``CHECK (length(col) <= n)`` if a limit is a
    real business rule.
    """

    code = "MIG303"
    name = "migration.prefer-text"
    severity = Severity.WARNING
    blocking = False
    risk = 1
    category = "style"
    anchors = ("squawk: prefer-text-field", "squawk: ban-char-field")
    safer = "text, plus CHECK (length(col) <= n) if the limit is a business rule"
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "sa.Text() plus a CheckConstraint on the length if it is a business rule",
    }
    #: Not Django: its CharField requires max_length, so every one would be reported.
    dialects = frozenset({"sql", "alembic"})
    keys = ("ColumnDef",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        kind = n.type_name(node)
        if kind == "bpchar":
            label = "char(n)"
        elif kind == "varchar" and n.type_mods(node):
            label = "varchar(n)"
        else:
            return
        column = node.get("colname") or node.get("_column")
        yield cls.finding(
            stmt,
            f"column {_col(stmt.table, column)} is {label}; prefer text",
            subject=_col(stmt.table, column),
        )


class PreferTimestamptz(MigrationRule):
    """What: a column is declared ``timestamp`` (without time zone).

    Why: ``timestamp`` stores a wall-clock value with no zone, so the same
    instant reads differently depending on the session time zone and daylight
    saving transitions silently create duplicates or gaps.

    Fix: use ``timestamptz`` (``timestamp with time zone``), which stores an
    absolute instant.
    """

    code = "MIG304"
    name = "migration.prefer-timestamptz"
    severity = Severity.WARNING
    blocking = False
    risk = 1
    category = "style"
    anchors = ("squawk: prefer-timestamptz",)
    safer = "timestamptz (timestamp with time zone)"
    safer_by_dialect: ClassVar[Mapping[str, str]] = {"alembic": "sa.DateTime(timezone=True)"}
    keys = ("ColumnDef",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if n.type_name(node) != "timestamp":
            return
        column = node.get("colname") or node.get("_column")
        yield cls.finding(
            stmt,
            f"column {_col(stmt.table, column)} is timestamp without time zone",
            subject=_col(stmt.table, column),
        )


class NonIdempotent(MigrationRule):
    """What: DDL in a plain SQL migration that fails when run twice.

    Why: plain SQL files are often re-run by hand after a partial failure;
    without IF [NOT] EXISTS the second run stops at the first object that was
    already created or dropped, leaving the schema half-migrated.

    Fix: write CREATE TABLE/INDEX IF NOT EXISTS, ADD COLUMN IF NOT EXISTS,
    DROP ... IF EXISTS. Alembic and Django migrations are not checked: their
    framework records which migrations ran.
    """

    code = "MIG305"
    name = "migration.non-idempotent"
    severity = Severity.WARNING
    blocking = False
    risk = 1
    category = "style"
    anchors = ("squawk: prefer-robust-stmts",)
    safer = "Use IF NOT EXISTS / IF EXISTS so the file can be re-run safely."
    dialects = frozenset({"sql"})
    keys = ("CreateStmt", "IndexStmt", "DropStmt", "AT_AddColumn", "AT_DropColumn")

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        kind = stmt.node_type
        if kind == "CreateStmt":
            if not node.get("if_not_exists"):
                yield cls.finding(stmt, "CREATE TABLE without IF NOT EXISTS", subject=stmt.table)
        elif kind == "IndexStmt":
            if not node.get("if_not_exists") and node.get("idxname"):
                yield cls.finding(stmt, "CREATE INDEX without IF NOT EXISTS", subject=stmt.table)
        elif kind == "DropStmt":
            if not node.get("missing_ok"):
                what = str(node.get("removeType", "OBJECT")).removeprefix("OBJECT_").lower()
                yield cls.finding(stmt, f"DROP {what.upper()} without IF EXISTS")
        elif not node.get("missing_ok") and not stmt.table_is_new:
            verb = "ADD COLUMN without IF NOT EXISTS" if node.get("subtype") == "AT_AddColumn" else None
            yield cls.finding(stmt, verb or "DROP COLUMN without IF EXISTS", subject=stmt.table)


# --------------------------------------------------------------------------- MIG4xx process


class LockTimeoutMissing(MigrationRule):
    """What: lock-taking DDL on an existing table runs with no lock_timeout or statement_timeout.

    Why: an ALTER TABLE waits for its lock behind any long-running query, and
    while it waits every other query on the table queues behind it: a
    one-millisecond change becomes an outage. A short lock_timeout makes the
    migration fail fast instead, so it can simply be retried.

    Fix: start the migration with ``SET lock_timeout = '5s'`` (or SET LOCAL
    inside the transaction) and retry on timeout. Reported once per file, on
    the first unprotected statement. Timeouts configured outside
    the file (Alembic env.py, database settings) are not visible: suppress
    with a reason in that case.
    """

    code = "MIG401"
    name = "migration.lock-timeout-missing"
    severity = Severity.WARNING
    blocking = False
    risk = 3
    category = "process"
    anchors = ("squawk: require-timeout-settings", "strong_migrations: lock_timeout")
    safer = "SET lock_timeout = '5s'; before the first ALTER, and retry the migration on timeout."
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "alembic": "op.execute(\"SET LOCAL lock_timeout = '5s'\") at the top of upgrade().",
        "django": "migrations.RunSQL(\"SET LOCAL lock_timeout = '5s'\", migrations.RunSQL.noop) as the "
        "first operation.",
    }
    keys = ("AlterTableStmt", "RenameStmt", "IndexStmt", "DropStmt", "TruncateStmt", "CreateTrigStmt")

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        count = stmt.extra.get("unguarded_locks")
        if not count:
            return
        later = f" (and {count - 1} later statement(s))" if count > 1 else ""
        yield cls.finding(
            stmt,
            f"takes a table lock with no lock_timeout set{later}: a lock wait can queue every query on "
            "the table behind a long-running one",
            subject=stmt.table,
        )


class StatementTimeoutMissing(MigrationRule):
    """What: a step that holds a table lock for a scan, rewrite or index build runs with a
    lock_timeout but no statement_timeout.

    Why: lock_timeout only bounds the wait for the lock; once granted, a
    table rewrite or a validation scan holds it for as long as it runs.
    Without a statement_timeout a step that is slower than expected in
    production (a bigger table, a cold cache) keeps every query on the table
    waiting.

    Fix: set ``statement_timeout`` next to ``lock_timeout`` (``SET LOCAL
    statement_timeout = '60s'``), sized for the slowest step, and run
    long operations (``CREATE INDEX CONCURRENTLY``) in their own migration
    with their own limit. Reported once per file.
    """

    code = "MIG404"
    name = "migration.statement-timeout-missing"
    severity = Severity.INFO
    blocking = False
    risk = 1
    category = "process"
    anchors = ("squawk: require-timeout-settings", "strong_migrations: statement_timeout")
    safer = "SET statement_timeout = '60s'; next to lock_timeout, sized for the slowest step."
    keys = ("AlterTableStmt", "RenameStmt", "IndexStmt", "DropStmt", "TruncateStmt", "CreateTrigStmt")

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if not stmt.extra.get("no_statement_timeout"):
            return
        yield cls.finding(
            stmt,
            "holds a table lock for a scan, rewrite or index build with lock_timeout but no "
            "statement_timeout: nothing bounds how long the lock is held",
            subject=stmt.table,
        )


class BackfillInTransaction(MigrationRule):
    """What: a data change (UPDATE, DELETE, INSERT ... SELECT, Django RunPython) runs in
    the same transaction as a schema change that locks an existing table.

    Why: the DDL lock is held until the transaction commits, so the table
    stays locked for the entire backfill, which grows with the data. On
    PostgreSQL, Django can also fail with "pending trigger events".

    Fix: put the schema change and the backfill in separate migrations (or
    separate transactions), and backfill in batches.
    """

    code = "MIG402"
    name = "migration.backfill-in-transaction"
    severity = Severity.ERROR
    risk = 20
    category = "process"
    anchors = ("strong_migrations: backfilling data (disable_ddl_transaction!)",)
    safer = "Move the backfill to its own migration/transaction and run it in batches."
    keys = ("UpdateStmt", "DeleteStmt", "InsertStmt", RUN_PYTHON)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if not stmt.in_transaction or not stmt.tx_locks_existing:
            return
        if stmt.node_type == "InsertStmt":
            select = (node.get("selectStmt") or {}).get("SelectStmt") or {}
            if (not select.get("fromClause") and "valuesLists" in select) or not select:
                return
        if stmt.table_is_new:
            return
        what = "RunPython" if stmt.node_type == RUN_PYTHON else stmt.node_type.removesuffix("Stmt").upper()
        yield cls.finding(
            stmt,
            f"{what} runs in the same transaction as DDL that locks an existing table: the lock is "
            "held for the whole backfill",
            subject=stmt.table,
        )


class NoRollback(MigrationRule):
    """What: the migration cannot be rolled back.

    Why: when a deploy goes wrong, the fastest recovery is to run the
    migration backwards. Without a rollback the team has to write one under
    pressure, or restore a backup.

    Fix: SQL: add a rollback file next to the migration (``X.down.sql``,
    ``X_down.sql``, ``X.rollback.sql`` or ``down/X.sql``; ``X.up.sql`` pairs
    with ``X.down.sql``), or a goose/dbmate down section. Alembic: implement
    ``downgrade()``. Django: give RunPython a ``reverse_code`` and RunSQL a
    ``reverse_sql`` (``migrations.RunPython.noop`` when nothing needs undoing).
    """

    code = "MIG403"
    name = "migration.no-rollback"
    severity = Severity.ERROR
    risk = 10
    category = "process"
    anchors = ("strong_migrations: reversible migrations (down/reversible)", "atlas: migrate down")
    safer = "Provide a rollback (down file, downgrade(), reverse_code/reverse_sql)."
    safer_by_dialect: ClassVar[Mapping[str, str]] = {
        "sql": "Add X.down.sql (or X_down.sql, X.rollback.sql, down/X.sql) that reverses this migration.",
        "alembic": "Implement downgrade() so that it reverses upgrade().",
        "django": "Pass reverse_code= to RunPython / reverse_sql= to RunSQL (RunPython.noop if nothing to undo).",
    }
    keys = (MIGRATION_FILE, RUN_PYTHON, RUN_SQL)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if node.get("reversible", True):
            return
        if stmt.node_type == RUN_PYTHON:
            message = "RunPython has no reverse_code: the migration cannot be unapplied"
        elif stmt.node_type == RUN_SQL:
            message = "RunSQL has no reverse_sql: the migration cannot be unapplied"
        else:
            message = str(node.get("reason") or "the migration has no rollback")
        yield cls.finding(stmt, message)


# --------------------------------------------------------------------------- MIG21x more locking


class ReindexNotConcurrently(MigrationRule):
    """What: REINDEX without CONCURRENTLY.

    Why: a plain REINDEX locks out writes to the table (and, for the index
    being rebuilt, reads that would use it) for the whole rebuild, which
    takes as long as building the index from scratch.

    Fix: use ``REINDEX INDEX CONCURRENTLY`` (PostgreSQL 12+), outside a
    transaction, or build a replacement index concurrently and drop the old
    one.
    """

    code = "MIG211"
    name = "migration.reindex-not-concurrently"
    severity = Severity.ERROR
    risk = 20
    category = "locking"
    anchors = ("squawk: require-concurrent-index-creation (REINDEX)", "strong_migrations: add_index")
    safer = "REINDEX ... CONCURRENTLY outside a transaction (PostgreSQL 12+)."
    keys = ("ReindexStmt",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if n.is_concurrent_reindex(node) or stmt.table_is_new:
            return
        target = n.relname(node.get("relation")) or node.get("name") or "?"
        yield cls.finding(
            stmt, f"REINDEX of {target} without CONCURRENTLY blocks writes for the whole rebuild", subject=target
        )


class VacuumFull(MigrationRule):
    """What: VACUUM FULL in a migration.

    Why: VACUUM FULL rewrites the whole table into a new file while holding
    an ACCESS EXCLUSIVE lock: no reads, no writes, for minutes or hours on a
    large table, and it needs disk space for a second copy.

    Fix: let autovacuum do its work; to reclaim space online use pg_repack or
    pg_squeeze, run by an operator outside the migration.
    """

    code = "MIG212"
    name = "migration.vacuum-full"
    severity = Severity.ERROR
    risk = 25
    category = "locking"
    anchors = ("squawk: ban-vacuum-full (none; see pg_repack)", "strong_migrations: none (operator task)")
    safer = "Use pg_repack / pg_squeeze outside the migration, or rely on autovacuum."
    keys = ("VacuumStmt",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        options = {(opt.get("DefElem") or {}).get("defname") for opt in node.get("options") or ()}
        if "full" not in options or not node.get("is_vacuumcmd", True):
            return
        tables = [n.relname((rel.get("VacuumRelation") or {}).get("relation")) or "?" for rel in node.get("rels") or ()]
        names = ", ".join(tables) or "every table"
        yield cls.finding(stmt, f"VACUUM FULL of {names} rewrites it under an ACCESS EXCLUSIVE lock", subject=names)


class Cluster(MigrationRule):
    """What: CLUSTER in a migration.

    Why: CLUSTER rewrites the table in index order while holding an ACCESS
    EXCLUSIVE lock, blocking all reads and writes until it finishes; the
    order is not maintained afterwards anyway.

    Fix: run pg_repack with ``--order-by`` outside the migration, or drop the
    step; use a BRIN or covering index if the goal is locality.
    """

    code = "MIG213"
    name = "migration.cluster"
    severity = Severity.ERROR
    risk = 25
    category = "locking"
    anchors = ("squawk: none (CLUSTER takes ACCESS EXCLUSIVE)", "pg_repack: --order-by")
    safer = "pg_repack --order-by outside the migration."
    keys = ("ClusterStmt",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        table = n.relname(node.get("relation"))
        if table is not None and table in stmt.new_tables:
            return
        name = table or "every clustered table"
        yield cls.finding(stmt, f"CLUSTER of {name} rewrites it under an ACCESS EXCLUSIVE lock", subject=table)


# --------------------------------------------------------------------------- MIG5xx compatibility


class DropView(MigrationRule):
    """What: a migration drops a view or materialized view.

    Why: code and reports that still select from the view fail as soon as
    the migration commits; for a materialized view the computed data is gone
    until it is rebuilt.

    Fix: stop using the view first, then drop it in a later release. A view
    dropped and re-created in the same file (to change its definition) is
    not reported; prefer ``CREATE OR REPLACE VIEW`` where the columns allow.
    """

    code = "MIG501"
    name = "migration.drop-view"
    severity = Severity.ERROR
    risk = 15
    category = "compatibility"
    anchors = ("squawk: ban-drop-view (none; see ban-drop-table)", "atlas: DS102 (drop view)")
    safer = "Remove every reader of the view first, then drop it in a later release (or CREATE OR REPLACE VIEW)."
    keys = ("DropStmt",)
    recreated_kind: ClassVar[str] = "view"

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        kind = node.get("removeType")
        if kind not in ("OBJECT_VIEW", "OBJECT_MATVIEW"):
            return
        label = "materialized view" if kind == "OBJECT_MATVIEW" else "view"
        for name in n.drop_object_names(node):
            yield cls.finding(stmt, f"drops {label} {name}: code that reads it breaks", subject=name)


_RENAMED_KINDS = {
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_FUNCTION": "function",
    "OBJECT_PROCEDURE": "procedure",
    "OBJECT_ROUTINE": "routine",
    "OBJECT_TYPE": "type",
    "OBJECT_DOMAIN": "domain",
    "OBJECT_SCHEMA": "schema",
    "OBJECT_SEQUENCE": "sequence",
    "OBJECT_FOREIGN_TABLE": "foreign table",
    "OBJECT_ATTRIBUTE": "type attribute",
}


class RenameObject(MigrationRule):
    """What: a migration renames a view, function, type, schema or sequence.

    Why: like a table rename, the change is instant in the database but every
    deployed caller still uses the old name (a view in a query, a function in
    a call, a type in a cast, a sequence in ``nextval('name')``) and fails
    until it is redeployed. Index, constraint and trigger renames are not
    reported: application code rarely names them.

    Fix: create the object under the new name next to the old one (a view or
    wrapper function can forward to it), move callers over, then drop the old
    name in a later release.
    """

    code = "MIG502"
    name = "migration.rename-object"
    severity = Severity.ERROR
    risk = 15
    category = "compatibility"
    anchors = ("squawk: renaming-table (other objects)", "strong_migrations: rename_table")
    safer = "Create the new name alongside the old one, move callers over, then drop the old name."
    keys = ("RenameStmt",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        rename_type = node.get("renameType", "")
        label = _RENAMED_KINDS.get(rename_type)
        if rename_type == "OBJECT_TABLE" and stmt.table and stmt.table.endswith("_seq"):
            label = "sequence"
        if label is None:
            return
        old = stmt.table or _object_name(node) or node.get("subname") or "?"
        if old in stmt.new_tables:
            return
        yield cls.finding(
            stmt, f"renames {label} {old} to {node.get('newname')}: callers using the old name break", subject=old
        )


def _object_name(node: Node) -> str | None:
    obj = node.get("object") or {}
    if "ObjectWithArgs" in obj:
        names = n.string_list(obj["ObjectWithArgs"].get("objname"))
    elif "List" in obj:
        names = n.string_list(obj["List"].get("items"))
    elif "String" in obj:
        names = [obj["String"].get("sval", "")]
    elif "TypeName" in obj:
        names = n.string_list(obj["TypeName"].get("names"))
    else:
        names = []
    return names[-1] if names else None


class DropConstraint(MigrationRule):
    """What: a migration drops a constraint from an existing table.

    Why: the guarantee it gave (uniqueness, a valid reference, a CHECK) is
    gone for every row written from now on, and a unique or primary key
    constraint takes its index with it, which queries may rely on. It is
    easy to lose one by accident when a framework regenerates constraints.

    Fix: make sure the drop is intended (and, for a replacement, that the
    new constraint exists first); suppress with a reason.
    """

    code = "MIG503"
    name = "migration.drop-constraint"
    severity = Severity.WARNING
    blocking = False
    risk = 5
    category = "compatibility"
    anchors = ("squawk: none (drop constraint)", "atlas: MF102 (drop constraint)")
    safer = "Add the replacement constraint first; drop the old one only when nothing relies on it."
    keys = ("AT_DropConstraint",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if stmt.table_is_new:
            return
        name = node.get("name") or "?"
        yield cls.finding(
            stmt,
            f"drops constraint {name} on {stmt.table}: its guarantee no longer holds for new rows",
            subject=name,
            at=("constraint", name),
        )


class DropFunction(MigrationRule):
    """What: a migration drops a function or procedure.

    Why: triggers, defaults, views and application code that call it fail at
    their next call; the failure shows up far from the migration.

    Fix: remove every caller first, then drop the function in a later
    release. A function dropped and re-created in the same file (to change
    its signature) is not reported.
    """

    code = "MIG504"
    name = "migration.drop-function"
    severity = Severity.ERROR
    risk = 15
    category = "compatibility"
    anchors = ("squawk: none (drop function)", "atlas: DS (drop function)")
    safer = "Remove every caller first, then drop the function in a later release."
    keys = ("DropStmt",)
    recreated_kind: ClassVar[str] = "function"

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        kind = node.get("removeType")
        if kind not in ("OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE", "OBJECT_AGGREGATE"):
            return
        label = str(kind).removeprefix("OBJECT_").lower()
        for name in n.drop_object_names(node):
            yield cls.finding(stmt, f"drops {label} {name}: every caller fails at its next call", subject=name)


class DropNotNull(MigrationRule):
    """What: DROP NOT NULL on a column of an existing table.

    Why: the column starts accepting NULL at once; code that is still
    deployed (and reports, exports, other services) assumes it never is
    NULL and breaks on the first such row. It cannot be undone without
    cleaning those rows up first.

    Fix: deploy code that handles NULL everywhere the column is read, then
    drop the constraint; suppress with a reason once that is done.
    """

    code = "MIG505"
    name = "migration.drop-not-null"
    severity = Severity.WARNING
    blocking = False
    risk = 3
    category = "compatibility"
    anchors = ("squawk: none (drop not null)", "strong_migrations: change_column_null (reverse)")
    safer = "Ship code that handles NULL in this column before dropping NOT NULL."
    keys = ("AT_DropNotNull",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if stmt.table_is_new:
            return
        column = _col(stmt.table, node.get("name"))
        yield cls.finding(
            stmt,
            f"drops NOT NULL on {column}: readers that assume a value break",
            subject=column,
            at=("drop-not-null", node.get("name")),
        )


class DropDefault(MigrationRule):
    """What: DROP DEFAULT on a column of an existing table.

    Why: inserts that omit the column (older application versions, other
    services, scripts) start writing NULL, or fail on a NOT NULL column,
    as soon as the migration commits.

    Fix: make every writer set the column explicitly first, then drop the
    default in a later release.
    """

    code = "MIG506"
    name = "migration.drop-default"
    severity = Severity.WARNING
    blocking = False
    risk = 3
    category = "compatibility"
    anchors = ("squawk: none (drop default)", "strong_migrations: change_column_default")
    safer = "Make every writer set the column explicitly, then drop the default in a later release."
    keys = ("AT_ColumnDefault",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if stmt.table_is_new or node.get("def") is not None:
            return
        column = _col(stmt.table, node.get("name"))
        yield cls.finding(
            stmt,
            f"drops the default of {column}: inserts that omit it change behaviour",
            subject=column,
            at=("drop-default", node.get("name")),
        )


class DropType(MigrationRule):
    """What: a migration drops a type or domain.

    Why: columns, functions and casts that use it must go first (the drop
    fails otherwise, or with CASCADE silently takes them along), and code
    that casts to the type breaks.

    Fix: move every column and function off the type first, then drop it in
    a later release. A type dropped and re-created in the same file is not
    reported.
    """

    code = "MIG507"
    name = "migration.drop-type"
    severity = Severity.ERROR
    risk = 15
    category = "compatibility"
    anchors = ("squawk: none (drop type)", "atlas: DS (drop type)")
    safer = "Move columns and functions off the type, then drop it in a later release."
    keys = ("DropStmt",)
    recreated_kind: ClassVar[str] = "type"

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        kind = node.get("removeType")
        if kind not in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            return
        label = "domain" if kind == "OBJECT_DOMAIN" else "type"
        for name in n.drop_object_names(node):
            yield cls.finding(stmt, f"drops {label} {name}: columns and code using it break", subject=name)


class EnumValueOrdering(MigrationRule):
    """What: ``ALTER TYPE ... ADD VALUE ... BEFORE|AFTER``, or a renamed enum value.

    Why: an enum's order is part of its meaning (``ORDER BY``, ``<``,
    ranges): inserting a value in the middle changes the result of existing
    comparisons, and a renamed value breaks every deployed caller that still
    writes the old label.

    Fix: append new values at the end (no BEFORE/AFTER) and order explicitly
    in queries; to rename a label, add the new one, migrate rows and code,
    and stop using the old one.
    """

    code = "MIG508"
    name = "migration.enum-value-ordering"
    severity = Severity.WARNING
    blocking = False
    risk = 3
    category = "compatibility"
    anchors = ("squawk: none (enum ordering)", "strong_migrations: none")
    safer = "ALTER TYPE ... ADD VALUE 'x' (at the end); order explicitly in queries."
    keys = ("AlterEnumStmt",)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        names = n.string_list(node.get("typeName"))
        enum = names[-1] if names else "?"
        if node.get("oldVal"):
            yield cls.finding(
                stmt,
                f"renames value {node['oldVal']!r} of enum {enum}: callers writing the old label break",
                subject=enum,
            )
        elif node.get("newValNeighbor"):
            where = "after" if node.get("newValIsAfter") else "before"
            yield cls.finding(
                stmt,
                f"adds value {node.get('newVal')!r} {where} {node['newValNeighbor']!r} in enum {enum}: the order "
                "of existing values changes for comparisons and ORDER BY",
                subject=enum,
            )


# --------------------------------------------------------------------------- MIG9xx analysis


class ParseError(MigrationRule):
    """What: part of a migration could not be parsed, or the parser gave up on it (a
    statement or expression nested so deeply that the parser ran out of stack, memory
    or time in its sandbox).

    Why: what cannot be parsed cannot be checked; the guardian fails closed
    rather than approve statements it has not read. Parse errors are usually
    real syntax errors that would also fail at deploy time; a parser crash on
    a pathological input must not take the guardians down with it.

    Fix: correct the syntax at the reported line (the parser message says
    what it expected), or split a huge generated statement into smaller ones.
    Parse errors cannot be suppressed.
    """

    code = "MIG900"
    name = "migration.parse-error"
    severity = Severity.ERROR
    risk = 50
    category = "analysis"
    suppressible = False
    anchors = ("squawk: syntax-error", "atlas: migrate lint (parse errors)")
    safer = "Fix the syntax so the statement parses (check it with psql or the migration tool)."
    keys = (PARSE_ERROR,)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        if newer_syntax(node) is not None:
            return  # MIG903
        yield cls.finding(stmt, f"cannot parse: {node.get('message', 'syntax error')}")


#: Keywords of PostgreSQL 18 syntax that the parser's grammar (PostgreSQL 17) does not have.
_NEWER_KEYWORDS = {
    "VIRTUAL": "virtual generated columns",
    "ENFORCED": "NOT ENFORCED constraints",
    "INHERIT": "ALTER CONSTRAINT ... [NO] INHERIT",
}
_NEAR = re.compile(r'at or near "([^"]*)"')


def newer_syntax(node: Node) -> str | None:
    """The PostgreSQL 18 feature a parse error stopped at, or None for an ordinary syntax error."""
    m = _NEAR.search(str(node.get("message", "")))
    if m is None:
        return None
    token = m.group(1).upper()
    if token in _NEWER_KEYWORDS:
        return _NEWER_KEYWORDS[token]
    if token == "WITHOUT" and str(node.get("after", "")).upper().startswith("OVERLAPS"):
        return "WITHOUT OVERLAPS temporal keys"
    words = str(node.get("before", "")).split()
    if words and words[-1].upper() == "PERIOD":
        return "PERIOD temporal foreign keys"
    return None


class UnsupportedSyntax(MigrationRule):
    """What: a statement uses PostgreSQL syntax newer than the parser's grammar.

    Why: the parser (libpg_query, PostgreSQL 17 grammar) stops at syntax
    that PostgreSQL 18 added (virtual generated columns, NOT ENFORCED,
    WITHOUT OVERLAPS, PERIOD foreign keys, ALTER CONSTRAINT ... INHERIT). The
    statement is probably valid, but it was not checked: the guardian does
    not approve what it has not read, and says so instead of calling it an
    error in your SQL.

    Fix: review the statement by hand, then suppress the finding with a
    reason (``guardians: ignore MIG903 reviewed: PG18 virtual column``).
    """

    code = "MIG903"
    name = "migration.unsupported-syntax"
    severity = Severity.ERROR
    risk = 30
    category = "analysis"
    anchors = ("squawk: syntax-error (newer grammar)", "libpg_query: PostgreSQL 17 grammar")
    safer = "Review the statement by hand and suppress MIG903 with the reason."
    keys = (PARSE_ERROR,)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        feature = newer_syntax(node)
        if feature is None:
            return
        yield cls.finding(
            stmt,
            f"uses {feature} (PostgreSQL 18), which the parser's PostgreSQL 17 grammar does not know: "
            "the statement was not checked",
        )


class BadSuppression(MigrationRule):
    """What: a ``guardians: ignore`` comment without codes or without a reason.

    Why: a waiver must say why the risk is acceptable so reviewers and the
    decision log can judge it later. A comment without a reason suppresses
    nothing.

    Fix: write ``-- guardians: ignore MIG101 column unused since v42`` (SQL)
    or ``# guardians: ignore MIG101 <reason>`` (Python), on the statement's
    line or the line just before it.
    """

    code = "MIG901"
    name = "migration.suppression-without-reason"
    severity = Severity.ERROR
    risk = 0
    category = "analysis"
    suppressible = False
    anchors = ("squawk: squawk-ignore comments",)
    safer = "guardians: ignore MIGxxx <why this is safe>"
    keys = (BAD_SUPPRESSION,)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        yield cls.finding(stmt, str(node.get("message", "suppression comment needs codes and a reason")))


class UnreadableFile(MigrationRule):
    """What: a migration file could not be read or recognised.

    Why: the file is a symlink, not a regular file, too large, not valid
    UTF-8, or neither SQL, Alembic nor Django; it cannot be analysed, so the
    guardian fails closed.

    Fix: commit the migration as a regular UTF-8 file of reasonable size with
    a recognised format (``.sql``, Alembic revision, Django migration).
    """

    code = "MIG902"
    name = "migration.unreadable-file"
    severity = Severity.ERROR
    risk = 50
    category = "analysis"
    suppressible = False
    anchors = ("atlas: migrate lint (file checks)",)
    safer = "Commit the migration as a regular UTF-8 file in a supported format."
    keys = (FILE_ERROR,)

    @classmethod
    def check(cls, stmt: Statement, node: Node) -> Iterator[Finding]:
        yield cls.finding(stmt, str(node.get("message", "file cannot be analysed")))


RULES: tuple[type[MigrationRule], ...] = (
    DropColumn,
    DropTable,
    DropDatabase,
    Truncate,
    DropCascade,
    ColumnTypeChange,
    RenameColumn,
    RenameTable,
    UnboundedDml,
    SetNotNull,
    AddColumnNotNullNoDefault,
    AddColumnVolatileDefault,
    CreateIndexNotConcurrently,
    DropIndexNotConcurrently,
    ConcurrentlyInTransaction,
    ForeignKeyNotValid,
    CheckNotValid,
    UniqueWithoutIndex,
    AddPrimaryKey,
    PreferIdentity,
    PreferBigintKey,
    PreferText,
    PreferTimestamptz,
    NonIdempotent,
    ReindexNotConcurrently,
    VacuumFull,
    Cluster,
    LockTimeoutMissing,
    BackfillInTransaction,
    NoRollback,
    StatementTimeoutMissing,
    DropView,
    RenameObject,
    DropConstraint,
    DropFunction,
    DropNotNull,
    DropDefault,
    DropType,
    EnumValueOrdering,
    ParseError,
    BadSuppression,
    UnreadableFile,
    UnsupportedSyntax,
)

RULES_BY_CODE: dict[str, type[MigrationRule]] = {rule.code: rule for rule in RULES}
DESTRUCTIVE_CODES = frozenset(rule.code for rule in RULES if rule.category == "destructive")
UNSUPPRESSIBLE_CODES = frozenset(rule.code for rule in RULES if not rule.suppressible)
