"""Django migration files: translate ``operations`` to the PostgreSQL they run.

Each operation is compared with the state that earlier migrations of the same
app left (:mod:`guardians.migrations.django_state`): an ``AlterField`` becomes
only the statements the change really needs (a type change only when the
column type changes, SET/DROP NOT NULL, an index, a unique constraint), a
``RemoveField`` of a foreign key drops ``<name>_id``, a ManyToMany field has no
column. When no earlier migration defines the field, an ``AlterField`` is
reported as a possible type change (fail closed).

Table names are ``db_table`` when the migrations set it, else Django's
``<app_label>_<model>`` (the app label is the directory above
``migrations/``). A migration runs in one transaction unless the class sets
``atomic = False``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import replace
from pathlib import PurePath

from guardians.migrations.coltypes import needs_rewrite
from guardians.migrations.django_state import (
    FK_FIELDS,
    FieldDef,
    ModelState,
    ProjectState,
    default_table,
    field_def,
    index_name,
    model_key,
    renamed,
)
from guardians.migrations.pyast import (
    Source,
    Translation,
    arg,
    const,
    embedded_sql,
    kwarg,
    last,
    module_constants,
    name_of,
    quote,
    segment,
    translate_sql_ops,
)
from guardians.migrations.statement import RUN_PYTHON, RUN_SQL, RawStatement


class _Ctx:
    """One file's translation: the state it reads and updates, and the statements it emits."""

    def __init__(
        self, src: Source, app: str | None, state: ProjectState, constants: Mapping[str, ast.expr], emit: bool
    ) -> None:
        self.src = src
        self.app = app
        self.state = state
        self.constants = constants
        self.emit = emit
        self.out: list[RawStatement] = []
        self.irreversible = False

    def model(self, node: ast.expr | None) -> ModelState:
        """The model named by ``node``, created (with the default table) if no migration defined it."""
        name = name_of(node)
        key = model_key(self.app, name)
        found = self.state.models.get(key)
        if found is None:
            found = self.state.models[key] = ModelState(default_table(self.app, name))
        return found

    def sql(self, call: ast.Call, origin: str, sqls: list[str], *, from_type: str | None = None) -> None:
        if not self.emit or not sqls:
            return
        raws = translate_sql_ops(sqls, call, self.src, origin)
        if from_type is not None:
            for raw in raws:
                for item in raw.node.get("cmds") or ():
                    cmd = item.get("AlterTableCmd")
                    if cmd is not None and cmd.get("subtype") == "AT_AlterColumnType":
                        cmd["_from"] = from_type
        self.out.extend(raws)


def app_label(display_path: str) -> str | None:
    parts = PurePath(display_path).parts
    if len(parts) >= 3 and parts[-2] == "migrations":
        return parts[-3]
    return None


def _fields(node: ast.AST | None) -> list[tuple[str, ast.AST]]:
    out: list[tuple[str, ast.AST]] = []
    if isinstance(node, ast.List | ast.Tuple):
        for elt in node.elts:
            if isinstance(elt, ast.Tuple) and len(elt.elts) == 2:
                out.append((name_of(elt.elts[0]), elt.elts[1]))
    return out


def _column_sql(f: FieldDef, *, adding: bool, state: ProjectState) -> str:
    """Column definition as Django's schema editor writes it (``ADD COLUMN`` / ``CREATE TABLE``)."""
    parts = [quote(f.column or "?"), f.db_type]
    if f.primary_key:
        parts.append("PRIMARY KEY")
    elif not f.null:
        parts.append("NOT NULL")
    if f.db_default is not None:
        parts.append(f"DEFAULT {f.db_default}")
    elif adding and f.has_default:
        # Django fills existing rows with one value computed in Python: a constant default.
        parts.append("DEFAULT " + ("''" if "char" in f.db_type or f.db_type == "text" else "0"))
    if f.unique:
        parts.append("UNIQUE")
    if f.kind in FK_FIELDS and f.db_constraint:
        target = state.models.get(f.target or "")
        table = target.table if target is not None else default_table(None, (f.target or "?").replace(".", "_"))
        parts.append(f"REFERENCES {quote(table)} ({quote('id')}) DEFERRABLE INITIALLY DEFERRED")
    return " ".join(parts)


