"""Helpers shared by the Alembic and Django front ends (Python ``ast``)."""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field

import pgparse

from guardians.migrations.sandbox import pg_parse
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
    if isinstance(node, ast.Call) and last(node.func) in ("f", "conv") and node.args:
        return name_of(node.args[0])  # Alembic op.f() / naming-convention markers: the name itself
    value = const_str(node)
    if value is not None:
        return value
    try:
        return ast.unparse(node)
    except (ValueError, TypeError, AttributeError):  # pragma: no cover - defensive
        return "?"


def optional_name(node: ast.AST | None) -> str | None:
    """Like :func:`name_of`, but None for a missing argument or a literal ``None``."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return None
    return name_of(node)


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
        pg_parse("SELECT " + text)
    except pgparse.PGQueryError:
        return "'?'"
    return text


class Source:
    """A Python file's text with its line starts computed once.

    ``ast.get_source_segment`` splits the whole file into lines on every call,
    which makes a migration of n operations cost O(n^2); here each segment
    costs only its own length.
    """

    __slots__ = ("lines", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # the same line splitting as the tokenizer (\r, \n, \r\n; not form feeds)
        self.lines = re.split(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)", text)

    def segment(self, node: ast.AST) -> str:
        """The source text of ``node`` (``ast.get_source_segment`` semantics)."""
        first_no: int | None = getattr(node, "lineno", None)
        last_no: int | None = getattr(node, "end_lineno", None)
        start: int = getattr(node, "col_offset", 0)
        end: int | None = getattr(node, "end_col_offset", None)
        if first_no is None or last_no is None or end is None:
            return ""
        first, last = first_no - 1, last_no - 1
        if not 0 <= first <= last < len(self.lines):
            return ""
        if first == last:
            line = self.lines[first]
            if line.isascii():
                return line[start:end]
            return line.encode()[start:end].decode(errors="replace")
        head = self.lines[first]
        head = head[start:] if head.isascii() else head.encode()[start:].decode(errors="replace")
        tail = self.lines[last]
        tail = tail[:end] if tail.isascii() else tail.encode()[:end].decode(errors="replace")
        return head + "".join(self.lines[first + 1 : last]) + tail


def segment(src: Source, node: ast.AST) -> str:
    return src.segment(node)


def translate_sql_ops(
    sqls: list[str], call: ast.AST, src: Source, origin: str, *, autocommit: bool = False
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
            raw.exact = False
            out.append(raw)
    return out


def module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = "..."`` string constants (SQL kept out of the call)."""
    out: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            out[node.target.id] = node.value
    return out


def _sql_literal(node: ast.expr, constants: Mapping[str, ast.expr]) -> tuple[ast.Constant, bool] | None:
    """The string literal behind ``node`` and whether its lines map 1:1 to the text.

    Follows a module constant, ``sa.text(...)`` and ``textwrap.dedent(...)``
    (dedent keeps lines, only columns move).
    """
    dedent = False
    for _depth in range(4):
        if isinstance(node, ast.Name) and node.id in constants:
            node = constants[node.id]
        elif isinstance(node, ast.Call) and last(node.func) in ("text", "dedent") and node.args:
            if last(node.func) == "dedent":
                dedent = True
            node = node.args[0]
        else:
            break
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node, dedent
    return None


def embedded_sql(
    node: ast.expr,
    src: Source,
    call: ast.AST,
    origin: str,
    *,
    autocommit: bool = False,
    constants: Mapping[str, ast.expr] | None = None,
) -> list[RawStatement] | None:
    """Parse literal SQL passed to ``op.execute`` / ``RunSQL``; ``None`` if not a literal.

    A name bound at module level to a literal is followed. Line numbers are
    mapped into the Python file (where the literal is written) when the
    literal is a single string token whose newlines are real newlines;
    otherwise every statement is reported on the literal's first line.
    """
    found = _sql_literal(node, constants or {})
    if found is None:
        return None
    target, dedented = found
    sql = str(target.value)
    if dedented:
        sql = textwrap.dedent(sql)
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
    if not exact or dedented:
        for raw in out:
            raw.exact = False
    return out
