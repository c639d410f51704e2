"""Run the migration rules over a list of statements.

Two linear passes. The first computes each statement's file context
(transaction, timeouts, tables created earlier, ...). The second walks each
statement once and hands every part of it to the rules registered for that
part (see ``keys`` on the rule classes), so no rule walks the tree itself.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator, Set
from typing import Any, Generic, TypeVar

from guardians.migrations import nodes as n
from guardians.migrations.statement import UNCOUNTED_TYPES, RawStatement, Statement
from guardians.rules.base import Finding
from guardians.rules.migration import RULES, MigrationRule

_TIMEOUT_NAMES = frozenset({"lock_timeout", "statement_timeout"})
_BEGIN = frozenset({"TRANS_STMT_BEGIN", "TRANS_STMT_START"})
_END = frozenset({"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_COMMIT_PREPARED"})

#: Statement types that create a view, function or type (see ``nodes.created_object``).
_CREATE_KINDS = frozenset(
    {
        "CreateTableAsStmt",
        "ViewStmt",
        "CreateFunctionStmt",
        "CreateEnumStmt",
        "CreateRangeStmt",
        "CompositeTypeStmt",
        "CreateDomainStmt",
    }
)
#: Statements that change neither schema nor data: a file of only these needs no rollback.
READ_ONLY_TYPES = frozenset(
    {"SelectStmt", "VariableSetStmt", "VariableShowStmt", "TransactionStmt", "ExplainStmt", "CommentStmt"}
)
#: Statement types that change the file state (see ``_State.update``).
_STATE_KINDS = frozenset(
    {"VariableSetStmt", "AlterTableStmt", "CreateStmt", "CreateTableAsStmt", "IndexStmt", "DropStmt", "RenameStmt"}
)
T = TypeVar("T", bound=Hashable)
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


class _History(Generic[T]):
    """A set that grows and shrinks along the file, with cheap snapshots.

    Each statement must see the tables (indexes, ...) known *at that point*.
    Copying a frozenset at every change costs O(n) per change, O(n^2) per
    file; instead each element keeps the versions at which it entered or left
    the set, and a snapshot is just (those lists, the version it was taken at).
    """

    __slots__ = ("_flips", "_snapshot", "_version")

    def __init__(self) -> None:
        self._flips: dict[T, list[int]] = {}
        self._version = 0
        self._snapshot: Set[T] = frozenset()

    def __contains__(self, item: object) -> bool:
        flips = self._flips.get(item)  # type: ignore[arg-type]
        return flips is not None and len(flips) % 2 == 1

    def add(self, item: T) -> None:
        if item not in self:
            self._flip(item)

    def discard(self, item: T) -> None:
        if item in self:
            self._flip(item)

    def _flip(self, item: T) -> None:
        self._version += 1
        self._flips.setdefault(item, []).append(self._version)
        self._snapshot = _Snapshot(self._flips, self._version)

    def snapshot(self) -> Set[T]:
        """The current content, unaffected by later changes."""
        return self._snapshot


class _Snapshot(Set[T]):
    """Read-only view of a :class:`_History` at one version."""

    __slots__ = ("_flips", "_version")

    def __init__(self, flips: dict[T, list[int]], version: int) -> None:
        self._flips = flips
        self._version = version

    def __contains__(self, item: object) -> bool:
        flips = self._flips.get(item)  # type: ignore[arg-type]
        return flips is not None and bisect_right(flips, self._version) % 2 == 1

    def __iter__(self) -> Iterator[T]:
        return (item for item in list(self._flips) if item in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"{{{', '.join(sorted(map(repr, self)))}}}"


class _State:
    """The forward pass: file context as it stands before each statement."""

    __slots__ = (
        "created",
        "dialect",
        "explicit_tx",
        "file",
        "first_no_stmt_timeout",
        "first_unguarded",
        "local_stmt_timeout",
        "local_timeout",
        "locked_tx",
        "new_indexes",
        "new_tables",
        "pending_checks",
        "proven",
        "session_stmt_timeout",
        "session_timeout",
        "transactional",
        "tx_id",
        "unguarded",
    )

    def __init__(self, file: str, dialect: str, transactional: bool) -> None:
        self.file = file
        self.dialect = dialect
        self.transactional = transactional
        self.explicit_tx = False
        self.tx_id = 0
        self.session_timeout = False
        self.local_timeout = False
        self.session_stmt_timeout = False
        self.local_stmt_timeout = False
        self.first_no_stmt_timeout = False
        #: (kind, name) -> line of the last CREATE of a view, function or type in this file.
        self.created: dict[tuple[str, str], int] = {}
        self.new_tables: _History[str] = _History()
        self.new_indexes: _History[str] = _History()
        self.proven: _History[tuple[str, str]] = _History()
        self.pending_checks: dict[str, tuple[str, str]] = {}
        #: Transactions holding a lock-taking DDL on an existing table.
        self.locked_tx: set[int] = set()
        #: First statement taking such a lock with no timeout set, and how many do.
        self.first_unguarded: Statement | None = None
        self.unguarded = 0

    def statement(self, raw: RawStatement) -> Statement:
        """The next statement, with its context; then advance the state past it."""
        kind = raw.node_type
        node = raw.node
        if kind == "TransactionStmt":
            self._transaction(node.get("kind"))
        in_tx = not raw.autocommit and (self.transactional or self.explicit_tx)
        # n.relname, inlined: this runs once per statement
        relation = node.get("relation") if type(node) is dict else None
        table = relation.get("relname") if relation else None
        if table is not None and type(table) is not str:
            table = None
        # snapshots read directly (this runs once per statement)
        stmt = Statement(
            kind,
            node,
            raw.text,
            self.file,
            raw.line,
            raw.column,
            self.dialect,
            raw.origin,
            in_tx,
            self.session_timeout
            or self.session_stmt_timeout
            or ((self.local_timeout or self.local_stmt_timeout) and in_tx),
            table,
            self.new_tables._snapshot,
            self.new_indexes._snapshot,
            self.proven._snapshot,
            False,
            raw.anchor_line,
            self.tx_id if in_tx else -1,
            raw.exact,
        )
        if kind in n.LOCKING_NODE_TYPES and n.takes_table_lock(kind, node, self.new_tables):
            if in_tx:
                self.locked_tx.add(self.tx_id)
            if not stmt.timeout_set:
                self.unguarded += 1
                if self.first_unguarded is None:
                    self.first_unguarded = stmt
            elif (
                not self.first_no_stmt_timeout
                and not (self.session_stmt_timeout or (self.local_stmt_timeout and in_tx))
                and n.holds_lock_long(kind, node)
            ):
                self.first_no_stmt_timeout = True
                stmt.extra["no_statement_timeout"] = True
        if kind in _STATE_KINDS:
            self.update(kind, node, table)
        if kind in _CREATE_KINDS:
            obj = n.created_object(kind, node)
            if obj is not None:
                self.created[obj] = raw.line
        return stmt

    def _transaction(self, tkind: object) -> None:
        if tkind in _BEGIN:
            self.explicit_tx = True
            self.tx_id += 1
        elif tkind in _END:
            self.explicit_tx = False
            self.local_timeout = False
            self.local_stmt_timeout = False
            self.tx_id += 1

    def close(self) -> None:
        """End of file: the unguarded-lock count is reported on the first such statement."""
        if self.first_unguarded is not None:
            self.first_unguarded.extra["unguarded_locks"] = self.unguarded

    def update(self, kind: str, node: dict[str, Any], table: str | None) -> None:
        if kind == "VariableSetStmt":
            self._set(node)
        elif kind == "AlterTableStmt" and table:
            self._alter(node, table)
        else:
            self._objects(kind, node, table)

    def _objects(self, kind: str, node: dict[str, Any], table: str | None) -> None:
        if kind == "CreateStmt" and table:
            self.new_tables.add(table)
        elif kind == "CreateTableAsStmt":
            name = n.relname((node.get("into") or {}).get("rel"))
            if name:
                self.new_tables.add(name)

        elif kind == "IndexStmt" and node.get("idxname"):
            self.new_indexes.add(node["idxname"])
        elif kind == "DropStmt" and node.get("removeType") == "OBJECT_TABLE":
            for dropped in n.drop_object_names(node):
                self.new_tables.discard(dropped)
        elif (
            kind == "RenameStmt"
            and node.get("renameType") == "OBJECT_TABLE"
            and table is not None
            and table in self.new_tables
            and node.get("newname")
        ):
            self.new_tables.discard(table)
            self.new_tables.add(node["newname"])

    def _set(self, node: dict[str, Any]) -> None:
        name = node.get("name")
        if name not in _TIMEOUT_NAMES:
            return
        on = node.get("kind") == "VAR_SET_VALUE" and _timeout_value(node)
        local = bool(node.get("is_local"))
        if name == "statement_timeout":
            if local:
                self.local_stmt_timeout = on
            else:
                self.session_stmt_timeout = on
                self.local_stmt_timeout = self.local_stmt_timeout and on
        elif local:
            self.local_timeout = on
        else:
            self.session_timeout = on
            self.local_timeout = self.local_timeout and on

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
                    self.proven.add((table, column))
            elif sub == "AT_ValidateConstraint":
                pair = self.pending_checks.get(cmd.get("name", ""))
                if pair is not None:
                    self.proven.add(pair)


def build_statements(raws: Iterable[RawStatement], *, file: str, dialect: str, transactional: bool) -> list[Statement]:
    """First pass: attach file context to every statement."""
    st = _State(file, dialect, transactional)
    out = [st.statement(raw) for raw in raws]
    st.close()
    if st.locked_tx:
        for stmt in out:
            if stmt.tx_id in st.locked_tx:
                stmt.tx_locks_existing = True
    return out


class Analysis:
    """Both passes over one file, fed statement by statement.

    Statements are checked as soon as their context is final, so that the
    caller can release each part of the parse tree once it has been fed (large
    files are parsed in chunks; see :func:`guardians.migrations.sql.iter_sql`).
    The context of a statement is final at once, except for two facts that
    depend on what comes later: whether its transaction also locks an existing
    table (known when the transaction ends) and, for the first lock taken
    without a timeout, how many such locks follow (known at the end). Such
    statements wait; their findings keep their place in statement order.
    """

    __slots__ = ("_done", "_holes", "_out", "_rules", "_state", "_tx_waiting", "changes", "statements")

    def __init__(self, *, file: str, dialect: str, transactional: bool) -> None:
        self._state = _State(file, dialect, transactional)
        self._rules = _Checker(dialect)
        self._out: list[tuple[Finding, int | None]] = []
        # (position in _out, waiting statement or None once checked, its findings)
        self._holes: list[tuple[int, Statement | None, list[tuple[Finding, int | None]]]] = []
        self._tx_waiting = 0  # holes[_tx_waiting:] may still wait for their transaction
        self._done = False
        #: Parsed statements fed so far (synthetic node types excluded).
        self.statements = 0
        #: Of those, statements that change schema or data (a file without any needs no rollback).
        self.changes = 0

    def feed(self, raws: Iterable[RawStatement]) -> None:
        st = self._state
        check = self._rules.check
        out = self._out
        holes = self._holes
        for raw in raws:
            if raw.node_type not in UNCOUNTED_TYPES:
                self.statements += 1
                if raw.node_type not in READ_ONLY_TYPES:
                    self.changes += 1
            tx_before = st.tx_id
            stmt = st.statement(raw)
            if st.tx_id != tx_before:
                self._tx_closed()
            if stmt.tx_id >= 0 or stmt is st.first_unguarded:
                holes.append((len(out), stmt, []))
            else:
                check(stmt, out)

    def _tx_closed(self) -> None:
        """Check the statements of transactions that have ended."""
        st = self._state
        holes = self._holes
        i = self._tx_waiting
        while i < len(holes):
            pos, stmt, found = holes[i]
            if stmt is not None and stmt is not st.first_unguarded:
                if stmt.tx_id >= st.tx_id:
                    break
                stmt.tx_locks_existing = stmt.tx_id in st.locked_tx
                self._rules.check(stmt, found)
                holes[i] = (pos, None, found)  # releases the statement and its tree
            i += 1
        self._tx_waiting = i

    def finish(self) -> list[tuple[Finding, int | None]]:
        """(finding, anchor line) pairs in statement order, as :func:`run_rules` returns them."""
        if self._done:
            raise RuntimeError("Analysis.finish() called twice")
        self._done = True
        st = self._state
        st.close()
        for _pos, stmt, found in self._holes[self._tx_waiting :]:
            if stmt is not None and stmt is not st.first_unguarded:
                stmt.tx_locks_existing = stmt.tx_id in st.locked_tx
                self._rules.check(stmt, found)
        first = st.first_unguarded
        if first is not None:
            for _pos, stmt, found in self._holes:
                if stmt is first:
                    first.tx_locks_existing = first.tx_id in st.locked_tx
                    self._rules.check(first, found)
                    break
        if not self._holes:
            return _drop_recreated(self._out, st.created)
        if not self._out:  # a transactional file: every statement waited
            merged = [pair for _pos, _stmt, found in self._holes for pair in found]
            return _drop_recreated(merged, st.created)
        merged = []
        start = 0
        for pos, _stmt, found in self._holes:
            merged.extend(self._out[start:pos])
            merged.extend(found)
            start = pos
        merged.extend(self._out[start:])
        return _drop_recreated(merged, st.created)


_RECREATED_KIND = {rule.code: rule.recreated_kind for rule in RULES if rule.recreated_kind}


def _drop_recreated(
    pairs: list[tuple[Finding, int | None]], created: dict[tuple[str, str], int]
) -> list[tuple[Finding, int | None]]:
    """Without drops of views, functions and types that the file creates again later (a redefinition)."""
    if not created:
        return pairs
    out = []
    for pair in pairs:
        finding = pair[0]
        kind = _RECREATED_KIND.get(finding.code)
        if kind is not None and created.get((kind, finding.subject or ""), 0) >= (finding.line or 1):
            continue
        out.append(pair)
    return out


def run_rules(statements: Iterable[Statement], dialect: str) -> list[tuple[Finding, int | None]]:
    """Second pass: dispatch each statement's parts to the interested rules.

    Returns (finding, anchor_line) pairs; the anchor line is the Python call
    line for framework migrations (used by inline suppressions).
    """
    check = _Checker(dialect).check
    out: list[tuple[Finding, int | None]] = []
    for stmt in statements:
        check(stmt, out)
    return out


class _Checker:
    """Hands each part of a statement to the rules registered for it."""

    __slots__ = ("_coldef_rules", "_rules_for")

    def __init__(self, dialect: str) -> None:
        table = dispatch_table(dialect)
        self._rules_for = table.get
        self._coldef_rules = table.get("ColumnDef", ())

    def check(self, stmt: Statement, out: list[tuple[Finding, int | None]]) -> None:
        """Append the (finding, anchor line) pairs of one statement to ``out``."""
        append = out.append
        kind = stmt.node_type
        node = stmt.node
        anchor = stmt.anchor_line
        for rule in self._rules_for(kind, ()):
            for finding in rule.check(stmt, node):
                append((finding, anchor))
        if kind == "AlterTableStmt":
            self._alter_cmds(stmt, node, append)
        elif kind == "CreateStmt" and self._coldef_rules:
            for coldef in n.column_defs(node):
                for rule in self._coldef_rules:
                    for finding in rule.check(stmt, coldef):
                        append((finding, anchor))

    def _alter_cmds(
        self, stmt: Statement, node: dict[str, Any], append: Callable[[tuple[Finding, int | None]], None]
    ) -> None:
        rules_for = self._rules_for
        coldef_rules = self._coldef_rules
        anchor = stmt.anchor_line
        for item in node.get("cmds") or ():
            cmd = item.get("AlterTableCmd")
            if cmd is None:
                continue
            for rule in rules_for(cmd.get("subtype", ""), ()):
                for finding in rule.check(stmt, cmd):
                    append((finding, anchor))
            if not coldef_rules:
                continue
            coldef = (cmd.get("def") or {}).get("ColumnDef")  # as nodes.cmd_def
            if isinstance(coldef, dict):
                if "colname" not in coldef and cmd.get("name"):
                    coldef = {**coldef, "_column": cmd["name"]}
                for rule in coldef_rules:
                    for finding in rule.check(stmt, coldef):
                        append((finding, anchor))
