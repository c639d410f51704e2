"""Helpers shared by the Alembic and Django front ends (Python ``ast``)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import pgparse

from guardians.migrations.sql import parse_sql
from guardians.migrations.statement import PARSE_ERROR, RawStatement


@dataclass
class Translation:
    """What a front end extracted from a framework migration file."""

    statements: list[RawStatement] = field(default_factory=list)
    transactional: bool = True
    has_rollback: bool = True
    #: Line and reason for a file-level missing rollback (Alembic).
    rollback_line: int = 1
    rollback_reason: str = ""
    rollback_text: str = ""


def quote(name: str) -> str:
    """A PostgreSQL quoted identifier (keeps case, accepts any text)."""
    return '"' + (name or "?").replace('"', '""') + '"'


def const(node: ast.AST | None) -> object:
    """Value of a literal (str/int/bool/None), ``sa.text("...")`` unwrapped; else a sentinel."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Call) and dotted(node.func).split(".")[-1] == "text" and node.args:
        return const(node.args[0])
    return _UNKNOWN


class _Unknown:
    def __repr__(self) -> str:
        return "<unknown>"


_UNKNOWN = _Unknown()


def const_str(node: ast.AST | None) -> str | None:
    value = const(node)
    return value if isinstance(value, str) else None


def name_of(node: ast.AST | None) -> str:
    """A literal string, or the source of the expression (used as an opaque identifier)."""
    if node is None:
        return "?"
    value = const_str(node)
    if value is not None:
        return value
    try:
        return ast.unparse(node)
    except (ValueError, TypeError, AttributeError):  # pragma: no cover - defensive
        return "?"


def dotted(node: ast.AST) -> str:
    """``op.drop_column`` / ``sa.Column`` / ``migrations.RunSQL`` from a callee expression."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(dotted(node.func) + "()")
    return ".".join(reversed(parts))


def last(node: ast.AST) -> str:
    """Final name of a callee or type expression: ``sa.String(50)`` -> ``String``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def arg(call: ast.Call, index: int, name: str) -> ast.expr | None:
    """Positional argument ``index`` or keyword ``name``."""
    value = kwarg(call, name)
    if value is not None:
        return value
    if index < len(call.args) and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return None


def flag(call: ast.Call, name: str, default: bool = False) -> bool:
    value = const(kwarg(call, name))
    if isinstance(value, bool):
        return value
    return default


def str_list(node: ast.AST | None) -> list[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [name_of(elt) for elt in node.elts]
    if node is None:
        return []
    return [name_of(node)]


def sql_expression(text: str) -> str:
    """``text`` if it parses as a SQL expression, else a harmless constant."""
    try:
        pgparse.parse("SELECT " + text)
    except pgparse.PGQueryError:
        return "'?'"
    return text


def segment(src: str, node: ast.AST) -> str:
    return ast.get_source_segment(src, node) or ""


def translate_sql_ops(
    sqls: list[str], call: ast.AST, src: str, origin: str, *, autocommit: bool = False
) -> list[RawStatement]:
    """Parse SQL generated for a framework operation; positions point at the Python call."""
    line = getattr(call, "lineno", 1)
    col = getattr(call, "col_offset", 0) + 1
    text = segment(src, call)
    out: list[RawStatement] = []
    for sql in sqls:
        for raw in parse_sql(sql):
            if raw.node_type == PARSE_ERROR:
                continue  # generated SQL that does not parse is our limitation, not the user's error
            raw.text = text
            raw.line = line
            raw.column = col
            raw.anchor_line = line
            raw.autocommit = autocommit
            raw.origin = origin
            out.append(raw)
    return out


def embedded_sql(
    node: ast.expr, src: str, call: ast.AST, origin: str, *, autocommit: bool = False
) -> list[RawStatement] | None:
    """Parse literal SQL passed to ``op.execute`` / ``RunSQL``; ``None`` if not a literal.

    Line numbers are mapped into the Python file when the literal is a single
    string token (plain or triple-quoted) whose newlines are real newlines;
    otherwise every statement is reported on the literal's first line.
    """
    target = node
    if isinstance(node, ast.Call) and last(node.func) == "text" and node.args:
        target = node.args[0]
    if not isinstance(target, ast.Constant) or not isinstance(target.value, str):
        return None
    sql = target.value
    raw_src = segment(src, target)
    anchor = getattr(call, "lineno", target.lineno)
    exact = raw_src.count("\n") == sql.count("\n")
    prefix = 0
    for ch in raw_src:
        if ch in "'\"":
            break
        prefix += 1
    quote_len = 3 if raw_src[prefix : prefix + 3] in ('"""', "'''") else 1
    first_col = target.col_offset + 1 + prefix + quote_len
    out = parse_sql(
        sql,
        first_line=target.lineno,
        first_column=first_col,
        anchor_line=anchor,
        autocommit=autocommit,
        origin=origin,
    )
    if not exact:
        for raw in out:
            raw.line = target.lineno
            raw.column = target.col_offset + 1
    return out
