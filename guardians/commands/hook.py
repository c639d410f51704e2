"""``guardians hook claude-code``: a PreToolUse hook that guards Write, Edit and MultiEdit.

Claude Code sends the hook event as JSON on stdin. Exit 0 lets the tool run;
exit 2 blocks it and Claude Code shows stderr to the model, so every reason
goes there with its fix. Edits are applied in memory to the file's current
content first, so what is checked is exactly what the file would become.
Paths outside an epic's consensus folder are allowed without reading them.

An event that cannot be read blocks (fail closed): a guard that lets
through what it cannot understand guards nothing.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path
    from typing import IO, Any

# Claude Code's hook contract: 0 lets the tool call run, 2 blocks it and hands
# stderr to the model. They are EXIT_OK and EXIT_USAGE of guardians.errors (a
# test keeps them so), written out here because this module runs before every
# file write an agent makes and imports as little as it can.
ALLOW = 0
BLOCK = 2
GUARDED_TOOLS = ("Write", "Edit", "MultiEdit")
MAX_EVENT = 8 << 20


class _Unreadable(ValueError):
    pass


def claude_code_hook(stdin: IO[bytes], err: IO[str]) -> int:
    # Claude Code lets a tool call through on any exit code but 2: a fault in
    # the guard must block, never fail open.
    try:
        return _hook(stdin, err)
    except Exception as exc:
        if os.environ.get("GUARDIANS_DEBUG"):
            raise
        err.write(f"guardians: blocked: internal error: {type(exc).__name__}: {exc}\n")
        return BLOCK


def _hook(stdin: IO[bytes], err: IO[str]) -> int:
    try:
        event = _event(stdin.read(MAX_EVENT + 1))
        tool = event.get("tool_name")
        if tool not in GUARDED_TOOLS:
            return ALLOW
        path, tool_input = _path(event)
        from guardians.validate.scope import in_consensus

        if not in_consensus(path):
            return ALLOW  # the fast path: not under an epic's consensus/ folder
        from pathlib import Path

        from guardians.validate.draft import target_of

        if target_of(Path(path)).kind in ("outside", "other"):
            return ALLOW
        data = _new_content(tool, Path(path), tool_input)
    except _Unreadable as exc:
        err.write(f"guardians: blocked: cannot read the hook event: {exc}\n")
        return BLOCK
    from guardians.validate.draft import check_draft

    result = check_draft(Path(path), data, display=path)
    if result.ok:
        return ALLOW
    err.write(f"guardians: blocked {tool} of {path}:\n")
    for finding in result.findings:
        err.write(f"  {finding}\n")
    return BLOCK


def _event(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_EVENT:
        raise _Unreadable(f"event is larger than {MAX_EVENT} bytes")
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise _Unreadable(f"not JSON ({exc})") from None
    if not isinstance(event, dict):
        raise _Unreadable("the event is not a JSON object")
    return event


def _path(event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    tool_input = event.get("tool_input")
    if not isinstance(tool_input, dict) or not isinstance(tool_input.get("file_path"), str):
        raise _Unreadable("tool_input.file_path is missing")
    path: str = tool_input["file_path"]
    cwd = event.get("cwd")
    if not os.path.isabs(path) and isinstance(cwd, str):
        path = os.path.join(cwd, path)
    return path, tool_input


def _new_content(tool: str, path: Path, tool_input: dict[str, Any]) -> bytes | None:
    """What the file would contain after the tool ran (None: the edit cannot apply; let the tool say so)."""
    if tool == "Write":
        content = tool_input.get("content")
        if not isinstance(content, str):
            raise _Unreadable("tool_input.content is missing")
        return content.encode()
    edits = tool_input.get("edits") if tool == "MultiEdit" else [tool_input]
    if not isinstance(edits, list) or not all(isinstance(e, dict) for e in edits):
        raise _Unreadable("tool_input.edits is not a list of edits")
    text = _current(path)
    for edit in edits:
        old, new = edit.get("old_string"), edit.get("new_string")
        if not isinstance(old, str) or not isinstance(new, str):
            raise _Unreadable("an edit has no old_string/new_string")
        if old == "" and text == "":
            text = new  # Edit creating a file
        elif old not in text:
            return None
        else:
            text = text.replace(old, new) if edit.get("replace_all") else text.replace(old, new, 1)
    return text.encode()


def _current(path: Path) -> str:
    from guardians.errors import InputError
    from guardians.store.loaders import read_bounded

    try:
        return read_bounded(path).decode("utf-8", "replace")
    except InputError:
        return ""
