"""Per-epic checks: every artifact, checkpoint and inbox message against its
schema, and the cross-file checks (VAL1xx) that no single schema can express.
"""

from __future__ import annotations

import operator
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from guardians.store.layout import GUARDIANS, is_message_name
from guardians.validate.codes import (
    ArtifactForAnotherEpic,
    InterruptedCommit,
    LoggedOutputChanged,
    LoggedOutputMissing,
    MessageForAnotherEpic,
    MessageInWrongInbox,
    MessageToMissingInbox,
    MigrationFileMissing,
    SchemaViolation,
    UnknownInboxFile,
    VetoWithoutLogEntry,
)
from guardians.validate.document import Doc, drift_problems, kind_of, parse, read_file, schema_problems
from guardians.validate.log import LogIndex, check_log
from guardians.validate.result import EpicReport, Problem

ARTIFACT_SCHEMAS: dict[str, str] = {
    "plan.json": "plan",
    "implementation.json": "implementation",
    "review.json": "review",
    "health_report.json": "health_report",
    "migration_review.json": "migration_review",
    "deployment.json": "deployment",
    "backup_plan.json": "backup_plan",
    "process_report.json": "process_report",
    "cicd.yaml": "cicd",
    "cicd.yml": "cicd",
}
INBOX_SUBDIRS = ("processed", "rejected", "waiting")
IGNORED_INBOX_ENTRIES = (".tmp", ".gitkeep", ".keep")
_KEYED_NAME = re.compile(r"^(.*)\.[0-9a-f]{12}(\.(?:ya?ml|json))$")


