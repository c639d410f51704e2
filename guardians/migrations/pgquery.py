"""libpg_query's parse, with its JSON parse tree decoded by orjson.

``pgparse.parse`` calls libpg_query, which returns the parse tree as JSON
text, and decodes it with the standard ``json`` module. On migration files
that decoding costs about three times the parse itself (measured: 45 µs to
parse a file of 5-20 statements, 150 µs to decode its tree with ``json``,
90 µs with orjson). This module calls the same C function of the same
library (``pg_query_parse``, exported by pgparse's extension module, which
links libpg_query statically) and decodes the text with orjson.

The result is the same list of dicts ``pgparse.parse`` returns, and errors
are the same ``pgparse.PGQueryError(message, position)``. Whenever the fast
path is not available (orjson missing, a pgparse build without the exported
symbol) or orjson refuses the text (it stops at 1,024 levels of nesting,
where ``json`` may still succeed or raise RecursionError), ``pgparse.parse``
or ``json.loads`` runs instead, so results never depend on which path ran.
"""

from __future__ import annotations

import ctypes
import json
from collections.abc import Callable
from typing import Any

import pgparse


class _Error(ctypes.Structure):
    """``PgQueryError`` of libpg_query's ``pg_query.h``."""

    _fields_ = (
        ("message", ctypes.c_char_p),
        ("funcname", ctypes.c_char_p),
        ("filename", ctypes.c_char_p),
        ("lineno", ctypes.c_int),
        ("cursorpos", ctypes.c_int),
        ("context", ctypes.c_char_p),
    )


class _Result(ctypes.Structure):
    """``PgQueryParseResult`` of libpg_query's ``pg_query.h``."""

    _fields_ = (
        ("parse_tree", ctypes.c_void_p),
        ("stderr_buffer", ctypes.c_void_p),
        ("error", ctypes.POINTER(_Error)),
    )


Parse = Callable[[str], list[dict[str, Any]]]


def _fast_parser() -> Parse | None:
    """The ctypes + orjson parser, or None when this installation cannot provide it."""
    try:
        import orjson

        lib = ctypes.CDLL(pgparse.__file__)
        c_parse = lib.pg_query_parse
        c_free = lib.pg_query_free_parse_result
    except (ImportError, OSError, AttributeError):
        return None
    c_parse.argtypes = (ctypes.c_char_p,)
    c_parse.restype = _Result
    c_free.argtypes = (_Result,)
    c_free.restype = None
    string_at = ctypes.string_at
    fast_loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    slow_loads = json.loads

    def parse(text: str) -> list[dict[str, Any]]:
        result = c_parse(text.encode("utf-8"))
        try:
            error = result.error
            if error:
                message = (error.contents.message or b"").decode("utf-8", errors="replace")
                raise pgparse.PGQueryError(message, error.contents.cursorpos)
            tree = string_at(result.parse_tree)
        finally:
            c_free(result)
        try:
            stmts: list[dict[str, Any]] = fast_loads(tree)["stmts"]
        except decode_error:
            stmts = slow_loads(tree)["stmts"]
        return stmts

    return parse


def _checked(parse: Parse | None) -> Parse:
    """``parse`` if it agrees with ``pgparse.parse`` on a sample (else ``pgparse.parse``)."""
    if parse is None:
        return pgparse.parse  # type: ignore[no-any-return]
    sample = "ALTER TABLE t ADD COLUMN c text NOT NULL DEFAULT 'é'; SELECT 1"
    try:
        same = parse(sample) == pgparse.parse(sample)
    except Exception:  # any failure of the fast path means: do not use it
        same = False
    return parse if same else pgparse.parse


_parse: Parse | None = None


def parse(text: str) -> list[dict[str, Any]]:
    """``pgparse.parse(text)``, faster; raises ``pgparse.PGQueryError`` the same way."""
    global _parse  # chosen once, on first use (start-up stays lazy)
    if _parse is None:
        _parse = _checked(_fast_parser())
    return _parse(text)
