"""``guardians record EPIC --agent A --decision D``: an agent's own line in the shared log.

Agents have always written their decisions into ``decision_log.jsonl``. This
appends such a line safely: checked against the protocol's shape, under the
log's append lock, verified log first, one write. The line carries no
authority: the guardians never count it as a decision (see docs/protocol.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, Any

from guardians.errors import GuardianError, UsageError
from guardians.protocol.order import GUARDIANS
from guardians.store.layout import Epic, check_agent, stamp

DECISION_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_TEXT = 500
MAX_DETAILS = 64 * 1024


def agent_line(
    epic_id: str,
    agent: str,
    decision: str,
    iteration: int,
    source_document: str,
    previous_artifacts: list[str],
    details: Any,
    timestamp: str,
) -> dict[str, Any]:
    """The protocol's line, or UsageError naming the field that is wrong."""
    check_agent(agent)
    if agent in GUARDIANS:
        raise UsageError(f"--agent {agent!r}: only the {agent} guardian writes its decisions (signed, chained)")
    if not DECISION_RE.fullmatch(decision):
        raise UsageError(f"--decision {decision!r}: expected a lower-case word such as complete, approve, veto")
    if not 1 <= iteration <= 1000:
        raise UsageError(f"--iteration {iteration}: expected 1 to 1000")
    for text in [source_document, *previous_artifacts]:
        if len(text) > MAX_TEXT or any(ord(c) < 32 for c in text):
            raise UsageError(f"path {text[:60]!r}: at most {MAX_TEXT} printable characters")
    if not isinstance(details, dict):
        raise UsageError("--details must be a JSON object")
    return {
        "timestamp": timestamp,
        "agent": agent,
        "decision": decision,
        "epic_id": epic_id,
        "iteration": iteration,
        "source_document": source_document,
        "previous_artifacts": previous_artifacts,
        "details": details,
    }


def record(
    root: Path,
    epic_id: str,
    *,
    agent: str,
    decision: str,
    iteration: int,
    source_document: str,
    previous_artifacts: list[str],
    details: str | None,
    out: IO[str],
) -> int:
    """Exit 0 when the line was appended; 2 on usage errors or a log that does not verify."""
    from guardians.store.decision_log import DecisionLog
    from guardians.trust.anchor import active

    try:
        epic = Epic.at(root, epic_id)
        if not epic.consensus.is_dir():
            raise UsageError(f"{epic_id}: no consensus folder; run `guardians init {epic_id}`")
        parsed = _details(details)
        line = agent_line(epic_id, agent, decision, iteration, source_document, previous_artifacts, parsed, stamp())
        DecisionLog.open(epic.log_path, epic_id, active()).append_agent_line(line)
    except (GuardianError, ValueError) as exc:
        out.write(f"error: {exc}\n")
        return exc.exit_code if isinstance(exc, GuardianError) else 2
    out.write(f"recorded {agent} {decision} in {epic.rel(epic.log_path)}\n")
    return 0


def _details(text: str | None) -> Any:
    if text is None:
        return {}
    if len(text) > MAX_DETAILS:
        raise UsageError(f"--details is longer than {MAX_DETAILS} bytes")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--details is not valid JSON: {exc}") from None
