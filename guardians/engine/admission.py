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

Between guardians, admission also enforces what makes the log the proof:
a handoff is bound to the approve entry whose outputs hold its sha256 and is
accepted once, from the previous guardian's latest decision in the current
iteration (GRD003, GRD007); every file an earlier guardian of the iteration
judged or wrote must still have the bytes it logged (GRD013). Under a trust
anchor an approval must carry a tech lead's signature (GRD008).
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
from guardians.store.loaders import load_document, read_bounded, sha256_bytes
from guardians.trust.anchor import UNKEYED, Trust

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
    # hash of the log entry that emitted the handoff (consumed when decided).
    bound: str | None = None
    # who signed an approval, as the trust anchor names them.
    signed_by: str | None = None

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
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000:
            return value
        return 1


def admit(
    epic: Epic,
    inbox: str,
    rel: str,
    data: bytes,
    log: DecisionLog | None,
    reader: ArtifactReader | None = None,
    trust: Trust | None = None,
) -> Admission:
    """Admission of the bytes ``data`` (shown as ``rel``) into ``inbox`` of ``epic``.

    ``log`` is the epic's decision log (None when there is none yet).
    ``reader`` is shared with the gate afterwards, so artifacts are read once.
    ``trust`` defaults to the log's.
    """
    trust = trust or (log.trust if log is not None else UNKEYED)
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
    return _admit_valid(epic, inbox, rel, message, data, log, reader or ArtifactReader(epic), trust)


def _admit_valid(
    epic: Epic,
    inbox: str,
    rel: str,
    message: dict[str, Any],
    data: bytes,
    log: DecisionLog | None,
    reader: ArtifactReader,
    trust: Trust,
) -> Admission:
    if inbox not in GUARDIANS:
        # Messages between upstream agents are their business: envelope and routing only.
        from guardians.rules.common import MisroutedMessage

        misrouted = [_at(f, rel) for f in MisroutedMessage.check(message, inbox, epic.epic_id)]
        return Admission(VETO if misrouted else ACCEPT, misrouted, message, summary="message rejected as invalid")
    rejects, vetoes = _routing(epic, inbox, rel, message)
    bound: dict[str, Any] | None = None
    signed_by = None
    if not rejects and not vetoes and message["type"] == "handoff":
        found, bound = _order(epic, inbox, rel, message, data, log)
        rejects += found
    if not rejects and not vetoes and message["type"] == "approval" and trust.anchor is not None:
        signed_by, found = _approval_signature(epic, rel, message, trust)
        rejects += found
    if rejects or vetoes:
        if rejects:
            return Admission(REJECT, rejects + vetoes, message, summary=rejects[0].message)
        return Admission(VETO, vetoes, message, summary="message rejected as invalid")
    emitted = str(bound["hash"]) if bound else None
    if bound is not None and log is not None:
        reader.pins = _pins(log, inbox, int(bound.get("iteration", 0)))
        changed = _changed_since_judged(epic, reader.pins)
        if changed:
            summary = "a file changed after an earlier guardian of this iteration judged it"
            return Admission(VETO, changed, message, subject="input_changed", summary=summary, bound=emitted)
    if message["type"] == "handoff":
        artifacts = _required_artifacts(inbox, reader)
        if artifacts:
            summary = _ARTIFACT_SUMMARY.get(inbox, "artifacts do not match their schemas")
            subject = "input_changed" if any(f.code == "GRD013" for f in artifacts) else "invalid_artifact"
            return Admission(VETO, artifacts, message, subject=subject, summary=summary, bound=emitted)
    return Admission(ACCEPT, [], message, bound=emitted, signed_by=signed_by)


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
        rejects += vetoes
        vetoes = []
    return rejects, vetoes


def _order(
    epic: Epic, inbox: str, rel: str, message: dict[str, Any], data: bytes, log: DecisionLog | None
) -> tuple[list[Finding], dict[str, Any] | None]:
    """Provenance, single use and iteration of a handoff; (findings, the emitting entry).

    The pipeline's order is enforced, not assumed: between guardians the
    log entry whose outputs hold the handoff's sha256 is the proof, and it
    counts once.
    """
    from guardians.rules.common import HandoffProvenance, HandoffReplayed, StaleIteration

    previous = PREVIOUS.get(inbox)
    emitter = log.emitter(sha256_bytes(data)) if log is not None and previous is not None else None
    produced = str(emitter.get("agent")) if emitter else None
    findings = list(HandoffProvenance.check(inbox, previous, produced))
    if previous is None and log is not None:
        last = log.last_entry("migration")
        findings += StaleIteration.check(int(message["iteration"]), int(last["iteration"]) if last else None)
    if emitter is not None and previous is not None and not findings and log is not None:
        latest = log.last_entry(previous)
        current = log.last_entry(GUARDIANS[0])
        findings += HandoffReplayed.check(
            previous,
            int(emitter.get("iteration", 0)),
            message.get("iteration"),
            int(current["iteration"]) if current else None,
            latest is not None and latest.get("hash") == emitter.get("hash"),
            log.consumed(str(emitter.get("hash"))),
        )
    return [_at(f, rel) for f in findings], (emitter if not findings else None)


def _approval_signature(
    epic: Epic, rel: str, message: dict[str, Any], trust: Trust
) -> tuple[str | None, list[Finding]]:
    """(who signed, findings) for an approval under a trust anchor."""
    from guardians.rules.common import ApprovalNotSigned
    from guardians.trust.approvals import verify_approval

    assert trust.anchor is not None
    who, problem = verify_approval(trust.anchor, epic.epic_id, message.get("content"))
    return who, [_at(f, rel) for f in ApprovalNotSigned.check(problem)]


def _pins(log: DecisionLog, inbox: str, iteration: int) -> dict[str, str]:
    """sha256 by path of every file the guardians before ``inbox`` judged or wrote in this iteration."""
    pins: dict[str, str] = {}
    for guardian in GUARDIANS[: GUARDIANS.index(inbox)]:
        entry = log.last_entry(guardian)
        if not entry or entry.get("decision") != "approve" or entry.get("iteration") != iteration:
            continue
        for key in ("inputs", "outputs"):
            files = entry.get(key)
            if isinstance(files, dict):
                # Messages move on when decided; their hashes bind handoffs, not inputs.
                pins.update({str(p): str(h) for p, h in files.items() if "/messages/" not in str(p)})
    return pins


def _changed_since_judged(epic: Epic, pins: dict[str, str]) -> list[Finding]:
    from guardians.errors import InputError
    from guardians.rules.common import InputChanged

    changes: dict[str, str] = {}
    for path, digest in pins.items():
        try:
            actual = sha256_bytes(read_bounded(epic.root / path, display=path))
        except InputError:
            changes[path] = "deleted or made unreadable"
            continue
        if actual != digest:
            changes[path] = "changed"
    return list(InputChanged.check(changes))


def _required_artifacts(inbox: str, reader: ArtifactReader) -> list[Finding]:
    findings: list[Finding] = []
    for filename, schema in REQUIRED_ARTIFACTS.get(inbox, ()):
        findings += reader.check(filename, schema)  # the schema is enough here: no model, no pydantic
    return findings


def _at(finding: Finding, rel: str) -> Finding:
    return finding if finding.file else Finding(**{**finding.__dict__, "file": rel})
