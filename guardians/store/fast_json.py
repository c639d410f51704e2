"""A one-pass JSON loader for the common case, with the hardened loader's rules.

``guardians validate`` parses every artifact of every epic; walking each tree
a second time (as :func:`guardians.store.loaders.load_json_text` does for
depth, NaN and number range) would double the cost. Here the same rules are
enforced in parser hooks. Anything unusual (deep nesting, NUL bytes, invalid
UTF-8, escapes that may be lone surrogates, any rejection) returns
:data:`SLOW`, and the caller falls back to the full loader, which also words
the error. A test checks both accept exactly the same documents.
"""

from __future__ import annotations

import json
import re
from typing import Any

SLOW = object()  # "use the full loader"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_MAX_INT = 2**63
_DEPTH_SAFE = 64  # fewer brackets than the depth limit: the nesting check cannot fail


class _Reject(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Reject("duplicate key")
    return out


def _int(text: str) -> int:
    value = int(text)
    if len(text) > 18 and abs(value) > _MAX_INT:
        raise _Reject("integer out of range")
    return value


def _float(text: str) -> float:
    value = float(text)
    if value - value != 0:  # inf
        raise _Reject("float out of range")
    return value


def _constant(text: str) -> Any:
    raise _Reject(text)


def load_json_fast(data: bytes) -> Any:
    """The document, or :data:`SLOW` when the full loader must decide."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return SLOW
    if "\x00" in text or text.count("{") + text.count("[") > _DEPTH_SAFE:
        return SLOW
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        return SLOW  # may decode to a lone surrogate, which the loader refuses
    try:
        return _DECODER.decode(text.removeprefix("\ufeff"))
    except (ValueError, RecursionError):
        return SLOW


# One decoder for every call: ``json.loads`` with hooks builds a new one each time.
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_int, parse_float=_float, parse_constant=_constant)
