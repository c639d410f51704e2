"""The VAL rules of ``guardians validate``, one unit per code (a rule catalog).

The checkers (``validate/epic.py``, ``validate/log.py``,
``validate/document.py``, ``validate/single.py``) find the problems, because
they are about files and their relations on disk rather than one loaded
model; every problem is made from its unit (``Problem.of(SeqGap, ...)``), so
it carries the unit's code, severity and fix. Each unit also has a short
``title`` (JSON, SARIF rules, text output) and the What/Why/Fix docstring
that ``guardians explain VAL101`` and docs/rules.md show. Their cases
(``tests/rules/cases/VAL*.yaml``) run the real ``validate`` on a tree.
"""

from __future__ import annotations

from typing import ClassVar

from guardians.rules.base import RuleUnit, Severity


class ValRule(RuleUnit):
    """A VAL rule: a rule unit plus the short title and one-line fix the reports show."""

    title: ClassVar[str] = ""
    fix: ClassVar[str] = ""


class SchemaViolation(ValRule):
    """What: a value does not satisfy its JSON Schema (a required property is missing, an
    unknown property, a wrong type, a value outside an enum or pattern, a time stamp
    that names no real time).

    Why: every guardian validates the same files with the same schemas; what fails here
    is vetoed by `guardians run` (GRD001/GRD010), so it is cheaper to find it now.

    Fix: change the value at the JSON path so it satisfies the schema keyword; the fix
    line says which property to add, which values an enum allows, the pattern to match.
    `guardians schema show NAME` prints the schema.
    """

    code: ClassVar[str] = "VAL001"
    name: ClassVar[str] = "validate.schema"
    title: ClassVar[str] = "schema violation"
    fix: ClassVar[str] = "Change the value at the JSON path so it satisfies the schema keyword."


class UnreadableFile(ValRule):
    """What: a file cannot be read safely: a syntax error, invalid UTF-8, a NUL byte, a
    lone surrogate escape, YAML anchors/aliases or tags, duplicate keys, NaN/Infinity,
    nesting deeper than 64, a file over 1 MB or a log line over 1 MiB, a symlink or FIFO.

    Why: agents are untrusted writers; the guardians refuse what a hardened loader
    refuses rather than guess what a malformed document meant.

    Fix: rewrite the file as one valid UTF-8 JSON/YAML document (no anchors, tags,
    duplicate keys), a regular file (not a symlink) under the size limit.
    """

    code: ClassVar[str] = "VAL002"
    name: ClassVar[str] = "validate.unreadable-file"
    title: ClassVar[str] = "unreadable file"
    fix: ClassVar[str] = (
        "Rewrite the file as one valid UTF-8 JSON/YAML document (no anchors, tags, "
        "duplicate keys), a regular file (not a symlink) under the size limit."
    )


class UnknownFileKind(ValRule):
    """What: a file named on the command line whose name matches no known role, so no
    schema applies to it.

    Why: a file the guardians do not recognise is ignored by them; saying "valid" about
    it would be a silent pass.

    Fix: name the file after its role (plan.json, veto_*.yaml...) or move it out of the
    consensus folder.
    """

    code: ClassVar[str] = "VAL003"
    name: ClassVar[str] = "validate.unknown-file-kind"
    title: ClassVar[str] = "unknown file kind"
    fix: ClassVar[str] = (
        "Name the file after its role (plan.json, veto_*.yaml...) or move it out of the consensus folder."
    )


class DriftedKey(ValRule):
    """What: a document uses a key the guardians do not read where the schema has a close
    or known equivalent that is absent: `rollback_strategy` for `rollback_plan`, `servce`
    for `service`, `sender` for `from`. A warning: unknown keys are kept, but ignored.

    Why: agents drift between prompt versions; the guardians then act as if the section
    were missing (DEP102 "no rollback plan" while one is written under another name).

    Fix: rename the key to the one named in the message (`guardians schema show NAME`).
    """

    code: ClassVar[str] = "VAL004"
    name: ClassVar[str] = "validate.drifted-key"
    title: ClassVar[str] = "drifted key"
    fix: ClassVar[str] = "Rename the key to the one the guardians read; see `guardians schema show NAME`."
    severity: ClassVar[Severity] = Severity.WARNING


