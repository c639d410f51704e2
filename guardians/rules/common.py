"""Rules every guardian applies to what arrives in its inbox (GRD codes).

These are raised by the pipeline and the artifact reader rather than by a
``check`` over a model, because they are about whether there is a usable
model at all; their ``check`` functions exist so they can be tested and
explained like every other rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from guardians.rules.base import Finding, RuleUnit, Severity


class InvalidMessage(RuleUnit):
    """What: an inbox message is not valid JSON/YAML or does not match the message schema
    (or, for an approval, the approval schema of its `content`).

    Why: a guardian must never guess what a malformed message meant; acting on a
    half-understood handoff is how pipelines fail open.

    Fix: write the message as one JSON or YAML document with from, to, timestamp,
    epic_id, iteration, type, subject and content (`guardians schema show message`),
    and deliver it with `guardians send`, which validates before delivering.
    """

    code: ClassVar[str] = "GRD001"
    name: ClassVar[str] = "message.invalid"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "deliver messages with `guardians send`, which validates them first"

    @classmethod
    def check(cls, problems: list[tuple[str, str]], file: str, schema: str = "message") -> Iterator[Finding]:
        """``problems`` are (JSON path, message) pairs from the one schema validator."""
        for json_path, message in problems:
            yield cls.finding(
                message,
                file=file,
                json_path=json_path,
                subject="invalid_message",
                suggestion=f"see `guardians schema show {schema}`",
            )


class MisroutedMessage(RuleUnit):
    """What: a message sits in an inbox other than its `to`, or in another epic's folder.

    Why: routing errors silently skip gates; a message meant for deploy must not be
    decided by migration.

    Fix: deliver to `docs/specs/<epic_id>/consensus/messages/inbox/<to>/`, for example with
    `guardians send EPIC --to AGENT FILE`.
    """

    code: ClassVar[str] = "GRD002"
    name: ClassVar[str] = "message.misrouted"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "use `guardians send`, which derives the inbox from the message"

    @classmethod
    def check(cls, message: dict[str, Any], inbox: str, epic_id: str) -> Iterator[Finding]:
        to, claimed = message.get("to"), message.get("epic_id")
        if to != inbox:
            yield cls.finding(
                f"message is addressed to {to!r} but sits in the {inbox!r} inbox",
                json_path="$.to",
                subject="invalid_message",
                suggestion=f"send it with `guardians send {epic_id} --to {to} FILE`",
            )
        if claimed != epic_id:
            yield cls.finding(
                f"message is for {claimed} but sits in {epic_id}",
                json_path="$.epic_id",
                subject="invalid_message",
                suggestion="deliver it to the inbox of the epic it names",
            )


class TypeNotAccepted(RuleUnit):
    """What: a guardian inbox holds a message type it does not take: a veto, an
    escalation, or an approval anywhere but the migration inbox.

    Why: vetoes and escalations go from guardians to the agents that must act. If a
    guardian answered a veto with a veto, two guardians would argue forever, so such a
    message is rejected without a reply.

    Fix: send handoffs to `inbox/migration/` and tech-lead approvals to
    `inbox/migration/`; read vetoes in your own inbox instead of forwarding them.
    """

    code: ClassVar[str] = "GRD005"
    name: ClassVar[str] = "message.type-not-accepted"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "only handoffs (and, for migration, approvals) go to guardian inboxes"

    @classmethod
    def check(cls, message_type: Any, inbox: str, accepted: tuple[str, ...]) -> Iterator[Finding]:
        if message_type not in accepted:
            yield cls.finding(
                f"the {inbox} inbox accepts {' and '.join(accepted)} messages, not {message_type!r}",
                json_path="$.type",
                subject="invalid_message",
                suggestion="vetoes and escalations go to the agent that must act; approvals go to migration",
            )


class SenderNotAllowed(RuleUnit):
    """What: a message claims a sender the protocol does not allow for it: an approval
    not from a tech lead, or a handoff into the migration inbox that names a guardian
    as its sender or origin.

    Why: `from` is self-declared. Guardians never start a pipeline run, and vetoes go to
    the origin, so a guardian named there would make the guardians veto each other. Only
    a tech lead may accept the risk of a destructive migration.

    Fix: the agent that did the work sends the handoff as itself; approvals come from
    `tech-lead` (`guardians approve`).
    """

    code: ClassVar[str] = "GRD006"
    name: ClassVar[str] = "message.sender-not-allowed"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "let each agent send as itself"

    @classmethod
    def check(
        cls,
        message_type: Any,
        sender: Any,
        origin: Any,
        guardians: tuple[str, ...],
        approvers: tuple[str, ...],
        starts_run: bool = True,
    ) -> Iterator[Finding]:
        """``starts_run``: the message is in the first guardian's inbox, where upstream agents hand off."""
        if message_type == "approval" and sender not in approvers:
            yield cls.finding(
                f"only {', '.join(approvers)} may approve a high-risk migration, not {sender!r}",
                json_path="$.from",
                subject="invalid_message",
                suggestion="ask a tech lead to approve",
            )
        if message_type == "handoff":
            named = (
                (("$.from", sender), ("$.content.origin", origin)) if starts_run else (("$.content.origin", origin),)
            )
            for path, who in named:
                if who in guardians:
                    yield cls.finding(
                        f"a pipeline run is started by an upstream agent, not by the {who} guardian",
                        json_path=path,
                        subject="invalid_message",
                        suggestion="send the handoff as the agent that did the work (e.g. quality)",
                    )


