"""Inbox messages: handoff, veto, approval and escalation."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from guardians.protocol.models.common import (
    AgentName,
    EpicId,
    Iteration,
    LooseTime,
    Open,
    Sha256,
    ShortText,
    Stamp,
    Strict,
)

MessageType = Literal["handoff", "veto", "approval", "escalation"]


class Message(Open):
    """Any message dropped into messages/inbox/<agent>/ (YAML or JSON)."""

    from_: AgentName = Field(alias="from", description="Sender agent.")
    to: AgentName = Field(description="Recipient agent; must match the inbox the file is in.")
    timestamp: LooseTime
    epic_id: EpicId
    iteration: Iteration
    type: MessageType = Field(description="handoff | veto | approval | escalation.")
    subject: ShortText = Field(min_length=1, description="Short subject, e.g. ready_for_deploy.")
    content: dict[str, Any] | ShortText = Field(description="Free-form body (object or text).")
    message_id: str | None = Field(default=None, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")


class ApprovalContent(Open):
    """content of a tech-lead approval for a high-risk migration."""

    review_digest: Sha256 = Field(description="review_digest from the migration_review.json being approved.")
    reason: ShortText = Field(min_length=1, description="Why the risk is accepted.")
    suppress: dict[str, ShortText] = Field(
        default_factory=dict, description="Rule codes to suppress for this epic, each with a required reason."
    )


class VetoContent(Strict):
    violation: ShortText = Field(description="What is wrong, in one sentence.")
    location: ShortText = Field(description="File and JSON path or line where it is wrong.")
    impact: ShortText = Field(description="What happens in production if this ships.")
    requirement: ShortText = Field(description="The rule that applies (code and name).")
    suggestion: ShortText = Field(description="How to fix it.")
    blocking: bool = Field(description="True when the pipeline cannot proceed until fixed.")


class FindingRecord(Strict):
    code: str = Field(pattern=r"^[A-Z]{3}[0-9]{3}$", description="Rule code, see `guardians explain CODE`.")
    message: ShortText
    severity: Literal["info", "warning", "error", "critical"]
    blocking: bool
    file: str | None = None
    line: int | None = None
    column: int | None = None
    json_path: str | None = None
    statement: str | None = None
    suggestion: str | None = None
    subject: str | None = None
    risk: int | None = None
    extra: dict[str, Any] | None = None


class VetoMessage(Strict):
    """veto_YYYY_MM_DD_HH_MM_SS.yaml, written into the sender's inbox."""

    from_: AgentName = Field(alias="from", description="Guardian that vetoes.")
    to: AgentName = Field(description="Agent that must fix the problem.")
    timestamp: Stamp
    epic_id: EpicId
    iteration: Iteration
    type: Literal["veto"] = "veto"
    subject: str = Field(
        description="not_production_ready | no_rollback_plan | missing_monitoring | missing_health_checks | "
        "security_issue | invalid_artifact | destructive_migration | unhealthy | ...",
        pattern=r"^[a-z][a-z0-9_]*$",
    )
    content: VetoContent
    action_needed: ShortText = Field(description="What the recipient must do before resending.")
    findings: list[FindingRecord] = Field(
        default_factory=list, description="The findings behind the veto (at most 50, blocking ones first)."
    )
    findings_total: int | None = Field(default=None, ge=0, description="How many findings there are, when capped.")
    findings_file: str | None = Field(
        default=None, max_length=500, description="Artifact with every finding, when the list above is capped."
    )
    in_reply_to: Sha256 = Field(description="sha256 of the message that was vetoed.")


class EscalationMessage(Strict):
    """Written to inbox/tech-lead/ when the iteration cap is reached."""

    from_: AgentName = Field(alias="from")
    to: Literal["tech-lead"] = "tech-lead"
    timestamp: Stamp
    epic_id: EpicId
    iteration: Iteration
    type: Literal["escalation"] = "escalation"
    subject: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    content: dict[str, Any]
    action_needed: ShortText
    in_reply_to: Sha256


class HandoffMessage(Strict):
    """A guardian's handoff to the next guardian."""

    from_: AgentName = Field(alias="from")
    to: AgentName
    timestamp: Stamp
    epic_id: EpicId
    iteration: Iteration
    type: Literal["handoff"] = "handoff"
    subject: str
    content: dict[str, Any]
    in_reply_to: Sha256