class HashChainBroken(ValRule):
    """What: a decision log entry's `hash` does not match its content (the entry was
    edited), or its `prev_hash` is not the previous entry's hash (a line was removed or
    reordered; the first entry's is the epic's genesis hash).

    Why: the decision log is the audit trail of every gate; an edited history can make
    an epic look approved when it was vetoed.

    Fix: restore the log from git; never edit it by hand.
    """

    code: ClassVar[str] = "VAL101"
    name: ClassVar[str] = "validate.log-chain"
    title: ClassVar[str] = "hash chain broken"
    fix: ClassVar[str] = "A log line was edited, removed or reordered; restore the log from git, never edit it by hand."


class SeqGap(ValRule):
    """What: an entry's `seq` is not the previous entry's plus one.

    Why: a missing or duplicated line hides or repeats a decision; the gap is reported
    once, where it starts.

    Fix: restore the log from git.
    """

    code: ClassVar[str] = "VAL102"
    name: ClassVar[str] = "validate.log-seq"
    title: ClassVar[str] = "seq gap"
    fix: ClassVar[str] = "A log line is missing or duplicated; restore the log from git."


class IterationBackwards(ValRule):
    """What: an agent decided an older iteration after a newer one. The check is per
    agent (the pipeline may decide several queued iterations guardian by guardian);
    `reject` entries, which cannot know the iteration of an unreadable message, are exempt.

    Why: a decision on a stale iteration approves work that has since changed.

    Fix: restore the log, or resend the handoff with the current iteration.
    """

    code: ClassVar[str] = "VAL103"
    name: ClassVar[str] = "validate.log-iteration-order"
    title: ClassVar[str] = "iteration went backwards"
    fix: ClassVar[str] = (
        "Each agent's log entries must carry non-decreasing iterations; "
        "restore the log, or resend the handoff with the current iteration."
    )


class TornLogTail(ValRule):
    """What: the last line of the decision log has no newline: a write was interrupted.

    Why: the entry may be incomplete; the next `guardians run` moves it to quarantine/
    and cuts it off before appending.

    Fix: run `guardians run` to repair it.
    """

    code: ClassVar[str] = "VAL104"
    name: ClassVar[str] = "validate.log-torn-tail"
    title: ClassVar[str] = "torn log tail"
    fix: ClassVar[str] = "The last log line has no newline (interrupted write); run `guardians run` to repair it."


class LogEntryForAnotherEpic(ValRule):
    """What: a decision log entry's `epic_id` is not the epic whose log holds it.

    Why: each epic's gates are decided in its own log; an entry copied from another
    epic would count as a decision it never had.

    Fix: move the entry's decision to the log of the epic it names.
    """

    code: ClassVar[str] = "VAL105"
    name: ClassVar[str] = "validate.log-epic"
    title: ClassVar[str] = "log entry for another epic"
    fix: ClassVar[str] = "Move the entry's decision to the log of the epic it names."


class LogRewrittenSinceRef(ValRule):
    """What: with `--since REF`, an epic's decision log in the working tree does not extend its
    log at git REF byte for byte: lines were removed from the end, edited, reordered or
    re-chained.

    Why: anyone who can write the file can truncate it (dropping a veto and resetting the
    three-veto count) or re-chain it; the hash chain alone cannot tell. CI holds REF (the
    base branch) where agents cannot move it, so it pins history without an outside service.

    Fix: restore the log from REF (`git checkout REF -- LOG`) and let the guardians decide
    again; never edit the log by hand.
    """

    code: ClassVar[str] = "VAL106"
    name: ClassVar[str] = "validate.log-append-only"
    title: ClassVar[str] = "log not append-only since REF"
    fix: ClassVar[str] = (
        "The log must extend its committed version byte for byte; restore it from git "
        "(`git checkout REF -- LOG`) and let the guardians decide again."
    )