class HandoffProvenance(RuleUnit):
    """What: a handoff in the deploy, backup or process inbox was not written by the guardian
    before it (its sha256 is not among the outputs of that guardian's approve entries in
    the decision log).

    Why: the pipeline's order is the whole point: a handoff dropped straight into
    `inbox/process/` would mark an epic operational without its migration, deploy and
    backup gates. `from` is self-declared, so the log's recorded output hashes are the proof.

    Fix: start the pipeline with a handoff to `inbox/migration/`; the guardians hand off
    to each other.
    """

    code: ClassVar[str] = "GRD003"
    name: ClassVar[str] = "message.handoff-provenance"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "only ever hand off to the migration guardian"

    @classmethod
    def check(cls, inbox: str, previous: str | None, produced_by: str | None) -> Iterator[Finding]:
        if previous is not None and produced_by != previous:
            yield cls.finding(
                f"the {inbox} guardian accepts only handoffs written by the {previous} guardian; this one is not "
                "in the decision log's outputs",
                json_path="$",
                subject="invalid_message",
                suggestion="send the handoff to inbox/migration/ and let the guardians hand off to each other",
            )


class StaleIteration(RuleUnit):
    """What: a handoff to the migration guardian carries an iteration lower than one the
    migration guardian already decided for this epic.

    Why: iterations never go backwards; an old handoff arriving late (or resent by
    mistake) must not re-open a round that is over.

    Fix: resend with an iteration at least as high as the last one decided
    (`guardians log EPIC --agent migration`).
    """

    code: ClassVar[str] = "GRD004"
    name: ClassVar[str] = "message.stale-iteration"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "increment the iteration on every resend"

    @classmethod
    def check(cls, iteration: int, last_decided: int | None) -> Iterator[Finding]:
        if last_decided is not None and iteration < last_decided:
            yield cls.finding(
                f"iteration {iteration} is older than iteration {last_decided}, which was already decided",
                json_path="$.iteration",
                subject="stale_iteration",
                suggestion=f"resend with iteration {last_decided} or higher",
            )


