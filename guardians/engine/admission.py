"""Would a guardian accept this message now, and if not, every reason why.

This is the one admission check. ``guardians send`` refuses what it refuses,
``guardians validate`` reports it for messages waiting in an inbox, and the
pipeline decides with it before a gate ever sees the message, so the three
can never disagree about the same bytes.

The verdict says what the pipeline does with a message that fails:

- ``reject``: nobody to answer (unparseable, no usable sender) or nobody who
  should be answered (a veto sent to a guardian, a forged or stale handoff);
  the message goes to ``rejected/`` and no reply is written, so two parties
  can never bounce messages back and forth.
- ``veto``: a fixable mistake by a known upstream agent; the veto goes back
  to it, listing every finding.
- ``accept``: the gate judges the message.

Admission reads the message, the decision log and the artifacts the
recipient needs. It writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guardians.engine.context import ArtifactReader, input_finding
from guardians.errors import InputError
from guardians.protocol.order import ACCEPTS, APPROVERS, GUARDIANS, PREVIOUS, REQUIRED_ARTIFACTS
from guardians.rules.base import Finding
from guardians.store.decision_log import DecisionLog
from guardians.store.layout import AGENT_RE, Epic
from guardians.store.loaders import load_document, sha256_bytes

ACCEPT, VETO, REJECT = "accept", "veto", "reject"
MAX_FINDINGS = 50
_ARTIFACT_SUMMARY = {"process": "health report missing or invalid"}


@dataclass
class Admission:
    """The answer for one message. ``findings`` is every reason, in check order."""

    verdict: str
    findings: list[Finding] = field(default_factory=list)
    message: dict[str, Any] | None = None
    subject: str = "invalid_message"
    summary: str = ""
    parsed: bool = True

    @property
    def accepted(self) -> bool:
        return self.verdict == ACCEPT

    @property
    def sender(self) -> str | None:
        """The sender when it is a usable agent name (a veto can go there)."""
        sender = self.message.get("from") if self.message else None
        return sender if isinstance(sender, str) and AGENT_RE.fullmatch(sender) else None

    @property
    def iteration(self) -> int:
        """The message's iteration when usable, else 1 (keeps the log's iterations monotonic)."""
        value = self.message.get("iteration") if self.message else None
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000
        return value if ok else 1  # type: ignore[return-value]


def admit(
    epic: Epic,
    inbox: str,
    rel: str,
    data: bytes,
    log: DecisionLog | None,
    reader: ArtifactReader | None = None,
) -> Admission:
    """Admission of the bytes ``data`` (shown as ``rel``) into ``inbox`` of ``epic``.

    ``log`` is the epic's decision log (None when there is none yet).
    ``reader`` is shared with the gate afterwards, so artifacts are read once.
    """
    try:
        message = load_document(data, rel)
    except InputError as exc:
        finding = input_finding(
            exc,
            "GRD001",
            "invalid_message",
            "write the message as one valid JSON or YAML document; see `guardians schema show message`",
        )
        return Admission(REJECT, [finding], None, summary="unreadable message moved to rejected/", parsed=False)
    from guardians.protocol.validator import validate_data
    from guardians.rules.common import InvalidMessage

    problems = [(p.json_path, f"{p.message} (schema keyword '{p.keyword}')") for p in validate_data("message", message)]
    if problems:
        findings = list(InvalidMessage.check(problems[:MAX_FINDINGS], rel))
        result = Admission(VETO, findings, message if isinstance(message, dict) else None)
        if result.sender is None:
            result.verdict, result.summary = REJECT, "unreadable message moved to rejected/"
        else:
            result.summary = "message rejected as invalid"
        return result
    return _admit_valid(epic, inbox, rel, message, data, log, reader or ArtifactReader(epic))


def _admit_valid(
    epic: Epic,
    inbox: str,
    rel: str,
    message: dict[str, Any],
    data: bytes,
    log: DecisionLog | None,
    reader: ArtifactReader,
) -> Admission:
    if inbox not in GUARDIANS:
        # Messages between upstream agents are their business: envelope and routing only.
        from guardians.rules.common import MisroutedMessage

        misrouted = [_at(f, rel) for f in MisroutedMessage.check(message, inbox, epic.epic_id)]
        return Admission(VETO if misrouted else ACCEPT, misrouted, message, summary="message rejected as invalid")
    rejects, vetoes = _routing(epic, inbox, rel, message)
    if not rejects and not vetoes and message["type"] == "handoff":
        rejects += _order(epic, inbox, rel, message, data, log)
    if rejects or vetoes:
        if rejects:
            return Admission(REJECT, rejects + vetoes, message, summary=rejects[0].message)
        return Admission(VETO, vetoes, message, summary="message rejected as invalid")
    if message["type"] == "handoff":
        artifacts = _required_artifacts(inbox, reader)
        if artifacts:
            summary = _ARTIFACT_SUMMARY.get(inbox, "artifacts do not match their schemas")
            return Admission(VETO, artifacts, message, subject="invalid_artifact", summary=summary)
    return Admission(ACCEPT, [], message)


def _routing(epic: Epic, inbox: str, rel: str, message: dict[str, Any]) -> tuple[list[Finding], list[Finding]]:
    """(reject findings, veto findings) about where the message is and who sent it."""
    from guardians.rules.common import InvalidMessage, MisroutedMessage, SenderNotAllowed, TypeNotAccepted

    kind = message["type"]
    content = message.get("content")
    origin = content.get("origin") if isinstance(content, dict) else None
    rejects = [_at(f, rel) for f in TypeNotAccepted.check(kind, inbox, ACCEPTS.get(inbox, ("handoff",)))]
    vetoes = [_at(f, rel) for f in MisroutedMessage.check(message, inbox, epic.epic_id)]
    for f in SenderNotAllowed.check(
        kind, message["from"], origin, GUARDIANS, APPROVERS, starts_run=inbox == GUARDIANS[0]
    ):
        # A guardian named as sender or origin gets no reply: that is how loops start.
        (rejects if f.json_path != "$.from" or kind == "handoff" else vetoes).append(_at(f, rel))
    if kind == "approval" and not rejects:
        from guardians.protocol.validator import validate_data

        if not isinstance(content, dict):
            problems = [("$.content", "approval content must be an object")]
        else:
            problems = [
                ("$.content" + p.json_path[1:], f"approval content is invalid: {p.message}")
                for p in validate_data("approval", content)
            ]
        vetoes += InvalidMessage.check(problems[:MAX_FINDINGS], rel, "approval")
    if message["from"] in GUARDIANS and kind != "handoff":
        rejects += [f for f in vetoes if f not in rejects]
        vetoes = []
    return rejects, vetoes


def _order(
    epic: Epic, inbox: str, rel: str, message: dict[str, Any], data: bytes, log: DecisionLog | None
) -> list[Finding]:
    """Provenance and iteration of a handoff: the pipeline's order is enforced, not assumed."""
    from guardians.rules.common import HandoffProvenance, StaleIteration

    previous = PREVIOUS.get(inbox)
    produced = log.produced_by(sha256_bytes(data)) if log is not None else None
    findings = list(HandoffProvenance.check(inbox, previous, produced))
    if previous is None and log is not None:
        last = log.last_entry("migration")
        findings += StaleIteration.check(int(message["iteration"]), int(last["iteration"]) if last else None)
    return [_at(f, rel) for f in findings]


def _required_artifacts(inbox: str, reader: ArtifactReader) -> list[Finding]:
    findings: list[Finding] = []
    for filename, schema in REQUIRED_ARTIFACTS.get(inbox, ()):
        findings += reader.check(filename, schema)  # the schema is enough here: no model, no pydantic
    return findings


def _at(finding: Finding, rel: str) -> Finding:
    return finding if finding.file else Finding(**{**finding.__dict__, "file": rel})