class SignedOutputWithoutDecision(ValRule):
    """What: under a trust anchor, a file whose detached `.sig` verifies as the guardians'
    (namespace guardians-decision) has a sha256 that no guardian entry in the log lists among
    its outputs.

    Why: the guardians sign every file they write and log its sha256 in the same commit. A
    signed file the log does not know is newer than the log that should hold its decision:
    the log lost its tail (a veto removed, the escalation count reset).

    Fix: restore the log's lost entries from git; never truncate the log.
    """

    code: ClassVar[str] = "VAL107"
    name: ClassVar[str] = "validate.signed-output-logged"
    title: ClassVar[str] = "signed output without its decision"
    fix: ClassVar[str] = "A guardian-signed file has no decision in the log: restore the log's lost entries from git."


class VetoWithoutLogEntry(ValRule):
    """What: a `veto_*.yaml` file (in any inbox, also in `processed/` and `waiting/`) that
    no log entry lists in `outputs`.

    Why: vetoes are written by guardians only; a hand-made veto forges a gate's decision.

    Fix: delete the hand-made veto or restore the log entry that wrote it.
    """

    code: ClassVar[str] = "VAL111"
    name: ClassVar[str] = "validate.veto-logged"
    title: ClassVar[str] = "veto without log entry"
    fix: ClassVar[str] = (
        "Every veto must be written by a guardian: delete the hand-made veto or restore the log entry that wrote it."
    )


class LoggedOutputMissing(ValRule):
    """What: a path in a log entry's `outputs` does not exist (neither where it was
    written nor, for messages, in the inbox's `processed/`, `waiting/` or `rejected/`).
    Reported on the log line.

    Why: the log says a guardian wrote the file; its absence means evidence was lost.

    Fix: restore the file from git (or rerun the guardian).
    """

    code: ClassVar[str] = "VAL112"
    name: ClassVar[str] = "validate.output-exists"
    title: ClassVar[str] = "logged output missing"
    fix: ClassVar[str] = "Restore the file from git (or rerun the guardian): the log says it was written."


class LoggedOutputChanged(ValRule):
    """What: a file's sha256 differs from the one recorded by the latest log entry that
    wrote it. Reported on the file.

    Why: guardian outputs are evidence; an edited review or deployment plan no longer
    says what the guardian decided.

    Fix: restore it from git instead of editing guardian outputs.
    """

    code: ClassVar[str] = "VAL113"
    name: ClassVar[str] = "validate.output-digest"
    title: ClassVar[str] = "logged output changed"
    fix: ClassVar[str] = (
        "The file differs from what the guardian wrote; restore it from git instead of editing guardian outputs."
    )


class OperationalWithoutApprovals(ValRule):
    """What: a `decision: operational` entry not preceded by `approve` entries of
    migration, deploy, backup and process, in that order, for the same iteration.

    Why: operational is the pipeline's final word; without every gate's approval first
    it would mark an unreviewed change live.

    Fix: rerun the pipeline.
    """

    code: ClassVar[str] = "VAL121"
    name: ClassVar[str] = "validate.operational-order"
    title: ClassVar[str] = "operational without approvals"
    fix: ClassVar[str] = (
        "An epic is operational only after migration, deploy, backup "
        "and process approved, in that order; rerun the pipeline."
    )


class UnknownInboxFile(ValRule):
    """What: an inbox holds something other than messages named `*.yaml`, `*.yml` or
    `*.json` (no leading dot, no editor backup suffixes) and the `processed/`,
    `rejected/` (with `*.reason` files) and `waiting/` folders; `.tmp/`, `.gitkeep` and
    `.keep` are ignored.

    Why: the guardians ignore such files, so a message saved under the wrong name is
    never decided.

    Fix: rename or remove the file.
    """

    code: ClassVar[str] = "VAL131"
    name: ClassVar[str] = "validate.inbox-layout"
    title: ClassVar[str] = "unknown file in inbox"
    fix: ClassVar[str] = (
        "Inboxes hold only *.yaml|*.yml|*.json messages and the processed/, "
        "rejected/, waiting/ folders; rename or remove the file."
    )


class MessageToMissingInbox(ValRule):
    """What: a message's `to` names an agent that has no inbox folder in this epic.

    Why: nobody would ever read it; the sender waits for an answer that never comes.

    Fix: set `to` to an existing inbox (migration, deploy, backup, process, quality,
    developer, architect, tech-lead), or create the inbox.
    """

    code: ClassVar[str] = "VAL132"
    name: ClassVar[str] = "validate.inbox-exists"
    title: ClassVar[str] = "message to a missing inbox"
    fix: ClassVar[str] = (
        "Set `to` to an existing inbox (migration, deploy, backup, process, quality, developer, architect, tech-lead)."
    )