class HandoffReplayed(RuleUnit):
    """What: a handoff between guardians that is not the live one: it was emitted by a decision
    that is no longer the latest of the guardian before this one, in another iteration than
    the current one, or a later decision already used it.

    Why: a handoff is single-use and bound to the decision that emitted it (epic, iteration,
    the signed log entry whose outputs hold its sha256). Copying an old handoff from
    `processed/` back into an inbox would otherwise run the later gates over artifacts they
    never approved (iteration 1's approval carrying iteration 2's destructive migration).

    Fix: nothing to fix by hand: start a new round with a handoff to `inbox/migration/` and let
    the guardians hand off to each other.
    """

    code: ClassVar[str] = "GRD007"
    name: ClassVar[str] = "message.handoff-replayed"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "never copy or resend a guardian's handoff"

    @classmethod
    def check(
        cls,
        previous: str,
        emitted_iteration: int,
        message_iteration: Any,
        current_iteration: int | None,
        latest: bool,
        consumed: bool,
    ) -> Iterator[Finding]:
        """``latest``: the emitting entry is the previous guardian's latest decision."""
        why = None
        if consumed:
            why = "a later decision already used it"
        elif message_iteration != emitted_iteration:
            why = f"it claims iteration {message_iteration!r} but was emitted in iteration {emitted_iteration}"
        elif current_iteration is not None and emitted_iteration != current_iteration:
            why = f"it was emitted in iteration {emitted_iteration}; the current iteration is {current_iteration}"
        elif not latest:
            why = f"the {previous} guardian has decided again since it was emitted"
        if why:
            yield cls.finding(
                f"replayed handoff: {why}; a handoff is accepted once, from the {previous} guardian's latest "
                "decision in the current iteration",
                json_path="$",
                subject="replayed_handoff",
                suggestion="start a new round with a handoff to inbox/migration/",
            )


class ApprovalNotSigned(RuleUnit):
    """What: under a trust anchor, a tech-lead approval without a valid `content.signature`: unsigned,
    signed by a key the anchor does not allow for `guardians-approval`, or signed over other
    content (another review digest, reason or suppressions).

    Why: `from: tech-lead` is self-declared and `review_digest` is readable by anyone, so an
    agent could otherwise approve its own destructive migration and suppress the findings that
    block it. Only a person holding an allowed key can accept that risk.

    Fix: approve with `guardians approve EPIC --key ~/.ssh/id_ed25519 --reason TEXT`, with a key
    listed for `guardians-approval` in the trust anchor's allowed_signers.
    """

    code: ClassVar[str] = "GRD008"
    name: ClassVar[str] = "message.approval-not-signed"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "approve with `guardians approve`, which signs"

    @classmethod
    def check(cls, problem: str | None) -> Iterator[Finding]:
        """``problem``: why the signature does not verify (None: it does)."""
        if problem:
            yield cls.finding(
                f"approval rejected: {problem}",
                json_path="$.content.signature",
                subject="unsigned_approval",
                suggestion="approve with `guardians approve EPIC --key KEY --reason TEXT`",
            )


class InputChanged(RuleUnit):
    """What: a file that an earlier guardian of this iteration judged or wrote has changed since
    (or was deleted): an artifact, a migration file, or an earlier guardian's output such as
    migration_review.json.

    Why: the decision that starts an iteration records the sha256 of every artifact and
    migration it judged, and every guardian records what it wrote. Backup judging a
    migration_review.json rewritten to `risk: low` after migration approved would approve a
    destructive migration without a checkpoint; restoring the file afterwards would leave no
    trace.

    Fix: do not edit artifacts while the guardians run. Change them, then start a new round
    with a handoff to `inbox/migration/` with the next iteration.
    """

    code: ClassVar[str] = "GRD013"
    name: ClassVar[str] = "artifact.changed-since-judged"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "change artifacts only between rounds, never during one"

    @classmethod
    def check(cls, changes: dict[str, str]) -> Iterator[Finding]:
        """``changes``: path -> "changed" | "deleted" since an earlier guardian of this iteration read it."""
        for path, what in sorted(changes.items()):
            yield cls.finding(
                f"{path} was {what} after an earlier guardian of this iteration judged it",
                file=path,
                json_path="$",
                subject="input_changed",
                suggestion="resend the handoff to inbox/migration/ with the next iteration after changing files",
            )


