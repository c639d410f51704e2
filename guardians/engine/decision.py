"""The Decision: everything a guardian concluded about one message, computed
before anything is written. The pipeline renders, writes and logs it in one
place (collect, then report).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guardians.rules.base import Finding, Severity


@dataclass(frozen=True)
class OutFile:
    """A file to write, relative to the repository root."""

    path: str
    data: bytes


@dataclass
class Decision:
    agent: str
    decision: str  # approve | veto | waiting | escalate | reject | operational
    epic_id: str
    iteration: int
    summary: str
    findings: list[Finding] = field(default_factory=list)
    subject: str | None = None
    files: list[OutFile] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    previous_artifacts: list[str] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)
    # Extra log entries that follow this one (e.g. "operational" after approve).
    followups: list[dict[str, Any]] = field(default_factory=list)
    # Messages parked or resumed by this decision: (from, to) relative paths.
    moves: list[tuple[str, str]] = field(default_factory=list)
    # Park the message in waiting/ instead of processed/ (awaiting a human).
    park: bool = False
    # hash of the log entry whose handoff this decision uses up (single use).
    consumes: str | None = None

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    def line(self) -> str:
        """One human line for ``guardians run`` output."""
        codes = sorted({f.code for f in self.findings if f.blocking or f.severity >= Severity.ERROR})
        extra = f" [{', '.join(codes)}]" if codes else ""
        subject = f" {self.subject}:" if self.subject else ""
        head = f"{self.epic_id} it{self.iteration} {self.agent:<9} {self.decision.upper():<11}"
        return f"{head}{subject} {self.summary}{extra}"