class MessageInWrongInbox(ValRule):
    """What: a message's `to` names another inbox than the one the file sits in.

    Why: the guardian of this inbox vetoes it as misrouted (GRD002) instead of the
    intended recipient deciding it.

    Fix: deliver the message with `guardians send`, or fix `to`.
    """

    code: ClassVar[str] = "VAL133"
    name: ClassVar[str] = "validate.inbox-match"
    title: ClassVar[str] = "message in the wrong inbox"
    fix: ClassVar[str] = "Deliver the message to the inbox named in `to` (use `guardians send`), or fix `to`."


class MessageForAnotherEpic(ValRule):
    """What: a message's `epic_id` is not the epic whose inbox holds it.

    Why: a guardian would decide one epic's gate with another epic's artifacts.

    Fix: deliver the message to the epic named in `epic_id`, or fix it.
    """

    code: ClassVar[str] = "VAL134"
    name: ClassVar[str] = "validate.message-epic"
    title: ClassVar[str] = "message for another epic"
    fix: ClassVar[str] = "Deliver the message to the epic named in `epic_id`, or fix it."


class ArtifactForAnotherEpic(ValRule):
    """What: an artifact's or checkpoint's `epic_id` is not the epic whose folder holds it.

    Why: a plan copied from another epic describes a different change; the guardians
    veto it with GRD010.

    Fix: set `epic_id` to the epic whose folder holds the file, or move the file.
    """

    code: ClassVar[str] = "VAL135"
    name: ClassVar[str] = "validate.artifact-epic"
    title: ClassVar[str] = "artifact for another epic"
    fix: ClassVar[str] = "Set `epic_id` to the epic whose folder holds the file, or move the file."


class MigrationFileMissing(ValRule):
    """What: a path in implementation.json `migrations` exists neither relative to the
    repository root nor to `consensus/artifacts/`.

    Why: the migration guardian reviews the files listed there; a missing one cannot be
    reviewed, so the epic cannot pass.

    Fix: add the migration file, or remove the entry.
    """

    code: ClassVar[str] = "VAL141"
    name: ClassVar[str] = "validate.migration-exists"
    title: ClassVar[str] = "migration file missing"
    fix: ClassVar[str] = (
        "Add the migration file listed in implementation.json `migrations` "
        "(relative to the repository root or consensus/artifacts/), or remove the entry."
    )


class InterruptedCommit(ValRule):
    """What: `consensus/.guardians.journal.json` is left over from a commit that was
    interrupted (a crash between the log entry and moving the message).

    Why: the decision is logged but its files may not all be in place yet; the next
    `guardians run` finishes it. A warning: nothing is wrong that a run does not repair.

    Fix: run `guardians run` to finish it.
    """

    code: ClassVar[str] = "VAL151"
    name: ClassVar[str] = "validate.interrupted-commit"
    title: ClassVar[str] = "interrupted commit"
    fix: ClassVar[str] = "An interrupted commit; run `guardians run` to finish it."
    severity: ClassVar[Severity] = Severity.WARNING


RULES: tuple[type[ValRule], ...] = (
    SchemaViolation,
    UnreadableFile,
    UnknownFileKind,
    DriftedKey,
    HashChainBroken,
    SeqGap,
    IterationBackwards,
    TornLogTail,
    LogEntryForAnotherEpic,
    LogRewrittenSinceRef,
    SignedOutputWithoutDecision,
    VetoWithoutLogEntry,
    LoggedOutputMissing,
    LoggedOutputChanged,
    OperationalWithoutApprovals,
    UnknownInboxFile,
    MessageToMissingInbox,
    MessageInWrongInbox,
    MessageForAnotherEpic,
    ArtifactForAnotherEpic,
    MigrationFileMissing,
    InterruptedCommit,
)

# code -> (short title, what to do about it): what the reports and SARIF rules show.
CODES: dict[str, tuple[str, str]] = {rule.code: (rule.title, rule.fix) for rule in RULES}