class InvalidArtifact(RuleUnit):
    """What: an artifact (plan.json, implementation.json, review.json, health_report.json,
    a checkpoint record) cannot be read or does not match its schema.

    Why: every later rule reads typed fields; a wrong shape would make rules pass for
    the wrong reason. The veto names the file, JSON path and line so it can be fixed.

    Fix: correct the file at the reported JSON path; `guardians schema show NAME` prints
    the schema with a description of every field.
    """

    code: ClassVar[str] = "GRD010"
    name: ClassVar[str] = "artifact.invalid"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "validate artifacts locally with `guardians validate` before handing off"

    @classmethod
    def check(cls, problems: list[tuple[str, str]], file: str) -> Iterator[Finding]:
        for json_path, message in problems:
            yield cls.finding(message, file=file, json_path=json_path, subject="invalid_artifact")


class MissingArtifact(RuleUnit):
    """What: an artifact the guardian needs does not exist.

    Why: the migration guardian needs plan.json, implementation.json and review.json; the
    process guardian needs health_report.json. Without them there is nothing to judge.

    Fix: write the missing file into `consensus/artifacts/` and resend the handoff.
    """

    code: ClassVar[str] = "GRD011"
    name: ClassVar[str] = "artifact.missing"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "hand off only after every artifact is written"

    @classmethod
    def check(cls, present: dict[str, bool]) -> Iterator[Finding]:
        for name, exists in sorted(present.items()):
            if not exists:
                yield cls.finding(f"{name} is missing", file=name, subject="missing_artifact")


class MigrationPathOutsideRoot(RuleUnit):
    """What: implementation.json lists a migration file that does not exist or lies
    outside the repository root.

    Why: the guardian only analyses files inside the repository; a path like
    `../../etc/x.sql` or a missing file must not silently count as "no migrations".

    Fix: list migration files relative to the repository root (or to
    `consensus/artifacts/`) and commit them.
    """

    code: ClassVar[str] = "GRD012"
    name: ClassVar[str] = "artifact.migration-path"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "reference migrations by repository-relative path"

    @classmethod
    def check(cls, paths: dict[str, str]) -> Iterator[Finding]:
        for path, problem in sorted(paths.items()):
            yield cls.finding(
                f"migration {path!r} {problem}",
                json_path="$.migrations",
                subject="invalid_artifact",
            )


class ReviewNotApproved(RuleUnit):
    """What: review.json does not approve the change (review_status is not `approved`,
    or verdict is not `approve`).

    Why: the guardians run after the quality gate; a change that quality has not
    approved must not be deployed.

    Fix: address the review's findings until the quality agent approves, then resend.
    """

    code: ClassVar[str] = "GRD020"
    name: ClassVar[str] = "review.not-approved"
    severity: ClassVar[Severity] = Severity.ERROR
    safer: ClassVar[str] = "hand off to the guardians only after review.json approves"

    @classmethod
    def check(cls, review_status: str | None, verdict: str | None) -> Iterator[Finding]:
        if review_status != "approved" and verdict != "approve":
            yield cls.finding(
                f"review.json does not approve (review_status={review_status!r}, verdict={verdict!r})",
                file="review.json",
                json_path="$.review_status",
                subject="not_production_ready",
                suggestion="get review.json approved before handing off",
            )


RULES: tuple[type[Any], ...] = (
    InvalidMessage,
    MisroutedMessage,
    HandoffProvenance,
    StaleIteration,
    HandoffReplayed,
    ApprovalNotSigned,
    InputChanged,
    TypeNotAccepted,
    SenderNotAllowed,
    InvalidArtifact,
    MissingArtifact,
    MigrationPathOutsideRoot,
    ReviewNotApproved,
)
