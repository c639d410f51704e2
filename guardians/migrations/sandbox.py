"""Containment for the parsers of agent-written migrations.

An agent can commit any text, so a parser must never take the process down:

* libpg_query builds its parse tree without a depth limit for left-deep
  operator chains (``SELECT 1+1+...+1``) and its tree serialiser then
  recurses in C: about 60,000 levels overflow the C stack and the whole
  process dies with SIGSEGV (measured: 55,000 terms raise RecursionError in
  Python, 70,000 segfault). Every level costs at least two characters
  (operand and operator), so text of up to ``INLINE_MAX`` bytes cannot reach
  that depth and is parsed in-process, which keeps the common case fast.
  Longer text is parsed in a child process with CPU, memory and time limits;
  a crash there becomes :class:`ParserCrash`, which callers already handle as
  a parse error (MIG900 with file and line).
* Python's ``ast`` raises RecursionError (or MemoryError) for very deep
  expressions, and our own visitors recurse over the tree. :func:`parse_python`
  bounds the tree depth before anything walks it and turns both into a
  ``SyntaxError`` with a line, which the front ends report as MIG900.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
from typing import Any

import pgparse

from guardians.migrations import pgquery

#: Bytes of SQL parsed in-process. Twice the margin below the measured crash
#: depth (60,000 levels x 2 bytes per level).
INLINE_MAX = 60_000
#: Limits of the child process that parses longer text.
CHILD_CPU_SECONDS = 20
CHILD_MEMORY_BYTES = 2 << 30
CHILD_TIMEOUT = 30.0
#: Deepest Python syntax tree our visitors walk (real migrations stay under 30).
MAX_PY_DEPTH = 200


class ParserCrash(pgparse.PGQueryError):  # type: ignore[misc]
    """The SQL parser crashed, ran out of a limit or recursed too deep on this text."""

    def __init__(self, message: str, position: int = 0) -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position


def pg_parse(text: str) -> list[dict[str, Any]]:
    """``pgparse.parse`` that cannot crash or hang the process; raises PGQueryError."""
    if len(text) <= INLINE_MAX // 4 or len(text.encode("utf-8")) <= INLINE_MAX:
        return _parse_inline(text)
    return _parse_in_child(text)


def _parse_inline(text: str) -> list[dict[str, Any]]:
    try:
        result = pgquery.parse(text)
    except RecursionError:
        # The tree is fine for libpg_query but deeper than Python's stack.
        raise ParserCrash(_too_deep()) from None
    except MemoryError:
        raise ParserCrash("the SQL parser ran out of memory on this statement") from None
    return result


def _too_deep() -> str:
    return "expression nested too deeply to analyse (split the expression or the statement)"


# The child: limits first, then parse; the tree goes back as JSON on stdout.
# Exit 3 = parse error (message on stdout), 4 = too deep, 5 = out of memory.
_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_CPU, ({cpu}, {cpu}))
resource.setrlimit(resource.RLIMIT_AS, ({mem}, {mem}))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
import pgparse
text = sys.stdin.buffer.read().decode("utf-8")
try:
    tree = pgparse.parse(text)
except pgparse.PGQueryError as exc:
    out = {{"message": str(getattr(exc, "message", "") or exc), "position": int(getattr(exc, "position", 0) or 0)}}
    sys.stdout.write(json.dumps(out))
    sys.exit(3)
except RecursionError:
    sys.exit(4)
except MemoryError:
    sys.exit(5)
sys.stdout.write(json.dumps(tree))
"""


def _parse_in_child(text: str) -> list[dict[str, Any]]:
    code = _CHILD.format(cpu=CHILD_CPU_SECONDS, mem=CHILD_MEMORY_BYTES)
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV")}
    try:
        # Our own interpreter and code; the agent text goes on stdin only.
        proc = subprocess.run(
            [sys.executable, "-I", "-c", code],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=CHILD_TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ParserCrash(f"the SQL parser took longer than {CHILD_TIMEOUT:.0f} s on this statement") from None
    except OSError as exc:
        raise ParserCrash(f"the SQL parser could not be started: {exc.strerror}") from None
    if proc.returncode == 0:
        result: list[dict[str, Any]] = json.loads(proc.stdout)
        return result
    if proc.returncode == 3:
        info = json.loads(proc.stdout)
        raise ParserCrash(str(info["message"]), int(info["position"]))
    if proc.returncode == 4:
        raise ParserCrash(_too_deep())
    if proc.returncode == 5:
        raise ParserCrash("the SQL parser ran out of memory on this statement")
    if proc.returncode < 0:
        name = _signal_name(-proc.returncode)
        raise ParserCrash(f"the SQL parser crashed ({name}) on this statement; it is too large or too deeply nested")
    raise ParserCrash(f"the SQL parser failed (exit {proc.returncode}) on this statement")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


# --- Python --------------------------------------------------------------------------


class PythonTooDeep(SyntaxError):
    """Raised instead of RecursionError/MemoryError; carries the line to report."""


def parse_python(text: str, filename: str) -> ast.Module:
    """``ast.parse`` with the tree depth bounded; failures are SyntaxError with a line."""
    try:
        tree = ast.parse(text, filename=filename)
    except (RecursionError, MemoryError):
        raise _deep_error(filename, _busiest_line(text)) from None
    deep = _too_deep_at(tree)
    if deep is not None:
        raise _deep_error(filename, deep)
    return tree


def _deep_error(filename: str, line: int) -> PythonTooDeep:
    exc = PythonTooDeep(f"expression nested more than {MAX_PY_DEPTH} levels deep; cannot be analysed")
    exc.filename = filename
    exc.lineno = line
    exc.offset = 1
    return exc


def _too_deep_at(tree: ast.AST) -> int | None:
    """Line of the first node deeper than MAX_PY_DEPTH (iterative: no recursion here)."""
    stack: list[tuple[ast.AST, int, int]] = [(tree, 1, 1)]
    while stack:
        node, depth, line = stack.pop()
        line = getattr(node, "lineno", line)
        if depth > MAX_PY_DEPTH:
            return line
        stack.extend((child, depth + 1, line) for child in ast.iter_child_nodes(node))
    return None


def _busiest_line(text: str) -> int:
    """Where a parser ran out of stack: the line with the most operators and brackets."""
    best, best_line = -1, 1
    for number, line in enumerate(text.splitlines(), 1):
        score = sum(line.count(c) for c in "+-*/%&|^<>([{.,")
        if score > best:
            best, best_line = score, number
    return best_line