class EpicChecker:
    """Checks one epic; ``display`` maps a root-relative path to what the user sees."""

    def __init__(self, root: Path, epic_id: str, display: Callable[[str], str]) -> None:
        self.root = root
        self.epic_id = epic_id
        self.display = display
        self.base = f"docs/specs/{epic_id}"
        self.consensus = root / self.base / "consensus"
        self._cons = os.fspath(self.consensus)  # joined as strings below: a Path per folder costs
        self.report = EpicReport(epic_id)
        self.index = LogIndex()
        self.seen: dict[str, set[str]] = {}  # output path -> sha256 of what we read there
        self.migrations: list[tuple[str, int]] = []
        self.inboxes: set[str] = set()
        self.cross_file = True  # False when checking one file named on the command line

    def rel(self, *parts: str) -> str:
        return "/".join((self.base, "consensus", *parts))

    def add(self, problem: Problem) -> None:
        self.report.problems.append(problem)

    def run(self) -> EpicReport:
        # One listing of the consensus folder answers which parts exist: a stat or
        # scandir per part that is usually absent was a noticeable share of the walk.
        present = _names(self._cons)
        if ".guardians.journal.json" in present and (self.consensus / ".guardians.journal.json").exists():
            self.add(
                Problem.of(
                    InterruptedCommit,
                    self.display(self.rel(".guardians.journal.json")),
                    "a commit was interrupted and not finished",
                    keyword="journal",
                )
            )
        if "decision_log.jsonl" in present:  # a file or a symlink (refused, with a problem, by check_log)
            log = self.consensus / "decision_log.jsonl"
            self.report.files.append(self.display(self.rel("decision_log.jsonl")))
            check_log(log, self.display(self.rel("decision_log.jsonl")), self.epic_id, self.report, self.index)
        if "legacy" in present:
            self._legacy_note()
        if "artifacts" in present:
            self.check_artifacts()
        if "checkpoints" in present:
            self.check_checkpoints()
        if "messages" in present:
            self.check_inboxes()
        self.check_outputs()
        self.check_migrations()
        return self.report

    def _legacy_note(self) -> None:
        """consensus/legacy/ holds what `guardians adopt` kept: evidence, not checked, summarised once."""
        kept = scan(self._cons + "/legacy")
        if kept:
            size = sum(e.stat(follow_symlinks=False).st_size for e in kept)
            self.report.notes.append(
                f"{len(kept)} file(s) ({size:,} bytes) kept under {self.display(self.rel('legacy'))}/ "
                "by `guardians adopt`; not checked"
            )

    # artifacts and checkpoints

    def check_artifacts(self) -> None:
        for entry in scan(self._cons + "/artifacts"):
            schema_name = ARTIFACT_SCHEMAS.get(entry.name)
            rel = self.rel("artifacts", entry.name)
            if schema_name is None:
                continue
            value = self.check_file(entry.path, rel, schema_name)
            if entry.name == "implementation.json" and isinstance(value, dict):
                migrations = value.get("migrations")
                if isinstance(migrations, list):
                    self.migrations = [(m, i) for i, m in enumerate(migrations) if isinstance(m, str)]

    def check_checkpoints(self) -> None:
        for entry in scan(self._cons + "/checkpoints"):
            if entry.name.endswith(".json"):
                self.check_file(entry.path, self.rel("checkpoints", entry.name), "checkpoint")

    # Paths are plain strings from os.scandir here: building a Path per file was a tenth of validate's time.
    def check_file(self, path: str | Path, rel: str, schema_name: str) -> Any:
        display = self.display(rel)
        self.report.files.append(display)
        data, problem = read_file(path, display)
        if data is None:
            self.add(problem)  # type: ignore[arg-type]
            return None
        self._remember(rel, data)
        doc = Doc(display, data, kind_of(os.path.basename(path)))
        value, problem = parse(doc)
        if problem is not None:
            self.add(problem)
            return None
        problems = schema_problems(doc, value, schema_name)
        # Cross-file checks run even when the schema fails: one problem must not hide another.
        if isinstance(value, dict) and isinstance(value.get("epic_id"), str) and value["epic_id"] != self.epic_id:
            line, col = doc.where(["epic_id"])
            message = f"epic_id is {value.get('epic_id')!r} but the file is in {self.epic_id}"
            problems.append(Problem.of(ArtifactForAnotherEpic, display, message, "$.epic_id", line, col, "epic-match"))
        self.report.problems.extend(problems)
        self.report.problems.extend(drift_problems(doc, value, schema_name))
        return value if isinstance(value, dict) else None

    def _remember(self, rel: str, data: bytes) -> None:
        if rel in self.index.last_output:
            import hashlib

            self.seen.setdefault(rel, set()).add(hashlib.sha256(data).hexdigest())

    # inboxes

    def check_inboxes(self) -> None:
        inbox_root = self._cons + "/messages/inbox"
        entries = list(scan(inbox_root))
        self.inboxes = {e.name for e in entries if is_dir(e)}
        for entry in entries:
            if not is_dir(entry):
                self._unknown(self.rel("messages", "inbox", entry.name), "not an inbox folder")
                continue
            for item in scan(entry.path):
                rel = self.rel("messages", "inbox", entry.name, item.name)
                if is_dir(item):
                    if item.name in INBOX_SUBDIRS:
                        self._check_subdir(item.path, entry.name, item.name)
                    elif item.name not in IGNORED_INBOX_ENTRIES:
                        self._unknown(rel, "unknown folder in an inbox")
                elif is_message_name(item.name):
                    self.check_message(item.path, entry.name, None)
                elif item.name not in IGNORED_INBOX_ENTRIES and not is_signature(item.name):
                    self._unknown(rel, "not a message file name")

    def _check_subdir(self, folder: str, agent: str, sub: str) -> None:
        for item in scan(folder):
            rel = self.rel("messages", "inbox", agent, sub, item.name)
            if sub == "rejected" and item.name.endswith(".reason") and not is_dir(item):
                continue
            if is_signature(item.name) and not is_dir(item):
                continue  # a guardian message's detached signature (checked by validate.history)
            if is_dir(item) or not is_message_name(item.name):
                self._unknown(rel, f"not a message file in {sub}/")
            elif sub == "rejected":
                self.report.files.append(self.display(rel))  # known-bad messages: kept as evidence
            else:
                self.check_message(item.path, agent, sub)

    def _unknown(self, rel: str, why: str) -> None:
        self.add(
            Problem.of(
                UnknownInboxFile,
                self.display(rel),
                f"unknown file in an inbox: {why}",
                keyword="inbox-layout",
            )
        )

    def check_message(self, path: str | Path, agent: str, sub: str | None) -> None:
        name = os.path.basename(path)
        rel = self.rel("messages", "inbox", agent, *([sub] if sub else []), name)
        original = self.rel("messages", "inbox", agent, _original_name(name))
        display = self.display(rel)
        self.report.files.append(display)
        if self.cross_file and name.startswith("veto_") and original not in self.index.all_outputs:
            self.add(
                Problem.of(
                    VetoWithoutLogEntry,
                    display,
                    "veto file has no decision log entry listing it in `outputs`",
                    keyword="veto-logged",
                )
            )
        data, problem = read_file(path, display)
        if data is None:
            self.add(problem)  # type: ignore[arg-type]
            return
        self._remember(original, data)
        doc = Doc(display, data, kind_of(name))
        value, problem = parse(doc)
        problems: list[Problem] = [problem] if problem else []
        if problem is None and not self._guardian_business(agent, name, value):
            # Messages between other agents: only the envelope is the guardians' business.
            problems = envelope_problems(doc, value)
            if isinstance(value, dict):
                problems.extend(self._message_rules(doc, value, agent))
        elif problem is None:
            schema = message_schema(name, value)
            problems = schema_problems(doc, value, schema)
            if isinstance(value, dict):
                problems.extend(self._message_rules(doc, value, agent))
                problems.extend(drift_problems(doc, value, schema))
            if not problems and sub is None and agent in GUARDIANS:
                problems = self._admission(doc, agent, rel, data)
        if problems and sub == "processed" and self._vetoed_as_invalid(agent, name, data):
            return  # a guardian already vetoed this message as invalid
        self.report.problems.extend(problems)

    @staticmethod
    def _guardian_business(agent: str, name: str, value: Any) -> bool:
        """True for a guardian's inbox, or a message a guardian wrote (veto, escalation, handoff, notice)."""
        if agent in GUARDIANS or name.startswith(GUARDIAN_WRITTEN):
            return True
        return isinstance(value, dict) and value.get("from") in GUARDIANS

    def _message_rules(self, doc: Doc, msg: dict[str, Any], agent: str) -> list[Problem]:
        out: list[Problem] = []
        if msg.get("type") == "approval" and isinstance(msg.get("content"), dict):
            out.extend(schema_problems(doc, msg["content"], "approval", ["content"]))
        to = msg.get("to")
        if isinstance(to, str) and to not in self.inboxes:
            line, col = doc.where(["to"])
            out.append(
                Problem.of(
                    MessageToMissingInbox,
                    doc.display,
                    f"message is addressed to {to!r}, which has no inbox in {self.epic_id}",
                    "$.to",
                    line,
                    col,
                    "inbox-exists",
                )
            )
        elif isinstance(to, str) and to != agent:
            line, col = doc.where(["to"])
            out.append(
                Problem.of(
                    MessageInWrongInbox,
                    doc.display,
                    f"message is addressed to {to!r} but sits in the {agent!r} inbox",
                    "$.to",
                    line,
                    col,
                    "inbox-match",
                )
            )
        if msg.get("epic_id") not in (None, self.epic_id):
            line, col = doc.where(["epic_id"])
            out.append(
                Problem.of(
                    MessageForAnotherEpic,
                    doc.display,
                    f"message is for {msg.get('epic_id')} but sits in {self.epic_id}",
                    "$.epic_id",
                    line,
                    col,
                    "epic-match",
                )
            )
        return out

    def _admission(self, doc: Doc, agent: str, rel: str, data: bytes) -> list[Problem]:
        """A message still waiting in a guardian inbox: what would the guardian say? (the one admission check)"""
        from guardians.engine.admission import admit
        from guardians.errors import GuardianError
        from guardians.store.decision_log import DecisionLog
        from guardians.store.layout import Epic

        epic = Epic.at(self.root, self.epic_id)
        try:
            from guardians.trust.anchor import active

            log = DecisionLog.open(epic.log_path, self.epic_id, active())
            admission = admit(epic, agent, rel, data, log)
        except GuardianError:
            return []  # an unreadable log is reported by the log checks
        out = []
        # Problems inside the artifacts are reported once, at the artifact, by the
        # artifact checks; the message gets one line saying what they will cause.
        elsewhere = sorted({f.file for f in admission.findings if f.code == "GRD010" and f.file and f.file != rel})
        if elsewhere:
            names = ", ".join(self.display(f) for f in elsewhere)
            fix = "fix the artifacts (their problems are listed at each file), then resend the handoff"
            out.append(
                Problem(
                    doc.display,
                    "GRD010",
                    f"the {agent} guardian would veto this handoff: {names} invalid",
                    fix,
                    "$",
                    None,
                    None,
                    f"admission-{admission.verdict}",
                )
            )
        for f in admission.findings:
            if f.code == "GRD010" and f.file in elsewhere:
                continue
            here = f.file == rel
            line, col = doc.where(f.json_path) if here and f.json_path else (f.line, f.column)
            where = doc.display if here else self.display(f.file or rel)
            fix = f.suggestion or f"see `guardians explain {f.code}`"
            out.append(
                Problem(where, f.code, f.message, fix, f.json_path or "$", line, col, f"admission-{admission.verdict}")
            )
        return out

    def _vetoed_as_invalid(self, agent: str, name: str, data: bytes) -> bool:
        if not self.index.invalid_message_keys:
            return False
        from guardians.store.chain import message_key

        return any(
            message_key(agent, candidate, data) in self.index.invalid_message_keys
            for candidate in {name, _original_name(name)}
        )

    # cross-file

    def check_outputs(self) -> None:
        log_display = self.display(self.rel("decision_log.jsonl"))
        for path, (sha, line) in self.index.last_output.items():
            shas = self.seen.get(path)
            if shas is None:
                shas = self._hash_on_disk(path)
            if shas is None:
                self.add(
                    Problem.of(
                        LoggedOutputMissing,
                        log_display,
                        f"output {path} recorded in the log does not exist",
                        _outputs_path(path),
                        line,
                        None,
                        "output-exists",
                    )
                )
            elif sha not in shas:
                self.add(
                    Problem.of(
                        LoggedOutputChanged,
                        self.display(path),
                        f"sha256 differs from the one recorded on line {line} of the decision log ({sha[:12]}...)",
                        "$",
                        None,
                        None,
                        "output-digest",
                    )
                )

    def _hash_on_disk(self, path: str) -> set[str] | None:
        import hashlib

        if path.startswith("/") or ".." in path.split("/"):
            return None
        data, _ = read_file(self.root / path, path)
        return None if data is None else {hashlib.sha256(data).hexdigest()}

    def check_migrations(self) -> None:
        if not self.migrations:
            return
        impl = self.display(self.rel("artifacts", "implementation.json"))
        for ref, index in self.migrations:
            candidates = [self.root / ref, self.consensus / "artifacts" / ref]
            if ".." in ref.split("/") or not any(c.is_file() for c in candidates):
                self.add(
                    Problem.of(
                        MigrationFileMissing,
                        impl,
                        f"migration file {ref!r} does not exist",
                        f"$.migrations[{index}]",
                        None,
                        None,
                        "migration-exists",
                    )
                )