def _index_sql(table: str, f: FieldDef) -> list[str]:
    if not f.column or not f.db_index or f.unique or f.primary_key:
        return []
    return [f"CREATE INDEX {quote(index_name(table, [f.column]))} ON {quote(table)} ({quote(f.column)})"]


def _create_model(ctx: _Ctx, call: ast.Call) -> None:
    name = name_of(arg(call, 0, "name"))
    options = arg(call, 2, "options")
    table = default_table(ctx.app, name)
    if isinstance(options, ast.Dict):
        for key, value in zip(options.keys, options.values, strict=True):
            if const(key) == "db_table" and isinstance(const(value), str):
                table = str(const(value))
    model = ModelState(table)
    ctx.state.models[model_key(ctx.app, name)] = model
    defs: list[str] = []
    extra: list[str] = []
    for fname, node in _fields(arg(call, 1, "fields")):
        f = field_def(fname, node, ctx.state, ctx.app)
        model.fields[fname] = f
        if f.column is None:
            continue
        defs.append(_column_sql(f, adding=False, state=ctx.state))
        extra.extend(_index_sql(table, f))
    ctx.sql(call, "CreateModel", [f"CREATE TABLE {quote(table)} ({', '.join(defs) or quote('id') + ' bigint'})"])
    ctx.sql(call, "CreateModel", extra)


def _add_field(ctx: _Ctx, call: ast.Call) -> None:
    model = ctx.model(arg(call, 0, "model_name"))
    name = name_of(arg(call, 1, "name"))
    node = arg(call, 2, "field")
    if node is None:
        return
    f = field_def(name, node, ctx.state, ctx.app)
    model.fields[name] = f
    if f.column is None:
        return  # ManyToMany: a new join table; tags, generic relations: nothing
    table = model.table
    column_sql = _column_sql(f, adding=True, state=ctx.state)
    ctx.sql(call, "AddField", [f"ALTER TABLE {quote(table)} ADD COLUMN {column_sql}", *_index_sql(table, f)])


def _remove_field(ctx: _Ctx, call: ast.Call) -> None:
    model = ctx.model(arg(call, 0, "model_name"))
    name = name_of(arg(call, 1, "name"))
    f = model.fields.pop(name, None)
    if f is not None and f.column is None:
        if f.kind == "ManyToManyField":
            ctx.sql(call, "RemoveField", [f"DROP TABLE {quote(model.table + '_' + name)}"])
        return
    column = f.column if f is not None and f.column else name
    ctx.sql(call, "RemoveField", [f"ALTER TABLE {quote(model.table)} DROP COLUMN {quote(column)}"])


