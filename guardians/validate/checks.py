"""``guardians validate``: every artifact, message and log line of every epic
against its schema, plus the cross-file checks (VAL1xx) that no single
schema can express.

Design, for speed and bounded memory:

* epics are walked one at a time, and the files of an epic one at a time; the
  decision log is streamed line by line (each line capped in length);
* a compiled validator (jsonschema-rs) decides pass/fail; the jsonschema
  library is only run on failing documents, for its messages and paths;
* line/column positions are computed only for failing files;
* with many epics, two worker processes split them (results keep epic order).

Exit codes: 0 valid (warnings allowed), 1 problems found, 2 usage error.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from guardians.errors import InputError, UsageError
from guardians.protocol.jsonpath import json_path
from guardians.protocol.validator import alternative_keys
from guardians.store.layout import EPIC_RE, GUARDIANS, UPSTREAM, is_message_name

if TYPE_CHECKING:
    from guardians.store.chain import ChainVerifier

FORMATS = ("text", "json", "github", "junit", "sarif")

# code -> (short title, what to do about it); rendered in docs/validate.md and SARIF rules.
CODES: dict[str, tuple[str, str]] = {
    "VAL001": ("schema violation", "Change the value at the JSON path so it satisfies the schema keyword."),
    "VAL002": (
        "unreadable file",
        "Rewrite the file as one valid UTF-8 JSON/YAML document (no anchors, tags, "
        "duplicate keys), a regular file (not a symlink) under the size limit.",
    ),
    "VAL003": (
        "unknown file kind",
        "Name the file after its role (plan.json, veto_*.yaml...) or move it out of the consensus folder.",
    ),
    "VAL101": (
        "hash chain broken",
        "A log line was edited, removed or reordered; restore the log from git, never edit it by hand.",
    ),
    "VAL102": ("seq gap", "A log line is missing or duplicated; restore the log from git."),
    "VAL103": (
        "iteration went backwards",
        "Each agent's log entries must carry non-decreasing iterations; "
        "restore the log, or resend the handoff with the current iteration.",
    ),
    "VAL104": (
        "torn log tail",
        "The last log line has no newline (interrupted write); run `guardians run` to repair it.",
    ),
    "VAL105": ("log entry for another epic", "Move the entry's decision to the log of the epic it names."),
    "VAL111": (
        "veto without log entry",
        "Every veto must be written by a guardian: delete the hand-made veto or restore the log entry that wrote it.",
    ),
    "VAL112": (
        "logged output missing",
        "Restore the file from git (or rerun the guardian): the log says it was written.",
    ),
    "VAL113": (
        "logged output changed",
        "The file differs from what the guardian wrote; restore it from git instead of editing guardian outputs.",
    ),
    "VAL121": (
        "operational without approvals",
        "An epic is operational only after migration, deploy, backup "
        "and process approved, in that order; rerun the pipeline.",
    ),
    "VAL131": (
        "unknown file in inbox",
        "Inboxes hold only *.yaml|*.yml|*.json messages and the processed/, "
        "rejected/, waiting/ folders; rename or remove the file.",
    ),
    "VAL132": (
        "message to a missing inbox",
        "Set `to` to an existing inbox (migration, deploy, backup, process, quality, developer, architect, tech-lead).",
    ),
    "VAL133": (
        "message in the wrong inbox",
        "Deliver the message to the inbox named in `to` (use `guardians send`), or fix `to`.",
    ),
    "VAL134": ("message for another epic", "Deliver the message to the epic named in `epic_id`, or fix it."),
    "VAL135": ("artifact for another epic", "Set `epic_id` to the epic whose folder holds the file, or move the file."),
    "VAL141": (
        "migration file missing",
        "Add the migration file listed in implementation.json `migrations` "
        "(relative to the repository root or consensus/artifacts/), or remove the entry.",
    ),
    "VAL151": ("interrupted commit", "An interrupted commit; run `guardians run` to finish it."),
}

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
INTERNAL = (".guardians.lock", ".guardians.journal.json", "decision_log.jsonl.lock", "quarantine")
KNOWN_AGENTS = GUARDIANS + UPSTREAM
MAX_LINE = 1 << 20
MAX_SCHEMA_PROBLEMS = 100
PARALLEL_MIN_EPICS = 64
PROGRESS_MIN_FILES = 300
_KEYED_NAME = re.compile(r"^(.*)\.[0-9a-f]{12}(\.(?:ya?ml|json))$")


# --- results ----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem: where (file, JSON path, line, column), what, and how to fix it."""

    file: str
    code: str
    message: str
    fix: str
    json_path: str = "$"
    line: int | None = None
    column: int | None = None
    keyword: str = ""
    severity: str = "error"  # error | warning

    @property
    def rule(self) -> str:
        """The schema keyword or cross-file rule that failed."""
        return self.keyword or self.title

    @property
    def title(self) -> str:
        """Short title of the code, with the schema keyword for VAL001."""
        title = CODES.get(self.code, (self.code, ""))[0]
        return f"{title}: {self.keyword}" if self.code == "VAL001" and self.keyword else title


