"""Who may write what under an epic's consensus folder (GRD030).

Raised by the write guard (``guardians check-write``, ``guardians hook
claude-code``, the MCP ``check`` and ``write_artifact`` tools) before a byte
is written, not by a guardian: the guardians only ever see what got through.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

from guardians.rules.base import Finding, Severity

# Files directly under consensus/ that only the guardians touch.
GUARDIAN_FILES: tuple[str, ...] = (
    "decision_log.jsonl",
    "decision_log.jsonl.lock",
    ".guardians.lock",
    ".guardians.journal.json",
)
# Guardian outputs in artifacts/, each recorded with its sha256 in the decision log.
GUARDIAN_ARTIFACTS: tuple[str, ...] = (
    "migration_review.json",
    "deployment.json",
    "cicd.yaml",
    "cicd.yml",
    "runbook.md",
    "backup_plan.json",
    "process_report.json",
)
# Inbox sub-folders the guardians file decided messages into, and their temp folder.
GUARDIAN_INBOX_FOLDERS: tuple[str, ...] = ("processed", "rejected", "waiting", ".tmp")
# Inboxes only the previous guardian hands off into (provenance, GRD003).
GUARDIAN_ONLY_INBOXES: tuple[str, ...] = ("deploy", "backup", "process")
GUARDIAN_MESSAGE_PREFIXES: tuple[str, ...] = ("veto_", "escalation_")


def owner_reason(parts: Sequence[str]) -> str | None:
    """Why the guardians own ``consensus/<parts...>``; None when an agent may write it."""
    if not parts:
        return None
    if len(parts) == 1 and parts[0] in GUARDIAN_FILES:
        return f"{parts[0]} is written by the guardians only"
    if parts[0] == "quarantine":
        return "quarantine/ keeps the bytes cut from a damaged log as evidence"
    if parts[0] == "legacy":
        return "legacy/ keeps what the guardians found before they took over (`guardians adopt`), as evidence"
    if parts[0] == "artifacts" and len(parts) == 2 and parts[1] in GUARDIAN_ARTIFACTS:
        return f"{parts[1]} is a guardian output, recorded with its sha256 in the decision log"
    if tuple(parts[:2]) == ("messages", "inbox") and len(parts) >= 4:
        agent, rest = parts[2], parts[3:]
        if len(rest) > 1 or rest[0] in GUARDIAN_INBOX_FOLDERS:
            return f"inbox/{agent}/{rest[0]}/ is where the guardians file messages they decided"
        if agent in GUARDIAN_ONLY_INBOXES:
            return f"only the guardian before {agent} hands off into inbox/{agent}/"
        if rest[0].startswith(GUARDIAN_MESSAGE_PREFIXES):
            return f"{rest[0].split('_')[0]} messages are written by the guardians only"
    return None


class GuardianOwnedFile:
    """What: an agent is about to write a file that belongs to the guardians: the decision
    log, its lock, the lease, the journal, quarantine/, a guardian output (migration_review.json,
    deployment.json, cicd.yaml, runbook.md, backup_plan.json, process_report.json), an inbox's
    processed/, rejected/, waiting/ or .tmp/ folder, a veto or escalation, or a handoff into the
    deploy, backup or process inbox.

    Why: these files are the guardians' record and their outputs; `guardians validate` would
    later report the change (VAL111, VAL113), but by then a forged approval or a rewritten log
    may have been acted on. Refusing the write is cheaper than detecting it.

    Fix: change your own artifacts (plan.json, implementation.json, review.json,
    health_report.json, checkpoints) and send a new handoff to migration with
    `guardians send EPIC --to migration FILE`.
    """

    code: ClassVar[str] = "GRD030"
    name: ClassVar[str] = "write.guardian-owned"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "write your own artifacts and deliver messages with `guardians send`"

    @staticmethod
    def check(parts: Sequence[str], file: str = "") -> Iterator[Finding]:
        """``parts``: the path below ``consensus/``, one name per element."""
        reason = owner_reason(parts)
        if reason is not None:
            messages = tuple(parts[:2]) == ("messages", "inbox")
            yield Finding(
                "GRD030",
                reason,
                file=file or "/".join(parts),
                json_path="$",
                subject="guardian_owned",
                suggestion="deliver messages with `guardians send EPIC --to migration FILE`"
                if messages
                else "leave guardian files alone; change your own artifacts and send a new handoff",
            )


RULES: tuple[type[GuardianOwnedFile], ...] = (GuardianOwnedFile,)