def _alter_field(ctx: _Ctx, call: ast.Call) -> None:
    model = ctx.model(arg(call, 0, "model_name"))
    name = name_of(arg(call, 1, "name"))
    node = arg(call, 2, "field")
    if node is None:
        return
    new = field_def(name, node, ctx.state, ctx.app)
    old = model.fields.get(name)
    model.fields[name] = new
    table, column = quote(model.table), quote(new.column or name)
    if new.column is None or (old is not None and old.column is None):
        return
    if old is None:
        # the previous definition is unknown: report a possible type change (fail closed)
        ctx.sql(call, "AlterField", [f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {new.db_type}"])
        return
    if old.column != new.column:
        ctx.sql(call, "AlterField", [f"ALTER TABLE {table} RENAME COLUMN {quote(old.column or name)} TO {column}"])
    sqls: list[str] = []
    if needs_rewrite(old.db_type, new.db_type):
        type_sql = f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {new.db_type}"
        ctx.sql(call, "AlterField", [type_sql], from_type=old.db_type)
    if old.null and not new.null and not new.primary_key:
        sqls.append(f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL")
    elif new.null and not old.null:
        sqls.append(f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL")
    if new.db_default != old.db_default:
        change = f"SET DEFAULT {new.db_default}" if new.db_default is not None else "DROP DEFAULT"
        sqls.append(f"ALTER TABLE {table} ALTER COLUMN {column} {change}")
    sqls.extend(_index_changes(model.table, old, new))
    if new.kind in FK_FIELDS and new.db_constraint and (old.kind not in FK_FIELDS or not old.db_constraint):
        target = ctx.state.models.get(new.target or "")
        ref = target.table if target is not None else (new.target or "?").replace(".", "_")
        fk = index_name(model.table, [new.column or name], f"_fk_{ref}_id")
        sqls.append(
            f"ALTER TABLE {table} ADD CONSTRAINT {quote(fk)} FOREIGN KEY ({column}) REFERENCES {quote(ref)} "
            f"({quote('id')}) DEFERRABLE INITIALLY DEFERRED"
        )
    ctx.sql(call, "AlterField", sqls)


def _index_changes(table: str, old: FieldDef, new: FieldDef) -> list[str]:
    column = new.column or "?"
    sqls: list[str] = []
    old_index = old.db_index and not old.unique and not old.primary_key
    new_index = new.db_index and not new.unique and not new.primary_key
    if new_index and not old_index:
        sqls.extend(_index_sql(table, new))
    elif old_index and not new_index and old.column:
        sqls.append(f"DROP INDEX {quote(index_name(table, [old.column]))}")
    if new.unique and not old.unique:
        name = index_name(table, [column], "_uniq")
        sqls.append(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} UNIQUE ({quote(column)})")
    elif old.unique and not new.unique and old.column:
        name = index_name(table, [old.column], "_uniq")
        sqls.append(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    return sqls


def _rename_field(ctx: _Ctx, call: ast.Call) -> None:
    model = ctx.model(arg(call, 0, "model_name"))
    old_name, new_name = name_of(arg(call, 1, "old_name")), name_of(arg(call, 2, "new_name"))
    f = model.fields.pop(old_name, None)
    if f is None:
        ctx.sql(
            call,
            "RenameField",
            [f"ALTER TABLE {quote(model.table)} RENAME COLUMN {quote(old_name)} TO {quote(new_name)}"],
        )
        return
    moved = renamed(f, new_name, old_name)
    model.fields[new_name] = moved
    if f.column and moved.column and f.column != moved.column:
        ctx.sql(
            call,
            "RenameField",
            [f"ALTER TABLE {quote(model.table)} RENAME COLUMN {quote(f.column)} TO {quote(moved.column)}"],
        )


def _rename_model(ctx: _Ctx, call: ast.Call) -> None:
    old_name, new_name = name_of(arg(call, 0, "old_name")), name_of(arg(call, 1, "new_name"))
    model = ctx.state.models.pop(model_key(ctx.app, old_name), None)
    old_default = default_table(ctx.app, old_name)
    if model is None:
        model = ModelState(old_default)
    new_table = default_table(ctx.app, new_name) if model.table == old_default else model.table
    ctx.state.models[model_key(ctx.app, new_name)] = replace(model, table=new_table)
    if new_table != model.table:
        ctx.sql(call, "RenameModel", [f"ALTER TABLE {quote(model.table)} RENAME TO {quote(new_table)}"])


def _alter_model_table(ctx: _Ctx, call: ast.Call) -> None:
    model = ctx.model(arg(call, 0, "name"))
    table = const(arg(call, 1, "table"))
    new_table = table if isinstance(table, str) else default_table(ctx.app, name_of(arg(call, 0, "name")))
    if new_table != model.table:
        ctx.sql(call, "AlterModelTable", [f"ALTER TABLE {quote(model.table)} RENAME TO {quote(new_table)}"])
        model.table = new_table


def _index(ctx: _Ctx, call: ast.Call, op: str) -> None:
    model = ctx.model(arg(call, 0, "model_name"))
    index = arg(call, 1, "index")
    if not isinstance(index, ast.Call):
        return
    fields = kwarg(index, "fields")
    cols = (
        [model.column(name_of(e).lstrip("-")) for e in fields.elts] if isinstance(fields, ast.List | ast.Tuple) else []
    )
    name = name_of(kwarg(index, "name")) if kwarg(index, "name") is not None else index_name(model.table, cols, "_idx")
    conc = "CONCURRENTLY " if op == "AddIndexConcurrently" else ""
    collist = ", ".join(quote(c) for c in cols) or quote("?")
    ctx.sql(call, op, [f"CREATE INDEX {conc}{quote(name)} ON {quote(model.table)} ({collist})"])


def _together(ctx: _Ctx, call: ast.Call, op: str) -> None:
    model = ctx.model(arg(call, 0, "name"))
    value = arg(call, 1, "unique_together" if op == "AlterUniqueTogether" else "index_together")
    groups: set[tuple[str, ...]] = set()
    for group in value.elts if isinstance(value, ast.Set | ast.List | ast.Tuple) else ():
        if isinstance(group, ast.Tuple | ast.List):
            groups.add(tuple(model.column(name_of(c)) for c in group.elts))
    unique = op == "AlterUniqueTogether"
    before = model.unique_together if unique else model.index_together
    table = quote(model.table)
    sqls: list[str] = []
    for cols in sorted(groups - before):
        collist = ", ".join(quote(c) for c in cols)
        if unique:
            name = quote(index_name(model.table, list(cols), "_uniq"))
            sqls.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({collist})")
        else:
            sqls.append(f"CREATE INDEX {quote(index_name(model.table, list(cols), '_idx'))} ON {table} ({collist})")
    for cols in sorted(before - groups):
        if unique:
            sqls.append(f"ALTER TABLE {table} DROP CONSTRAINT {quote(index_name(model.table, list(cols), '_uniq'))}")
        else:
            sqls.append(f"DROP INDEX {quote(index_name(model.table, list(cols), '_idx'))}")
    if unique:
        model.unique_together = groups
    else:
        model.index_together = groups
    ctx.sql(call, op, sqls)


def _add_constraint(ctx: _Ctx, call: ast.Call) -> None:
    model = ctx.model(arg(call, 0, "model_name"))
    con = arg(call, 1, "constraint")
    if not isinstance(con, ast.Call):
        return
    name = quote(name_of(kwarg(con, "name")))
    kind = last(con.func)
    table = quote(model.table)
    if kind == "UniqueConstraint":
        fields = kwarg(con, "fields")
        names = fields.elts if isinstance(fields, ast.List | ast.Tuple) else []
        cols = ", ".join(quote(model.column(name_of(c))) for c in names)
        sql = f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({cols or quote('?')})"
    elif kind == "CheckConstraint":
        sql = f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK (true)"
    else:
        return
    ctx.sql(call, "AddConstraint", [sql])


def _remove_constraint(ctx: _Ctx, call: ast.Call) -> None:
    model = ctx.model(arg(call, 0, "model_name"))
    name = name_of(arg(call, 1, "name"))
    ctx.sql(call, "RemoveConstraint", [f"ALTER TABLE {quote(model.table)} DROP CONSTRAINT {quote(name)}"])


def _run_sql(ctx: _Ctx, call: ast.Call) -> None:
    if not ctx.emit:
        return
    sql = arg(call, 0, "sql")
    if isinstance(sql, ast.Name) and isinstance(ctx.constants.get(sql.id), ast.List | ast.Tuple):
        sql = ctx.constants[sql.id]
    items: list[ast.expr] = []
    if isinstance(sql, ast.List | ast.Tuple):
        for elt in sql.elts:
            items.append(elt.elts[0] if isinstance(elt, ast.Tuple | ast.List) and elt.elts else elt)
    elif sql is not None:
        items.append(sql)
    for item_expr in items:
        parsed = embedded_sql(item_expr, ctx.src, call, "RunSQL", constants=ctx.constants)
        if parsed is not None:
            ctx.out.extend(parsed)
    reverse = arg(call, 1, "reverse_sql")
    reversible = reverse is not None and const(reverse) is not None
    ctx.irreversible |= not reversible
    ctx.out.append(
        RawStatement(
            RUN_SQL, {"reversible": reversible}, segment(ctx.src, call), call.lineno, call.col_offset + 1, call.lineno
        )
    )


def _run_python(ctx: _Ctx, call: ast.Call) -> None:
    if not ctx.emit:
        return
    reverse = arg(call, 1, "reverse_code")
    reversible = reverse is not None and const(reverse) is not None
    ctx.irreversible |= not reversible
    text = segment(ctx.src, call)
    ctx.out.append(
        RawStatement(RUN_PYTHON, {"reversible": reversible}, text, call.lineno, call.col_offset + 1, call.lineno)
    )


def _separate(ctx: _Ctx, call: ast.Call) -> None:
    """Database operations run (and are checked); state operations only change what Django knows."""
    db_ops = kwarg(call, "database_operations")
    state_ops = kwarg(call, "state_operations")
    if db_ops is None and state_ops is None and call.args:
        db_ops = call.args[1] if len(call.args) > 1 else None
        state_ops = call.args[0]
    saved = ctx.state
    if state_ops is not None:
        # the database operations see (and change) a scratch copy; the state follows state_operations
        ctx.state = ProjectState({k: replace(v, fields=dict(v.fields)) for k, v in saved.models.items()})
    for sub in db_ops.elts if isinstance(db_ops, ast.List | ast.Tuple) else ():
        if isinstance(sub, ast.Call):
            _operation(ctx, sub)
    ctx.state = saved
    if state_ops is None:
        return
    emit, ctx.emit = ctx.emit, False
    for sub in state_ops.elts if isinstance(state_ops, ast.List | ast.Tuple) else ():
        if isinstance(sub, ast.Call):
            _operation(ctx, sub)
    ctx.emit = emit


def _delete_model(ctx: _Ctx, call: ast.Call) -> None:
    name = name_of(arg(call, 0, "name"))
    model = ctx.state.models.pop(model_key(ctx.app, name), None)
    table = model.table if model is not None else default_table(ctx.app, name)
    ctx.sql(call, "DeleteModel", [f"DROP TABLE {quote(table)}"])


def _remove_index(ctx: _Ctx, call: ast.Call, op: str) -> None:
    conc = "CONCURRENTLY " if op == "RemoveIndexConcurrently" else ""
    ctx.sql(call, op, [f"DROP INDEX {conc}{quote(name_of(arg(call, 1, 'name')))}"])


def _operation(ctx: _Ctx, call: ast.Call) -> None:  # noqa: C901 - one branch per Django operation
    op = last(call.func)
    if op == "SeparateDatabaseAndState":
        _separate(ctx, call)
    elif op == "CreateModel":
        _create_model(ctx, call)
    elif op == "DeleteModel":
        _delete_model(ctx, call)
    elif op == "RenameModel":
        _rename_model(ctx, call)
    elif op == "AlterModelTable":
        _alter_model_table(ctx, call)
    elif op == "AddField":
        _add_field(ctx, call)
    elif op == "AlterField":
        _alter_field(ctx, call)
    elif op == "RemoveField":
        _remove_field(ctx, call)
    elif op == "RenameField":
        _rename_field(ctx, call)
    elif op in ("AddIndex", "AddIndexConcurrently"):
        _index(ctx, call, op)
    elif op in ("RemoveIndex", "RemoveIndexConcurrently"):
        _remove_index(ctx, call, op)
    elif op == "AddConstraint":
        _add_constraint(ctx, call)
    elif op == "RemoveConstraint":
        _remove_constraint(ctx, call)
    elif op in ("AlterUniqueTogether", "AlterIndexTogether"):
        _together(ctx, call, op)
    elif op == "RunSQL":
        _run_sql(ctx, call)
    elif op == "RunPython":
        _run_python(ctx, call)


def _migration_class(tree: ast.Module) -> ast.ClassDef | None:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Migration":
            return node
    return None


def translate(
    src: str | Source,
    tree: ast.Module,
    display_path: str,
    state: ProjectState | None = None,
    *,
    emit: bool = True,
) -> Translation:
    """Statements of a Django migration; ``state`` (earlier migrations) is updated in place."""
    source = src if isinstance(src, Source) else Source(src)
    result = Translation(transactional=True)
    cls = _migration_class(tree)
    if cls is None:
        return result
    constants = module_constants(tree)
    ctx = _Ctx(source, app_label(display_path), state if state is not None else ProjectState(), constants, emit)
    for stmt in cls.body:
        if not isinstance(stmt, ast.Assign | ast.AnnAssign):
            continue
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        value = stmt.value
        if isinstance(value, ast.Name) and isinstance(constants.get(value.id), ast.List | ast.Tuple):
            value = constants[value.id]
        if "atomic" in names and const(value) is False:
            result.transactional = False
        if "operations" in names and isinstance(value, ast.List | ast.Tuple):
            for op in value.elts:
                if isinstance(op, ast.Call):
                    _operation(ctx, op)
    result.statements = ctx.out
    result.has_rollback = not ctx.irreversible
    return result