@dataclass
class EpicReport:
    """Everything found in one epic (or in a group of loose files)."""

    name: str
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    log_lines: int = 0


@dataclass
class Summary:
    files: int = 0
    log_lines: int = 0
    errors: int = 0
    warnings: int = 0
    epics: int = 0
    files_with_problems: int = 0

    def add(self, report: EpicReport) -> None:
        self.epics += 1 if report.name.startswith("epic_") else 0
        self.files += len(report.files)
        self.log_lines += report.log_lines
        self.errors += sum(1 for p in report.problems if p.severity == "error")
        self.warnings += sum(1 for p in report.problems if p.severity != "error")
        self.files_with_problems += len({p.file for p in report.problems})


# --- one document -----------------------------------------------------------------


@dataclass
class Doc:
    """A file being checked: display name, bytes, kind (json|yaml)."""

    display: str
    data: bytes
    kind: str
    line_offset: int = 0  # for log lines: the line number in the file, minus one
    _text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.data.decode("utf-8", "replace")
        return self._text

    def where(self, json_path: str | list[Any]) -> tuple[int | None, int | None]:
        from guardians.store.sourcemap import position

        pos = position(self.text, self.kind, json_path)
        if pos is None:
            return (self.line_offset + 1 if self.line_offset else None), None
        return pos[0] + self.line_offset, pos[1]


def parse(doc: Doc) -> tuple[Any, Problem | None]:
    """Parse with the hardened loaders' rules; JSON takes a faster path when it can."""
    from guardians.store.loaders import load_document

    if doc.kind == "json" and b"\\u" not in doc.data:  # escapes may hide lone surrogates: slow path
        value = _fast_json(doc.data)
        if value is not _SLOW:
            return value, None
    try:
        return load_document(doc.data, "document.yaml" if doc.kind == "yaml" else "document.json"), None
    except InputError as exc:
        return None, input_problem(exc, doc.display, doc.line_offset)


_SLOW = object()
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_MAX_INT = 2**63
_DEPTH_SAFE = 64  # fewer brackets than the depth limit: the nesting check cannot fail


