"""Parse PostgreSQL migration text into statements with exact positions.

``pgparse`` (libpg_query) parses the whole text at once and reports byte
offsets. When the text does not parse, it is split on top-level semicolons
by a small lexer that understands quotes, dollar quotes and comments, and
each piece is parsed on its own: the broken statement becomes a parse-error
statement and the rest of the file is still analysed.

Large files are parsed in pieces of a few hundred statements
(:func:`iter_sql`), each checked and released before the next is parsed:
the same statements, in less time and a fraction of the memory.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any

import pgparse

from guardians.migrations.sandbox import pg_parse
from guardians.migrations.statement import PARSE_ERROR, RawStatement

_SKIP_STR = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)
_SKIP_BYTES = re.compile(rb"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)
#: First characters of a comment (``--``, ``/*``), as str and as bytes.
_COMMENT_START = frozenset({"-", "/", b"-", b"/"})
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$")


class _Source:
    """Offsets from libpg_query are byte offsets; work in bytes only when needed."""

    __slots__ = ("_line_starts", "ascii", "cursor", "data", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.data: str | bytes = text if self.ascii else text.encode("utf-8")
        self._line_starts: list[int] | None = None
        #: (offset, its 1-based line): statements are converted in text order,
        #: so lines are counted from the previous statement, not from the top.
        self.cursor = (0, 1)

    def __len__(self) -> int:
        return len(self.data)

    def skip_blank(self, pos: int) -> int:
        """First offset at or after ``pos`` that is not whitespace or a comment."""
        if isinstance(self.data, str):
            m = _SKIP_STR.match(self.data, pos)
            return m.end() if m else pos
        mb = _SKIP_BYTES.match(self.data, pos)
        return mb.end() if mb else pos

    def slice(self, start: int, end: int) -> str:
        chunk = self.data[start:end]
        if isinstance(chunk, bytes):
            return chunk.decode("utf-8", errors="replace")
        return chunk

    def line_col(self, pos: int) -> tuple[int, int]:
        """1-based line and column (in characters) of an offset."""
        starts = self._line_starts
        if starts is None:
            starts = [0]
            nl: Any = "\n" if self.ascii else b"\n"
            find = self.data.find
            at = find(nl)
            while at != -1:
                starts.append(at + 1)
                at = find(nl, at + 1)
            self._line_starts = starts
        idx = bisect.bisect_right(starts, pos) - 1
        start = starts[idx]
        col = pos - start if self.ascii else len(self.slice(start, pos))
        return idx + 1, col + 1


def parse_sql(
    text: str,
    *,
    first_line: int = 1,
    first_column: int = 1,
    anchor_line: int | None = None,
    autocommit: bool = False,
    origin: str | None = None,
) -> list[RawStatement]:
    """Parse ``text`` into :class:`RawStatement` objects, parse errors included.

    ``first_line``/``first_column`` place the text inside a larger file (SQL
    embedded in a Python migration): positions on the first line are shifted
    by the column, later lines only by the line number.
    """
    src = _Source(text)
    try:
        parsed = pg_parse(text)
    except pgparse.PGQueryError:
        return _parse_pieces(src, first_line, first_column, anchor_line, autocommit, origin)
    except (ValueError, RuntimeError) as exc:  # defensive: binding-level failure
        return [_error(src, 0, str(exc), 0, first_line, first_column, anchor_line, origin)]
    return _convert(parsed, src, 0, len(src), first_line, first_column, anchor_line, autocommit, origin)


class SplitError(Exception):
    """The text cannot be parsed piece by piece: parse it whole (:func:`parse_sql`)."""


#: Characters per piece for :func:`iter_sql`: a few hundred statements, whose
#: parse tree stays in the CPU caches while it is checked and then released.
CHUNK_CHARS = 8_192


def iter_sql(text: str, *, chunk_chars: int = CHUNK_CHARS) -> Iterator[list[RawStatement]]:
    """:func:`parse_sql` of a whole file, in consecutive pieces.

    The pieces, concatenated, equal ``parse_sql(text)`` for text that parses.
    Parsing a large file in pieces is faster (each piece's tree is used while
    it is in cache, and freed before the next one is built) and needs a
    fraction of the memory. Pieces end at a ``;`` followed by a newline; a cut
    counts only if libpg_query parsed the piece and ended its last statement
    exactly at that semicolon (so it was a statement terminator, not text in
    a string, comment or body); otherwise the piece is extended to a later
    cut. After a few tries (a syntax error, or a very long body)
    :class:`SplitError` is raised and the caller parses the whole text instead
    (and gets the exact per-statement error reporting of :func:`parse_sql`).
    Small texts come in one piece.
    """
    if len(text) <= chunk_chars * 2:
        yield parse_sql(text)
        return
    src = _Source(text)
    pos = 0
    base = 0
    while pos < len(text):
        end, parsed = _next_piece(text, pos, chunk_chars)
        piece_len = end - pos if src.ascii else len(text[pos:end].encode("utf-8"))
        yield _convert(parsed, src, base, base + piece_len, 1, 1, None, False, None)
        del parsed
        pos = end
        base += piece_len


#: How many times a piece is extended to the next candidate cut before giving up.
_CUT_RETRIES = 4


def _next_piece(text: str, pos: int, chunk_chars: int) -> tuple[int, list[dict[str, Any]]]:
    """(end, parse) of the piece of ``text`` starting at ``pos``; raises :class:`SplitError`."""
    size = len(text)
    search = pos + chunk_chars
    for _attempt in range(_CUT_RETRIES + 1):
        cut = text.find(";\n", search)
        # the rest goes in one piece when no cut is left or only a small tail would remain
        end = size if cut == -1 or size - cut < chunk_chars // 2 else cut + 2
        piece = text[pos:end]
        try:
            parsed = pg_parse(piece)
        except (pgparse.PGQueryError, ValueError, RuntimeError):
            parsed = None  # a syntax error, or a cut inside a string, comment or body
        if parsed is not None and (end == size or _ends_at_cut(parsed, piece)):
            return end, parsed
        if end == size:
            break
        search = end + chunk_chars
    raise SplitError(f"no usable cut after offset {pos}")


def _ends_at_cut(parsed: list[dict[str, Any]], piece: str) -> bool:
    """True if the last statement of the piece ends at its final ``;``."""
    if not parsed or not parsed[-1].get("stmt"):
        return False
    last = parsed[-1]
    piece_len = len(piece) if piece.isascii() else len(piece.encode("utf-8"))
    return bool(last.get("stmt_location", 0) + last.get("stmt_len", 0) == piece_len - 2)


def _convert(
    parsed: list[dict[str, Any]],
    src: _Source,
    base: int,
    limit: int,
    first_line: int,
    first_column: int,
    anchor_line: int | None,
    autocommit: bool,
    origin: str | None,
) -> list[RawStatement]:
    out: list[RawStatement] = []
    append = out.append
    data: Any = src.data
    ascii_text = src.ascii
    skip = (_SKIP_STR if ascii_text else _SKIP_BYTES).match
    line_shift = first_line - 1
    counted, line = src.cursor
    newline: Any = "\n" if ascii_text else b"\n"
    count = data.count
    rfind = data.rfind
    for item in parsed:
        stmt = item.get("stmt")
        if not stmt:
            continue
        loc = base + item.get("stmt_location", 0)
        length = item.get("stmt_len", 0)
        end = min(loc + length, limit) if length else limit
        piece = data[loc:end]
        body = piece.lstrip()
        start = end - len(body) if piece else loc
        if body[:1] in _COMMENT_START:
            blank = skip(data, loc)
            start = blank.end() if blank else loc
            body = data[start:end]
        if start >= counted:
            line += count(newline, counted, start)
        else:  # not expected from libpg_query; recount from the top
            line = 1 + count(newline, 0, start)
        counted = start
        line_start = rfind(newline, 0, start) + 1
        if ascii_text:
            col = start - line_start + 1
            text = body.rstrip()
        else:
            col = len(src.slice(line_start, start)) + 1
            text = src.slice(start, end).rstrip()
        if line == 1:
            col += first_column - 1
        for node_type, node in stmt.items():
            append(RawStatement(node_type, node, text, line + line_shift, col, anchor_line, autocommit, origin))
            break
    src.cursor = (counted, line)
    return out


def _error(
    src: _Source,
    start: int,
    message: str,
    position: int,
    first_line: int,
    first_column: int,
    anchor_line: int | None,
    origin: str | None,
    end: int | None = None,
) -> RawStatement:
    """A parse-error statement. ``position`` is libpg_query's 1-based cursor (0 = unknown)."""
    stmt_start = src.skip_blank(start)
    where = start + position - 1 if position > 0 else stmt_start
    line, col = src.line_col(min(where, len(src)))
    if line == 1:
        col += first_column - 1
    text = src.slice(stmt_start, end if end is not None else len(src)).rstrip()
    node = {
        "message": message,
        "position": position,
        "error_line": line + first_line - 1,
        "error_column": col,
        # the words just before the error, to tell newer syntax from a typo (MIG903)
        "before": src.slice(max(stmt_start, where - 40), where) if position > 0 else "",
        "after": " ".join(src.slice(where, where + 40).split()[1:2]) if position > 0 else "",
    }
    return RawStatement(PARSE_ERROR, node, text, line + first_line - 1, col, anchor_line, False, origin)


