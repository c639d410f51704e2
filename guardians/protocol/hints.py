""" "Did you mean": near-miss keys and enum values, and the shape drift real agents write.

Agents that follow the original prompts drift in known ways: the envelope
nested under ``header:``, ``rollback_strategy`` for ``rollback_plan``,
``type: approve`` for ``approval``. Each hint names what was found and what
the schema wants, so the fix is one edit.
"""

from __future__ import annotations

import difflib
from typing import Any

# Keys agents write instead of the protocol's (found -> wanted).
KEY_DRIFT: dict[str, str] = {
    "rollback_strategy": "rollback_plan",
    "rollback": "rollback_plan",
    "sender": "from",
    "from_agent": "from",
    "recipient": "to",
    "to_agent": "to",
    "message_type": "type",
    "msg_type": "type",
    "epic": "epic_id",
    "body": "content",
    "payload": "content",
    "status": "review_status",
    "workstreams": "work_streams",
    "tasks_done": "tasks_completed",
}
# Values agents write instead of an enum's (found -> wanted), whatever the field.
VALUE_DRIFT: dict[str, str] = {
    "approve": "approval",
    "approved": "approval",
    "request_approval": "approval",
    "escalate": "escalation",
    "vetoed": "veto",
    "reject": "veto",
    "hand_off": "handoff",
    "handover": "handoff",
    "approval": "approve",
    "complete": "approve",
    "approve_with_conditions": "approved",
}
# Objects that agents wrap the envelope in.
WRAPPERS = ("header", "metadata", "envelope", "meta")


def near(word: str, choices: list[str]) -> str | None:
    """The closest choice to ``word`` when it is a plausible misspelling."""
    if not choices:
        return None
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    if found:
        return found[0]
    lowered = {c.lower(): c for c in choices}
    return lowered.get(word.lower().replace("-", "_"))


def missing_key_hint(key: str, instance: dict[str, Any]) -> str:
    """Why ``key`` is missing, when the document says: nested under header:, or written under another name."""
    for wrapper in WRAPPERS:
        nested = instance.get(wrapper)
        if isinstance(nested, dict) and key in nested:
            return f"; it is nested under '{wrapper}' ({wrapper}.{key}): move it to the top level"
    for found, wanted in KEY_DRIFT.items():
        if wanted == key and found in instance:
            return f"; found '{found}': rename it to '{key}'"
    close = near(key, [k for k in instance if isinstance(k, str)])
    return f"; found '{close}': did you mean '{key}'?" if close and close != key else ""


def unknown_key_hint(key: str, allowed: list[str], instance: dict[str, Any]) -> str:
    if key in WRAPPERS and isinstance(instance.get(key), dict):
        inner = [k for k in instance[key] if k in allowed]
        if inner:
            return f"; move {', '.join(f'{key}.{k}' for k in inner[:6])} to the top level"
    wanted = KEY_DRIFT.get(key)
    if wanted and wanted in allowed:
        return f"; did you mean '{wanted}'? (known drift: '{key}' -> '{wanted}')"
    close = near(key, allowed)
    return f"; did you mean '{close}'?" if close else ""


def enum_hint(value: Any, allowed: list[Any]) -> str:
    if not isinstance(value, str):
        return ""
    names = [a for a in allowed if isinstance(a, str)]
    wanted = VALUE_DRIFT.get(value.lower())
    if wanted in names:
        return f"; did you mean {wanted!r}? (known drift: {value!r} -> {wanted!r})"
    close = near(value, names)
    return f"; did you mean {close!r}?" if close else ""
