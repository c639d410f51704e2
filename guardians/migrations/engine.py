"""Run the migration rules over a list of statements.

Two linear passes. The first computes each statement's file context
(transaction, timeouts, tables created earlier, ...). The second walks each
statement once and hands every part of it to the rules registered for that
part (see ``keys`` on the rule classes), so no rule walks the tree itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from guardians.migrations import nodes as n
from guardians.migrations.statement import RawStatement, Statement
from guardians.rules.base import Finding
from guardians.rules.migration import RULES, MigrationRule

_TIMEOUT_NAMES = frozenset({"lock_timeout", "statement_timeout"})
_BEGIN = frozenset({"TRANS_STMT_BEGIN", "TRANS_STMT_START"})
_END = frozenset({"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_COMMIT_PREPARED"})

Dispatch = dict[str, tuple[type[MigrationRule], ...]]
_DISPATCH: dict[str, Dispatch] = {}


def dispatch_table(dialect: str) -> Dispatch:
    """key -> rules interested in it, for one dialect (built once, then cached)."""
    table = _DISPATCH.get(dialect)
    if table is None:
        building: dict[str, list[type[MigrationRule]]] = {}
        for rule in RULES:
            if dialect not in rule.dialects:
                continue
            for key in rule.keys:
                building.setdefault(key, []).append(rule)
        table = {key: tuple(rules) for key, rules in building.items()}
        _DISPATCH[dialect] = table
    return table


def _timeout_value(node: dict[str, Any]) -> bool:
    """True if a SET of a timeout variable sets a non-zero value."""
    for arg in node.get("args") or ():
        const = arg.get("A_Const") or {}
        if "ival" in const:
            return bool(const["ival"].get("ival", 0))
        if "sval" in const:
            value = str(const["sval"].get("sval", "")).strip()
            return value not in ("", "0") and not value.startswith("0 ") and value.lower() not in {"0ms", "0s"}
        if "fval" in const:
            return float(const["fval"].get("fval", "0") or 0) != 0.0
    return False


class _State:
    __slots__ = (
        "explicit_tx",
        "local_timeout",
        "new_indexes",
        "new_tables",
        "pending_checks",
        "proven",
        "session_timeout",
        "tx_id",
    )

    def __init__(self) -> None:
        self.explicit_tx = False
        self.tx_id = 0
        self.session_timeout = False
        self.local_timeout = False
        self.new_tables: frozenset[str] = frozenset()
        self.new_indexes: frozenset[str] = frozenset()
        self.proven: frozenset[tuple[str, str]] = frozenset()
        self.pending_checks: dict[str, tuple[str, str]] = {}

    def update(self, kind: str, node: dict[str, Any], table: str | None) -> None:
        if kind == "VariableSetStmt":
            self._set(node)
        elif kind == "AlterTableStmt" and table:
            self._alter(node, table)
        else:
            self._objects(kind, node, table)

    def _objects(self, kind: str, node: dict[str, Any], table: str | None) -> None:
        if kind == "CreateStmt" and table:
            self.new_tables = self.new_tables | {table}
        elif kind == "CreateTableAsStmt":
            name = n.relname((node.get("into") or {}).get("rel"))
            if name:
                self.new_tables = self.new_tables | {name}
        elif kind == "IndexStmt" and node.get("idxname"):
            self.new_indexes = self.new_indexes | {node["idxname"]}
        elif kind == "DropStmt" and node.get("removeType") == "OBJECT_TABLE":
            dropped = set(n.drop_object_names(node))
            if dropped & self.new_tables:
                self.new_tables = self.new_tables - dropped
        elif (
            kind == "RenameStmt"
            and node.get("renameType") == "OBJECT_TABLE"
            and table in self.new_tables
            and node.get("newname")
        ):
            self.new_tables = (self.new_tables - {table}) | {node["newname"]}

    def _set(self, node: dict[str, Any]) -> None:
        if node.get("name") not in _TIMEOUT_NAMES:
            return
        on = node.get("kind") == "VAR_SET_VALUE" and _timeout_value(node)
        if node.get("is_local"):
            self.local_timeout = on
        else:
            self.session_timeout = on
            if not on:
                self.local_timeout = False

    def _alter(self, node: dict[str, Any], table: str) -> None:
        for cmd in n.alter_cmds(node):
            sub = cmd.get("subtype")
            if sub == "AT_AddConstraint":
                con = n.cmd_def(cmd, "Constraint") or {}
                column = n.not_null_check_column(con) if con.get("contype") == "CONSTR_CHECK" else None
                if column is None:
                    continue
                if con.get("skip_validation"):
                    self.pending_checks[con.get("conname", "")] = (table, column)
                else:
                    self.proven = self.proven | {(table, column)}
            elif sub == "AT_ValidateConstraint":
                pair = self.pending_checks.get(cmd.get("name", ""))
                if pair is not None:
                    self.proven = self.proven | {pair}


def build_statements(raws: Iterable[RawStatement], *, file: str, dialect: str, transactional: bool) -> list[Statement]:
    """First pass: attach file context to every statement."""
    st = _State()
    out: list[Statement] = []
    locked_tx: set[int] = set()
    unguarded: list[Statement] = []
    for raw in raws:
        kind = raw.node_type
        node = raw.node
        if kind == "TransactionStmt":
            tkind = node.get("kind")
            if tkind in _BEGIN:
                st.explicit_tx = True
                st.tx_id += 1
            elif tkind in _END:
                st.explicit_tx = False
                st.local_timeout = False
                st.tx_id += 1
        in_tx = not raw.autocommit and (transactional or st.explicit_tx)
        table = n.relname(node.get("relation")) if isinstance(node, dict) else None
        stmt = Statement(
            kind,
            node,
            raw.text,
            file,
            raw.line,
            raw.column,
            dialect,
            raw.origin,
            in_tx,
            st.session_timeout or (st.local_timeout and in_tx),
            table,
            st.new_tables,
            st.new_indexes,
            st.proven,
            False,
            raw.anchor_line,
            st.tx_id if in_tx else -1,
        )
        if n.takes_table_lock(kind, node, st.new_tables):
            if in_tx:
                locked_tx.add(st.tx_id)
            if not stmt.timeout_set:
                unguarded.append(stmt)
        out.append(stmt)
        st.update(kind, node, table)
    if unguarded:
        # reported once per file, on the first such statement
        unguarded[0].extra["unguarded_locks"] = len(unguarded)
    if locked_tx:
        for stmt in out:
            if stmt.tx_id in locked_tx:
                stmt.tx_locks_existing = True
    return out


def run_rules(statements: Iterable[Statement], dialect: str) -> list[tuple[Finding, int | None]]:
    """Second pass: dispatch each statement's parts to the interested rules.

    Returns (finding, anchor_line) pairs; the anchor line is the Python call
    line for framework migrations (used by inline suppressions).
    """
    table = dispatch_table(dialect)
    coldef_rules = table.get("ColumnDef", ())
    out: list[tuple[Finding, int | None]] = []
    for stmt in statements:
        kind = stmt.node_type
        node = stmt.node
        _emit(table.get(kind, ()), stmt, node, out)
        if kind == "AlterTableStmt":
            for cmd in n.alter_cmds(node):
                _emit(table.get(cmd.get("subtype", ""), ()), stmt, cmd, out)
                coldef = n.cmd_def(cmd, "ColumnDef") if coldef_rules else None
                if coldef is not None:
                    if "colname" not in coldef and cmd.get("name"):
                        coldef = {**coldef, "_column": cmd["name"]}
                    _emit(coldef_rules, stmt, coldef, out)
        elif kind == "CreateStmt" and coldef_rules:
            for coldef in n.column_defs(node):
                _emit(coldef_rules, stmt, coldef, out)
    return out


def _emit(
    rules: tuple[type[MigrationRule], ...],
    stmt: Statement,
    node: dict[str, Any],
    out: list[tuple[Finding, int | None]],
) -> None:
    anchor = stmt.anchor_line
    for rule in rules:
        for finding in rule.check(stmt, node):
            out.append((finding, anchor))