def _parse_pieces(
    src: _Source,
    first_line: int,
    first_column: int,
    anchor_line: int | None,
    autocommit: bool,
    origin: str | None,
) -> list[RawStatement]:
    out: list[RawStatement] = []
    for start, end in split_statements(src.text if src.ascii else src.data):
        piece = src.slice(start, end)
        if not piece.strip() or src.skip_blank(start) >= end:
            continue
        try:
            parsed = pg_parse(piece)
        except pgparse.PGQueryError as exc:
            message = str(getattr(exc, "message", "") or exc)
            position = int(getattr(exc, "position", 0) or 0)
            out.append(_error(src, start, message, position, first_line, first_column, anchor_line, origin, end))
            continue
        out.extend(_convert(parsed, src, start, end, first_line, first_column, anchor_line, autocommit, origin))
    return out


def split_statements(data: str | bytes) -> list[tuple[int, int]]:
    """Split on top-level ``;`` and return (start, end) offsets, semicolon excluded.

    Understands single quotes, double-quoted identifiers, dollar quoting,
    ``--`` and nested ``/* */`` comments. Works on ``str`` or UTF-8 ``bytes``
    (offsets are then byte offsets, like libpg_query's).
    """
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    pieces: list[tuple[int, int]] = []
    i = 0
    start = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == ";":
            pieces.append((start, i))
            start = i + 1
            i += 1
        else:
            i = _skip_token(text, i, ch)
    if start < n:
        pieces.append((start, n))
    if not isinstance(data, bytes):
        return pieces
    out: list[tuple[int, int]] = []
    for a, b in pieces:
        ba = len(text[:a].encode("utf-8"))
        out.append((ba, ba + len(text[a:b].encode("utf-8"))))
    return out


def _skip_token(text: str, i: int, ch: str) -> int:
    """Offset just after the quoted string, comment or single character at ``i``."""
    n = len(text)
    if ch in "'\"":
        j = text.find(ch, i + 1)
        while j != -1 and j + 1 < n and text[j + 1] == ch:
            j = text.find(ch, j + 2)
        return n if j == -1 else j + 1
    if ch == "-" and text.startswith("--", i):
        j = text.find("\n", i)
        return n if j == -1 else j + 1
    if ch == "/" and text.startswith("/*", i):
        return _skip_block_comment(text, i)
    if ch == "$":
        m = _DOLLAR_TAG.match(text, i)
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            j = text.find(m.group(0), m.end())
            return n if j == -1 else j + len(m.group(0))
    return i + 1


def _skip_block_comment(text: str, i: int) -> int:
    depth = 0
    n = len(text)
    while i < n:
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n