class _Reject(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Reject("duplicate key")
    return out


def _int(text: str) -> int:
    value = int(text)
    if len(text) > 18 and abs(value) > _MAX_INT:
        raise _Reject("integer out of range")
    return value


def _float(text: str) -> float:
    value = float(text)
    if value - value != 0:  # inf
        raise _Reject("float out of range")
    return value


def _constant(text: str) -> Any:
    raise _Reject(text)


def _fast_json(data: bytes) -> Any:
    """Same acceptance as ``loaders.load_json_text`` for ordinary documents,
    without walking the tree twice; anything unusual goes the slow way
    (which also words the error)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _SLOW
    if "\x00" in text or text.count("{") + text.count("[") > _DEPTH_SAFE:
        return _SLOW
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        return _SLOW  # may decode to a lone surrogate, which the loader refuses
    try:
        return json.loads(
            text.removeprefix("\ufeff"),
            object_pairs_hook=_pairs,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
        )
    except (ValueError, RecursionError):
        return _SLOW


def input_problem(exc: InputError, display: str, line_offset: int = 0) -> Problem:
    loc = exc.location
    line = loc.line + line_offset if loc.line is not None else (line_offset + 1 if line_offset else None)
    return Problem(
        display,
        "VAL002",
        exc.message,
        CODES["VAL002"][1],
        json_path=loc.json_path,
        line=line,
        column=loc.column,
        keyword="parse",
    )


def schema_problems(doc: Doc, value: Any, schema_name: str, prefix: list[Any] | None = None) -> list[Problem]:
    """Problems of ``value`` against ``schema_name`` ([] when valid)."""
    from guardians.protocol.validator import refine, schema_errors

    errors = schema_errors(schema_name, value, limit=MAX_SCHEMA_PROBLEMS)
    if errors is None:
        return []
    base = list(prefix or [])
    if not errors:  # the two engines disagree: never pass silently
        line, col = doc.where(base)
        return [
            Problem(
                doc.display,
                "VAL001",
                "does not match the schema",
                _schema_fix(schema_name, "schema", ""),
                json_path(base),
                line,
                col,
                "schema",
            )
        ]
    out = []
    for error in errors:
        parts, message = refine(error)
        parts = base + parts
        line, col = doc.where(parts)
        keyword = str(error.validator)
        out.append(
            Problem(
                doc.display,
                "VAL001",
                message,
                _schema_fix(schema_name, keyword, json_path(parts), error),
                json_path(parts),
                line,
                col,
                keyword,
            )
        )
    return out


def _schema_fix(schema_name: str, keyword: str, path: str, error: Any = None) -> str:
    see = f"see `guardians schema show {schema_name}`"
    value = getattr(error, "validator_value", None)
    if keyword == "required":
        return f"add the missing property {path}; {see}"
    if keyword == "additionalProperties":
        return f"remove the property at {path} or correct its spelling; {see}"
    if keyword == "enum":
        return f"use one of {', '.join(map(repr, value or []))} at {path}"
    if keyword == "type":
        kind = value if isinstance(value, str) else " or ".join(value or [])
        return f"make {path} {'an' if kind.startswith(tuple('aeiou')) else 'a'} {kind}; {see}"
    if keyword == "pattern":
        return f"make {path} match the pattern {value}"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"keep {path} within the {keyword} of {value}"
    if keyword in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"):
        return f"change the size of {path} ({keyword} {value})"
    if keyword == "format":
        return f"write a real UTC time at {path} as YYYY_MM_DD_HH_MM_SS (e.g. 2026_11_24_14_30_00)"
    if keyword == "const":
        return f"set {path} to {value!r}"
    if keyword == "anyOf" and (keys := alternative_keys(value)):
        return f"add {' or '.join(map(repr, keys))} at {path}; {see}"
    return f"fix {path} so it satisfies '{keyword}'; {see}"


def read_file(path: Path, display: str) -> tuple[bytes | None, Problem | None]:
    from guardians.store.loaders import read_bounded

    try:
        return read_bounded(path, display=display), None
    except InputError as exc:
        return None, input_problem(exc, display)


def kind_of(name: str) -> str:
    return "yaml" if name.endswith((".yaml", ".yml")) else "json"


# --- one epic ---------------------------------------------------------------------


@dataclass
class LogIndex:
    """What the cross-file checks need from the log (paths relative to the root)."""

    last_output: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (sha256, log line)
    all_outputs: set[str] = field(default_factory=set)
    invalid_message_keys: set[str] = field(default_factory=set)


class EpicChecker:
    """Checks one epic; ``display`` maps a root-relative path to what the user sees."""

    def __init__(self, root: Path, epic_id: str, display: Callable[[str], str]) -> None:
        self.root = root
        self.epic_id = epic_id
        self.display = display
        self.base = f"docs/specs/{epic_id}"
        self.consensus = root / self.base / "consensus"
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
        if (self.consensus / ".guardians.journal.json").exists():
            self.add(
                Problem(
                    self.display(self.rel(".guardians.journal.json")),
                    "VAL151",
                    "a commit was interrupted and not finished",
                    CODES["VAL151"][1],
                    keyword="journal",
                    severity="warning",
                )
            )
        log = self.consensus / "decision_log.jsonl"
        if log.exists() or log.is_symlink():
            self.report.files.append(self.display(self.rel("decision_log.jsonl")))
            check_log(log, self.display(self.rel("decision_log.jsonl")), self.epic_id, self.report, self.index)
        self.check_artifacts()
        self.check_checkpoints()
        self.check_inboxes()
        self.check_outputs()
        self.check_migrations()
        return self.report

    # artifacts and checkpoints

    def check_artifacts(self) -> None:
        for entry in _scan(self.consensus / "artifacts"):
            schema_name = ARTIFACT_SCHEMAS.get(entry.name)
            rel = self.rel("artifacts", entry.name)
            if schema_name is None:
                continue
            value = self.check_file(Path(entry.path), rel, schema_name)
            if entry.name == "implementation.json" and isinstance(value, dict):
                migrations = value.get("migrations")
                if isinstance(migrations, list):
                    self.migrations = [(m, i) for i, m in enumerate(migrations) if isinstance(m, str)]

    def check_checkpoints(self) -> None:
        for entry in _scan(self.consensus / "checkpoints"):
            if entry.name.endswith(".json"):
                self.check_file(Path(entry.path), self.rel("checkpoints", entry.name), "checkpoint")

    def check_file(self, path: Path, rel: str, schema_name: str) -> Any:
        display = self.display(rel)
        self.report.files.append(display)
        data, problem = read_file(path, display)
        if data is None:
            self.add(problem)  # type: ignore[arg-type]
            return None
        self._remember(rel, data)
        doc = Doc(display, data, kind_of(path.name))
        value, problem = parse(doc)
        if problem is not None:
            self.add(problem)
            return None
        problems = schema_problems(doc, value, schema_name)
        if not problems and isinstance(value, dict) and value.get("epic_id") not in (None, self.epic_id):
            line, col = doc.where(["epic_id"])
            message = f"epic_id is {value.get('epic_id')!r} but the file is in {self.epic_id}"
            problems = [Problem(display, "VAL135", message, CODES["VAL135"][1], "$.epic_id", line, col, "epic-match")]
        self.report.problems.extend(problems)
        return None if problems else value

    def _remember(self, rel: str, data: bytes) -> None:
        if rel in self.index.last_output:
            import hashlib

            self.seen.setdefault(rel, set()).add(hashlib.sha256(data).hexdigest())

    # inboxes

    def check_inboxes(self) -> None:
        inbox_root = self.consensus / "messages" / "inbox"
        entries = list(_scan(inbox_root))
        self.inboxes = {e.name for e in entries if _is_dir(e)}
        for entry in entries:
            if not _is_dir(entry):
                self._unknown(self.rel("messages", "inbox", entry.name), "not an inbox folder")
                continue
            for item in _scan(Path(entry.path)):
                rel = self.rel("messages", "inbox", entry.name, item.name)
                if _is_dir(item):
                    if item.name in INBOX_SUBDIRS:
                        self._check_subdir(Path(item.path), entry.name, item.name)
                    elif item.name not in IGNORED_INBOX_ENTRIES:
                        self._unknown(rel, "unknown folder in an inbox")
                elif is_message_name(item.name):
                    self.check_message(Path(item.path), entry.name, None)
                elif item.name not in IGNORED_INBOX_ENTRIES:
                    self._unknown(rel, "not a message file name")

    def _check_subdir(self, folder: Path, agent: str, sub: str) -> None:
        for item in _scan(folder):
            rel = self.rel("messages", "inbox", agent, sub, item.name)
            if sub == "rejected" and item.name.endswith(".reason") and not _is_dir(item):
                continue
            if _is_dir(item) or not is_message_name(item.name):
                self._unknown(rel, f"not a message file in {sub}/")
            elif sub == "rejected":
                self.report.files.append(self.display(rel))  # known-bad messages: kept as evidence
            else:
                self.check_message(Path(item.path), agent, sub)

    def _unknown(self, rel: str, why: str) -> None:
        self.add(
            Problem(
                self.display(rel),
                "VAL131",
                f"unknown file in an inbox: {why}",
                CODES["VAL131"][1],
                keyword="inbox-layout",
            )
        )

    def check_message(self, path: Path, agent: str, sub: str | None) -> None:
        name = path.name
        rel = self.rel("messages", "inbox", agent, *([sub] if sub else []), name)
        original = self.rel("messages", "inbox", agent, _original_name(name))
        display = self.display(rel)
        self.report.files.append(display)
        if self.cross_file and name.startswith("veto_") and original not in self.index.all_outputs:
            self.add(
                Problem(
                    display,
                    "VAL111",
                    "veto file has no decision log entry listing it in `outputs`",
                    CODES["VAL111"][1],
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
        if problem is None:
            problems = schema_problems(doc, value, message_schema(name, value))
            if not problems and isinstance(value, dict):
                problems = self._message_rules(doc, value, agent)
            if not problems and sub is None and agent in GUARDIANS:
                problems = self._admission(doc, path, agent, rel, data)
        if problems and sub == "processed" and self._vetoed_as_invalid(agent, name, data):
            return  # a guardian already vetoed this message as invalid
        self.report.problems.extend(problems)

    def _message_rules(self, doc: Doc, msg: dict[str, Any], agent: str) -> list[Problem]:
        out: list[Problem] = []
        if msg.get("type") == "approval" and isinstance(msg.get("content"), dict):
            out.extend(schema_problems(doc, msg["content"], "approval", ["content"]))
        to = msg.get("to")
        if isinstance(to, str) and to not in self.inboxes:
            line, col = doc.where(["to"])
            out.append(
                Problem(
                    doc.display,
                    "VAL132",
                    f"message is addressed to {to!r}, which has no inbox in {self.epic_id}",
                    CODES["VAL132"][1],
                    "$.to",
                    line,
                    col,
                    "inbox-exists",
                )
            )
        elif isinstance(to, str) and to != agent:
            line, col = doc.where(["to"])
            out.append(
                Problem(
                    doc.display,
                    "VAL133",
                    f"message is addressed to {to!r} but sits in the {agent!r} inbox",
                    CODES["VAL133"][1],
                    "$.to",
                    line,
                    col,
                    "inbox-match",
                )
            )
        if msg.get("epic_id") not in (None, self.epic_id):
            line, col = doc.where(["epic_id"])
            out.append(
                Problem(
                    doc.display,
                    "VAL134",
                    f"message is for {msg.get('epic_id')} but sits in {self.epic_id}",
                    CODES["VAL134"][1],
                    "$.epic_id",
                    line,
                    col,
                    "epic-match",
                )
            )
        return out

    def _admission(self, doc: Doc, path: Path, agent: str, rel: str, data: bytes) -> list[Problem]:
        """A message still waiting in a guardian inbox: what would the guardian say? (the one admission check)"""
        from guardians.engine.admission import admit
        from guardians.errors import GuardianError
        from guardians.store.decision_log import DecisionLog
        from guardians.store.layout import Epic

        epic = Epic.at(self.root, self.epic_id)
        try:
            log = DecisionLog.open(epic.log_path, self.epic_id)
            admission = admit(epic, agent, rel, data, log)
        except GuardianError:
            return []  # an unreadable log is reported by the log checks
        out = []
        for f in admission.findings:
            here = f.file == rel
            line, col = doc.where(_path_parts(f.json_path)) if here and f.json_path else (f.line, f.column)
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
                    Problem(
                        log_display,
                        "VAL112",
                        f"output {path} recorded in the log does not exist",
                        CODES["VAL112"][1],
                        _outputs_path(path),
                        line,
                        None,
                        "output-exists",
                    )
                )
            elif sha not in shas:
                self.add(
                    Problem(
                        self.display(path),
                        "VAL113",
                        f"sha256 differs from the one recorded on line {line} of the decision log ({sha[:12]}...)",
                        CODES["VAL113"][1],
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
                    Problem(
                        impl,
                        "VAL141",
                        f"migration file {ref!r} does not exist",
                        CODES["VAL141"][1],
                        f"$.migrations[{index}]",
                        None,
                        None,
                        "migration-exists",
                    )
                )


def _path_parts(json_path: str) -> list[Any]:
    """``$.content.origin`` -> ["content", "origin"]; indexes as ints."""
    parts: list[Any] = []
    for token in re.findall(r"\.([^.\[]+)|\[(\d+)\]", json_path):
        parts.append(token[0] if token[0] else int(token[1]))
    return parts


def _outputs_path(path: str) -> str:
    return f"$.outputs[{path!r}]"


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


def _scan(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


# --- the decision log -------------------------------------------------------------


def _log_lines(path: Path) -> Iterator[bytes]:
    """Lines of the log, each capped at MAX_LINE (+1 byte to detect overlong lines)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        while True:
            raw = fh.readline(MAX_LINE + 1)
            if not raw:
                return
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the overlong line
                    raw = fh.readline(MAX_LINE)
                yield b""
                continue
            yield raw


def check_log(path: Path, display: str, epic_id: str, report: EpicReport, index: LogIndex) -> None:
    """Stream the log: schema, seq, hash chain, iterations, operational order; fill ``index``."""
    from guardians.store.chain import ChainVerifier

    state = _LogState(ChainVerifier(epic_id))
    try:
        for lineno, raw in enumerate(_log_lines(path), 1):
            report.log_lines += 1
            if not _check_log_line(raw, lineno, display, epic_id, report, index, state):
                break
    except OSError as exc:
        reason = "is a symbolic link (refused)" if exc.errno == 40 else (exc.strerror or str(exc))
        report.problems.append(
            Problem(display, "VAL002", f"cannot read the decision log: {reason}", CODES["VAL002"][1], keyword="read")
        )


@dataclass
class _LogState:
    chain: ChainVerifier
    iterations: dict[str, int] = field(default_factory=dict)
    approvals: list[tuple[str, int]] = field(default_factory=list)


def _check_log_line(
    raw: bytes, lineno: int, display: str, epic_id: str, report: EpicReport, index: LogIndex, state: _LogState
) -> bool:
    add = report.problems.append
    if not raw:
        add(
            Problem(
                display,
                "VAL002",
                f"line is longer than {MAX_LINE} bytes",
                CODES["VAL002"][1],
                line=lineno,
                keyword="line-length",
            )
        )
        state.chain.skip("line too long")
        return True
    if not raw.endswith(b"\n"):
        add(
            Problem(
                display,
                "VAL104",
                "last line has no newline: a write was interrupted",
                CODES["VAL104"][1],
                line=lineno,
                keyword="torn-tail",
            )
        )
        return False
    doc = Doc(display, raw, "json", line_offset=lineno - 1)
    entry, problem = parse(doc)
    if problem is not None or not isinstance(entry, dict):
        add(
            problem
            or Problem(
                display,
                "VAL002",
                "log line is not a JSON object",
                CODES["VAL002"][1],
                line=lineno,
                column=1,
                keyword="type",
            )
        )
        state.chain.skip("not an entry")
        return True
    report.problems.extend(schema_problems(doc, entry, "decision_log_entry"))
    _chain(doc, entry, epic_id, report, state)
    _index_entry(doc, entry, lineno, report, index, state)
    return True


_CHAIN_CODES = {"seq": "VAL102", "prev_hash": "VAL101", "hash": "VAL101"}


def _chain(doc: Doc, entry: dict[str, Any], epic_id: str, report: EpicReport, state: _LogState) -> None:
    add = report.problems.append
    for brk in state.chain.check(entry):
        code = _CHAIN_CODES[brk.field]
        line, col = doc.where([brk.field])
        add(Problem(doc.display, code, brk.reason, CODES[code][1], f"$.{brk.field}", line, col, brk.field))
    if entry.get("epic_id") != epic_id:
        line, col = doc.where(["epic_id"])
        add(
            Problem(
                doc.display,
                "VAL105",
                f"entry is for {entry.get('epic_id')!r}, not {epic_id}",
                CODES["VAL105"][1],
                "$.epic_id",
                line,
                col,
                "epic-match",
            )
        )


def _index_entry(
    doc: Doc, entry: dict[str, Any], lineno: int, report: EpicReport, index: LogIndex, state: _LogState
) -> None:
    add = report.problems.append
    iteration = entry.get("iteration")
    decision = entry.get("decision")
    agent = entry.get("agent")
    if isinstance(iteration, int) and isinstance(agent, str) and decision != "reject":
        # Per agent: several queued iterations may be decided guardian by guardian.
        before = state.iterations.get(agent, 0)
        if iteration < before:
            line, col = doc.where(["iteration"])
            add(
                Problem(
                    doc.display,
                    "VAL103",
                    f"iteration {iteration} is lower than {before} in an earlier {agent} entry",
                    CODES["VAL103"][1],
                    "$.iteration",
                    line,
                    col,
                    "iteration-order",
                )
            )
        state.iterations[agent] = max(before, iteration)
    outputs = entry.get("outputs")
    if isinstance(outputs, dict):
        for path, sha in outputs.items():
            if isinstance(sha, str):
                index.last_output[path] = (sha, lineno)
                index.all_outputs.add(path)
    details = entry.get("details")
    key = entry.get("message_key")
    if isinstance(details, dict) and details.get("subject") == "invalid_message" and isinstance(key, str):
        index.invalid_message_keys.add(key)
    if decision == "approve" and isinstance(agent, str) and isinstance(iteration, int):
        state.approvals.append((agent, iteration))
    elif decision == "operational":
        missing = missing_approvals(state.approvals, iteration)
        if missing:
            line, col = doc.where(["decision"])
            add(
                Problem(
                    doc.display,
                    "VAL121",
                    f"operational at iteration {iteration} without approvals from "
                    f"{', '.join(missing)} (needed in order: {', '.join(GUARDIANS)})",
                    CODES["VAL121"][1],
                    "$.decision",
                    line,
                    col,
                    "operational-order",
                )
            )


def missing_approvals(approvals: list[tuple[str, int]], iteration: Any) -> list[str]:
    """Guardians whose approve is missing, in order, for ``iteration``."""
    got = 0
    for agent, it in approvals:
        if it == iteration and got < len(GUARDIANS) and agent == GUARDIANS[got]:
            got += 1
    return list(GUARDIANS[got:])


# --- single files -------------------------------------------------------------------


def _epic_of(path: Path) -> tuple[Path, str] | None:
    """(repository root, epic id) when ``path`` lies under docs/specs/epic_<N>/."""
    for parent in [path, *path.parents]:
        if EPIC_RE.fullmatch(parent.name) and parent.parent.name == "specs" and parent.parent.parent.name == "docs":
            return parent.parent.parent.parent, parent.name
    return None


def check_single(path: Path, display: str, report: EpicReport) -> None:
    """Schema (and in-file) checks of one file named on the command line."""
    name = path.name
    located = _epic_of(path)
    parts = path.parts
    if name == "decision_log.jsonl":
        report.files.append(display)
        epic_id = located[1] if located else _epic_from_log(path)
        check_log(path, display, epic_id, report, LogIndex())
        return
    schema_name: str | None = ARTIFACT_SCHEMAS.get(name)
    if "checkpoints" in parts and name.endswith(".json"):
        schema_name = "checkpoint"
    in_inbox = "inbox" in parts and is_message_name(name)
    if in_inbox or name.startswith(("veto_", "escalation_", "handoff_")):
        schema_name = "message"
    if schema_name is None:
        report.files.append(display)
        report.problems.append(
            Problem(display, "VAL003", "no schema is known for this file name", CODES["VAL003"][1], keyword="file-kind")
        )
        return
    if located is not None and in_inbox:
        root, epic_id = located
        checker = EpicChecker(root, epic_id, lambda rel: display)
        checker.cross_file = False
        checker.inboxes = {e.name for e in _scan(checker.consensus / "messages" / "inbox") if _is_dir(e)}
        inbox_parts = parts[parts.index("inbox") + 1 :]
        sub = inbox_parts[1] if len(inbox_parts) == 3 else None
        checker.check_message(path, inbox_parts[0], sub)
        report.files.extend(checker.report.files)
        report.problems.extend(checker.report.problems)
        return
    report.files.append(display)
    data, problem = read_file(path, display)
    if data is None:
        report.problems.append(problem)  # type: ignore[arg-type]
        return
    doc = Doc(display, data, kind_of(name))
    value, problem = parse(doc)
    if problem is not None:
        report.problems.append(problem)
        return
    if schema_name == "message":
        schema_name = message_schema(name, value)
    report.problems.extend(schema_problems(doc, value, schema_name))


def _epic_from_log(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            first = json.loads(fh.readline(MAX_LINE))
        return str(first["epic_id"]) if isinstance(first, dict) and EPIC_RE.fullmatch(str(first.get("epic_id"))) else ""
    except (OSError, ValueError, KeyError, RecursionError):
        return ""


# --- driving ------------------------------------------------------------------------


def _displayer(root: Path) -> Callable[[str], str]:
    """Paths shown relative to the current directory when the root is inside it."""
    try:
        prefix = root.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        prefix = root.as_posix()
    if prefix in ("", "."):
        return _identity
    return partial(_join, prefix)


def _identity(rel: str) -> str:
    return rel


def _join(prefix: str, rel: str) -> str:
    return f"{prefix}/{rel}"


def check_epic(root: Path, epic_id: str) -> EpicReport:
    return EpicChecker(root, epic_id, _displayer(root)).run()


def discover(root: Path) -> list[str]:
    base = root / "docs" / "specs"
    try:
        names = [e.name for e in os.scandir(base) if EPIC_RE.fullmatch(e.name) and _is_dir(e)]
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(names, key=lambda n: int(n.split("_")[1]))


def iter_epics(root: Path, epic_ids: list[str], jobs: int) -> Iterator[EpicReport]:
    if jobs > 1 and len(epic_ids) >= PARALLEL_MIN_EPICS:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from guardians.protocol.validator import warm_up

        warm_up()
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            yield from pool.map(partial(check_epic, root), epic_ids, chunksize=8)
        return
    for epic_id in epic_ids:
        yield check_epic(root, epic_id)


@dataclass
class Plan:
    """What to check: whole epics (by root) and loose files."""

    epics: list[tuple[Path, str]] = field(default_factory=list)
    files: list[tuple[Path, str]] = field(default_factory=list)


def plan_paths(root: Path | None, paths: list[Path]) -> Plan:
    plan = Plan()
    if not paths:
        base = root if root is not None else Path(".")
        if not base.is_dir():
            raise UsageError(f"root {base} is not a directory")
        if not (base / "docs" / "specs").is_dir():
            raise UsageError(f"no docs/specs/ folder under {base}: is --root the repository root?")
        plan.epics = [(base, e) for e in discover(base)]
        return plan
    if root is not None:
        raise UsageError("give either --root or PATHs, not both")
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"path {path} does not exist")
        if path.is_dir() and not path.is_symlink():
            plan.epics.extend(_epics_in_dir(path))
        else:
            plan.files.append((path, path.as_posix()))
    return plan


def _epics_in_dir(path: Path) -> list[tuple[Path, str]]:
    resolved = path.resolve()
    if (resolved / "docs" / "specs").is_dir():
        return [(path, e) for e in discover(path)]
    for candidate in (resolved, resolved.parent):
        located = _epic_of(candidate)
        if located is not None and candidate.name == located[1]:
            root, epic_id = located
            return [(_relative_root(root), epic_id)]
    raise UsageError(f"{path} is neither an epic folder (docs/specs/epic_<N>/) nor a repository root")


def _relative_root(root: Path) -> Path:
    try:
        return root.relative_to(Path.cwd().resolve()) if root.is_absolute() else root
    except ValueError:
        return root


def _progress(total_epics: int) -> Any:
    err = sys.stderr
    if os.environ.get("CI") or not err.isatty() or total_epics < 2:
        return None
    return _Progress(total_epics)


class _Progress:
    """A click progress bar on stderr, started once enough files were checked."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.files = 0
        self.bar: Any = None

    def update(self, files: int) -> None:
        self.done += 1
        self.files += files
        if self.bar is None and self.files > PROGRESS_MIN_FILES:
            import click

            self.bar = click.progressbar(length=self.total, label="validating", file=sys.stderr)
            self.bar.__enter__()
            self.bar.update(self.done)
        elif self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def validate_command(
    root: Path | None,
    paths: list[Path],
    fmt: str,
    out: IO[str],
    *,
    err: IO[str] | None = None,
    color: bool | None = None,
    jobs: int | None = None,
) -> int:
    """Run the checks and report; returns the exit code (0 valid, 1 problems, 2 usage)."""
    err = err or sys.stderr
    if fmt not in FORMATS:
        err.write(f"Error: unknown format {fmt!r}; use one of {', '.join(FORMATS)}\n")
        return 2
    try:
        plan = plan_paths(root, paths)
    except UsageError as exc:
        err.write(f"Error: {exc}\n")
        return 2
    from guardians.validate.reporters import make_reporter

    reporter = make_reporter(fmt, out, color=color)
    summary = Summary()
    workers = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    progress = _progress(len(plan.epics))
    try:
        for report in _reports(plan, workers):
            summary.add(report)
            reporter.epic(report)
            if progress is not None:
                progress.update(len(report.files))
    finally:
        if progress is not None:
            progress.close()
    reporter.finish(summary)
    return 1 if summary.errors else 0


def _reports(plan: Plan, jobs: int) -> Iterator[EpicReport]:
    by_root: dict[Path, list[str]] = {}
    for root, epic_id in plan.epics:
        ids = by_root.setdefault(root, [])
        if epic_id not in ids:
            ids.append(epic_id)
    for root, ids in by_root.items():
        yield from iter_epics(root, ids, jobs)
    if plan.files:
        report = EpicReport("files")
        for path, display in plan.files:
            check_single(path, display, report)
        yield report
