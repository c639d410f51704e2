"""Agent text made safe to show: no terminal or bidirectional control characters.

A plan.json string can carry NUL, ESC sequences (``\\x1b[31m`` recolours or
rewrites a terminal line when someone ``cat``s the runbook) or U+202E, which
reverses the text that follows it on screen (Trojan Source, CVE-2021-42574).
Every value a template prints passes through :func:`clean` (it is the Jinja
``finalize`` hook), so no template can forget it.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab and newline, DEL and the C1 block; the bidi
# embeddings, overrides and isolates, and the invisible direction marks;
# line and paragraph separators, which some viewers treat as line breaks.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def clean(text: str) -> str:
    """``text`` with control and bidi characters replaced by U+FFFD (visible, inert)."""
    return _CONTROLS.sub("\ufffd", text)


def finalize(value: Any) -> Any:
    """Jinja ``finalize``: clean every printed string, keeping Markup (already escaped HTML) as Markup."""
    if isinstance(value, str):
        cleaned = clean(value)
        if cleaned is value or cleaned == value:
            return value
        try:
            from markupsafe import Markup
        except ImportError:  # pragma: no cover - markupsafe ships with jinja2
            return cleaned
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value
