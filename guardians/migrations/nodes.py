"""Small, allocation-light helpers over the PostgreSQL parse tree (plain dicts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Node = dict[str, Any]

#: Node types that change a table's structure while holding a table lock.
LOCKING_NODE_TYPES = frozenset(
    {"AlterTableStmt", "RenameStmt", "IndexStmt", "DropStmt", "TruncateStmt", "CreateTrigStmt"}
)
#: ALTER TABLE sub-commands that only take SHARE UPDATE EXCLUSIVE (reads and writes continue).
LIGHT_ALTER_SUBTYPES = frozenset({"AT_ValidateConstraint", "AT_SetStatistics", "AT_SetOptions"})

SERIAL_TYPES = frozenset({"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"})
SMALL_INT_TYPES = frozenset({"int4", "int2", "integer", "smallint", "int", "serial", "serial4"})
SMALL_SERIAL_TYPES = frozenset({"serial", "serial4", "smallserial", "serial2"})


def relname(rangevar: Node | None) -> str | None:
    """Unqualified relation name of a RangeVar dict."""
    if not rangevar:
        return None
    name = rangevar.get("relname")
    return name if isinstance(name, str) else None


def qualified(rangevar: Node | None) -> str | None:
    if not rangevar:
        return None
    name = rangevar.get("relname")
    schema = rangevar.get("schemaname")
    if schema:
        return f"{schema}.{name}"
    return name if isinstance(name, str) else None


def string_list(items: list[Node] | None) -> list[str]:
    """``[{"String": {"sval": "a"}}, ...]`` -> ``["a", ...]``."""
    out: list[str] = []
    for item in items or ():
        value = item.get("String")
        if value is not None:
            out.append(value.get("sval", ""))
    return out


def drop_object_names(node: Node) -> list[str]:
    """Names of the objects of a DropStmt, each unqualified (last component)."""
    out: list[str] = []
    for obj in node.get("objects") or ():
        lst = obj.get("List")
        if lst is not None:
            names = string_list(lst.get("items"))
            if names:
                out.append(names[-1])
        elif "String" in obj:
            out.append(obj["String"].get("sval", ""))
        elif "ObjectWithArgs" in obj:  # functions, procedures, aggregates
            names = string_list(obj["ObjectWithArgs"].get("objname"))
            if names:
                out.append(names[-1])
        elif "TypeName" in obj:  # types, domains
            names = string_list(obj["TypeName"].get("names"))
            if names:
                out.append(names[-1])
    return out


def created_object(node_type: str, node: Node) -> tuple[str, str] | None:
    """(kind, unqualified name) of a view, function or type a statement creates, else None."""
    names: list[str] = []
    kind = ""
    if node_type == "ViewStmt":
        kind, names = "view", [relname(node.get("view")) or ""]
    elif node_type == "CreateTableAsStmt" and node.get("objtype") == "OBJECT_MATVIEW":
        kind, names = "view", [relname((node.get("into") or {}).get("rel")) or ""]
    elif node_type == "CreateFunctionStmt":
        kind, names = "function", string_list(node.get("funcname"))
    elif node_type in ("CreateEnumStmt", "CreateRangeStmt"):
        kind, names = "type", string_list(node.get("typeName"))
    elif node_type == "CompositeTypeStmt":
        kind, names = "type", [relname(node.get("typevar")) or ""]
    elif node_type == "CreateDomainStmt":
        kind, names = "type", string_list(node.get("domainname"))
    if not names or not names[-1]:
        return None
    return kind, names[-1]


def type_name(coldef: Node) -> str:
    """Base type of a ColumnDef, lower case, without the ``pg_catalog`` prefix (memoised)."""
    cached = coldef.get("_type")
    if cached is not None:
        return str(cached)
    tn = coldef.get("typeName")
    if not tn:
        return ""
    names = tn.get("names") or ()
    if not names:
        return ""
    name = str(names[-1].get("String", {}).get("sval", "")).lower()
    coldef["_type"] = name
    return name


_DISPLAY_TYPES = {
    "int8": "bigint",
    "int4": "integer",
    "int2": "smallint",
    "bool": "boolean",
    "float8": "double precision",
    "float4": "real",
    "bpchar": "char",
}


def display_type(name: str) -> str:
    """Readable name of an internal type name (``int8`` -> ``bigint``)."""
    return _DISPLAY_TYPES.get(name, name)


def type_mods(coldef: Node) -> list[Node]:
    tn = coldef.get("typeName") or {}
    mods = tn.get("typmods")
    return mods if isinstance(mods, list) else []


def is_array(coldef: Node) -> bool:
    tn = coldef.get("typeName") or {}
    return bool(tn.get("arrayBounds"))


def constraints(coldef: Node) -> list[Node]:
    """The Constraint nodes of a ColumnDef."""
    items = coldef.get("constraints")
    if not items:
        return []
    return [con for item in items if (con := item.get("Constraint")) is not None]


def contypes(coldef: Node) -> set[str]:
    items = coldef.get("constraints")
    if not items:
        return set()
    return {con.get("contype", "") for item in items if (con := item.get("Constraint")) is not None}


def default_expr(coldef: Node) -> Node | None:
    for con in constraints(coldef):
        if con.get("contype") == "CONSTR_DEFAULT":
            expr = con.get("raw_expr")
            return expr if isinstance(expr, dict) else {}
    return None


def func_calls(expr: Any) -> Iterator[str]:
    """Every function name called inside an expression tree (bounded walk)."""
    stack = [expr]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            call = item.get("FuncCall")
            if call is not None:
                names = string_list(call.get("funcname"))
                if names:
                    yield names[-1].lower()
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def column_defs(create: Node) -> Iterator[Node]:
    for elt in create.get("tableElts") or ():
        col = elt.get("ColumnDef")
        if col is not None:
            yield col


def table_constraints(create: Node) -> Iterator[Node]:
    for elt in create.get("tableElts") or ():
        con = elt.get("Constraint")
        if con is not None:
            yield con


def alter_cmds(node: Node) -> list[Node]:
    # a list, not a generator: called several times per ALTER TABLE, on one or two commands
    return [cmd for item in node.get("cmds") or () if (cmd := item.get("AlterTableCmd")) is not None]


def cmd_def(cmd: Node, key: str) -> Node | None:
    value = (cmd.get("def") or {}).get(key)
    return value if isinstance(value, dict) else None


def is_concurrent_reindex(node: Node) -> bool:
    params = node.get("params") or ()
    return any((param.get("DefElem") or {}).get("defname") == "concurrently" for param in params)


def not_null_check_column(con: Node) -> str | None:
    """Column name if a CHECK constraint is exactly ``col IS NOT NULL``."""
    expr = con.get("raw_expr") or {}
    test = expr.get("NullTest")
    if not test or test.get("nulltesttype") != "IS_NOT_NULL":
        return None
    ref = (test.get("arg") or {}).get("ColumnRef")
    if not ref:
        return None
    names = string_list(ref.get("fields"))
    return names[-1] if names else None


def takes_table_lock(node_type: str, node: Node, new_tables: frozenset[str] | Any) -> bool:
    """True if the statement locks an existing table in a way that blocks traffic."""
    if node_type not in LOCKING_NODE_TYPES:
        return False
    if node_type == "AlterTableStmt":
        if relname(node.get("relation")) in new_tables:
            return False
        for item in node.get("cmds") or ():  # as alter_cmds (this runs for every ALTER TABLE)
            cmd = item.get("AlterTableCmd")
            if cmd is not None and cmd.get("subtype") not in LIGHT_ALTER_SUBTYPES:
                return True
        return False
    if node_type == "IndexStmt":
        return not node.get("concurrent") and relname(node.get("relation")) not in new_tables
    if node_type == "DropStmt":
        kind = node.get("removeType")
        if kind == "OBJECT_TABLE":
            return any(name not in new_tables for name in drop_object_names(node))
        return kind == "OBJECT_INDEX" and not node.get("concurrent")
    if node_type == "TruncateStmt":
        return True
    return relname(node.get("relation")) not in new_tables


def full_type(coldef: Node) -> str:
    """Readable type of a ColumnDef with its modifiers: ``varchar(100)``, ``numeric(12, 2)``, ``text[]``."""
    name = display_type(type_name(coldef))
    if not name:
        return ""
    mods: list[str] = []
    for mod in type_mods(coldef):
        const = mod.get("A_Const") or {}
        if "ival" in const:
            mods.append(str(const["ival"].get("ival", 0)))
    text = f"{name}({', '.join(mods)})" if mods else name
    return text + "[]" if is_array(coldef) else text


#: ALTER TABLE sub-commands that rewrite or scan the table while holding their lock.
LONG_ALTER_SUBTYPES = frozenset({"AT_AlterColumnType", "AT_SetNotNull"})


def holds_lock_long(node_type: str, node: Node) -> bool:
    """True if the statement keeps its table lock for a scan, a rewrite or an index build."""
    if node_type == "AlterTableStmt":
        for cmd in alter_cmds(node):
            sub = cmd.get("subtype")
            if sub in LONG_ALTER_SUBTYPES:
                return True
            if sub == "AT_AddConstraint" and not (cmd_def(cmd, "Constraint") or {}).get("skip_validation"):
                return True
        return False
    if node_type == "IndexStmt":
        return not node.get("concurrent")
    if node_type == "ReindexStmt":
        return not is_concurrent_reindex(node)
    return node_type == "ClusterStmt"