def _outputs_path(path: str) -> str:
    return f"$.outputs[{path!r}]"


GUARDIAN_WRITTEN = ("veto_", "escalation_", "handoff_", "approval_needed_")
ENVELOPE = ("from", "to")


def envelope_problems(doc: Doc, value: Any) -> list[Problem]:
    """What a message between other agents must have: a mapping with `from` and `to` (each named)."""
    from guardians.protocol.hints import missing_key_hint

    if not isinstance(value, dict):
        return [Problem.of(SchemaViolation, doc.display, "a message must be a mapping", keyword="type")]
    out = []
    for key in ENVELOPE:
        if not isinstance(value.get(key), str):
            line, col = doc.where([])
            hint = missing_key_hint(key, value) if key not in value else f"; {key!r} must be a string"
            out.append(
                Problem.of(
                    SchemaViolation,
                    doc.display,
                    f"required property {key!r} is missing{hint}" if key not in value else f"{key!r} is not a string",
                    f"$.{key}",
                    line,
                    col,
                    "envelope",
                    fix=f"add '{key}' (an agent name) at the top level",
                )
            )
    return out


def _original_name(name: str) -> str:
    match = _KEYED_NAME.match(name)
    return match.group(1) + match.group(2) if match else name


def message_schema(name: str, value: Any) -> str:
    if name.startswith("veto_"):
        return "veto"
    if name.startswith("escalation_"):
        return "escalation"
    if name.startswith("handoff_") and name.split("_")[1] in GUARDIANS:
        return "handoff"
    return "message"


_NAME = operator.attrgetter("name")


def scan(folder: str | Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=_NAME)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _names(folder: str) -> set[str]:
    try:
        return set(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return set()


def is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def is_signature(name: str) -> bool:
    """``<message>.sig``: the detached signature the guardians write next to their messages."""
    return name.endswith(".sig") and is_message_name(name[: -len(".sig")])
