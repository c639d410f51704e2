"""The one way a location inside a document is written: ``$.a.b[0]['odd key']``.

Schema problems, artifact findings and ``validate`` all name places with this
formatter, and :func:`guardians.store.sourcemap.parse_json_path` reads the
same form back to find the line and column.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def json_path(parts: Iterable[Any]) -> str:
    """Keys that are identifiers as ``.key``, indexes as ``[0]``, other keys quoted."""
    out = "$"
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += f".{part}"
        else:
            out += "[" + repr(str(part)) + "]"
    return out
