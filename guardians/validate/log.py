"""The decision log under ``validate``: streamed line by line, each line checked
against its schema, the hash chain (the one verifier in
:mod:`guardians.store.chain`), per-agent iteration order and the order of
approvals before ``operational``. What the cross-file checks need is kept in
a :class:`LogIndex`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guardians.store.layout import GUARDIANS
from guardians.validate.codes import (
    HashChainBroken,
    IterationBackwards,
    LogEntryForAnotherEpic,
    OperationalWithoutApprovals,
    SeqGap,
    TornLogTail,
    UnreadableFile,
    ValRule,
)
from guardians.validate.document import Doc, parse, schema_problems
from guardians.validate.result import EpicReport, Problem

if TYPE_CHECKING:
    from guardians.store.chain import ChainVerifier

MAX_LINE = 1 << 20


@dataclass
class LogIndex:
    """What the cross-file checks need from the log (paths relative to the root)."""

    last_output: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (sha256, log line)
    all_outputs: set[str] = field(default_factory=set)
    invalid_message_keys: set[str] = field(default_factory=set)


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
    from guardians.trust.anchor import active

    state = _LogState(ChainVerifier(epic_id, active().anchor))
    held = _Held()
    try:
        for lineno, raw in enumerate(_log_lines(path), 1):
            report.log_lines += 1
            if held.take(raw, lineno, display, report, state):
                continue
            if not _check_log_line(raw, lineno, display, epic_id, report, index, state):
                break
        held.flush(display, report, state)
    except OSError as exc:
        reason = "is a symbolic link (refused)" if exc.errno == 40 else (exc.strerror or str(exc))
        report.problems.append(
            Problem.of(UnreadableFile, display, f"cannot read the decision log: {reason}", keyword="read")
        )


MAX_SPAN = 200  # lines a pretty-printed object may span before we stop collecting it
JSONL_FIX = (
    "Write each entry as one compact JSON object on its own line; `guardians adopt EPIC` keeps a legacy log "
    "under consensus/legacy/ and starts a clean one."
)


@dataclass
class _Held:
    """Lines that do not parse alone: a blank line, or a pretty-printed object spread over lines.

    JSON Lines holds one compact object per line; each such block is one
    problem that says so, not one "invalid JSON" per line.
    """

    lines: list[bytes] = field(default_factory=list)
    start: int = 0

    def take(self, raw: bytes, lineno: int, display: str, report: EpicReport, state: _LogState) -> bool:
        """True when ``raw`` was consumed here (blank, or part of a multi-line object)."""
        if not raw.endswith(b"\n"):
            self.flush(display, report, state)
            return False
        if not self.lines:
            if not raw.strip():
                _jsonl_problem(display, lineno, lineno, "is blank", report, state)
                return True
            stripped = raw.strip()
            if not (stripped.startswith(b"{") and not stripped.endswith(b"}")):
                return False  # one line: the line checks report it
            self.start = lineno
        self.lines.append(raw)
        if _parses(b"".join(self.lines)):
            end = self.start + len(self.lines) - 1
            _jsonl_problem(display, self.start, end, "hold one pretty-printed JSON object", report, state)
            self.lines = []
        elif len(self.lines) >= MAX_SPAN:
            self.flush(display, report, state)
        return True

    def flush(self, display: str, report: EpicReport, state: _LogState) -> None:
        if self.lines:
            end = self.start + len(self.lines) - 1
            _jsonl_problem(display, self.start, end, "are not a complete JSON object", report, state)
            self.lines = []


def _parses(data: bytes) -> bool:
    import json

    try:
        return isinstance(json.loads(data), dict)
    except (ValueError, RecursionError):
        return False


def _jsonl_problem(display: str, start: int, end: int, what: str, report: EpicReport, state: _LogState) -> None:
    where = (
        f"line {start} {what.replace('hold', 'holds').replace('are ', 'is ')}"
        if start == end
        else f"lines {start}-{end} {what}"
    )
    report.problems.append(
        Problem(
            display,
            "VAL002",
            f"{where}: a JSON Lines log holds one object per line, written compactly, with no blank lines",
            JSONL_FIX,
            line=start,
            column=1,
            keyword="jsonl",
        )
    )
    state.chain.skip("not one object per line")


@dataclass
class _LogState:
    chain: ChainVerifier
    iterations: dict[str, int] = field(default_factory=dict)
    # iteration -> how many guardians approved it so far, in pipeline order. Kept
    # as a count so each entry costs O(1): rescanning earlier approvals for every
    # operational entry made long logs quadratic.
    approved: dict[int, int] = field(default_factory=dict)

    def approve(self, agent: str, iteration: int) -> None:
        got = self.approved.get(iteration, 0)
        if got < len(GUARDIANS) and agent == GUARDIANS[got]:
            self.approved[iteration] = got + 1

    def missing_approvals(self, iteration: Any) -> list[str]:
        """Guardians whose approve is missing, in order, for ``iteration``."""
        try:
            got = self.approved.get(iteration, 0)
        except TypeError:  # an unhashable iteration (schema violation): nothing approved it
            got = 0
        return list(GUARDIANS[got:])


def _check_log_line(
    raw: bytes, lineno: int, display: str, epic_id: str, report: EpicReport, index: LogIndex, state: _LogState
) -> bool:
    add = report.problems.append
    if not raw:
        add(
            Problem.of(
                UnreadableFile,
                display,
                f"line is longer than {MAX_LINE} bytes",
                line=lineno,
                keyword="line-length",
            )
        )
        state.chain.skip("line too long")
        return True
    if not raw.endswith(b"\n"):
        add(
            Problem.of(
                TornLogTail,
                display,
                "last line has no newline: a write was interrupted",
                line=lineno,
                keyword="torn-tail",
            )
        )
        return False
    # Parsed without its newline: a parser error "at the end of the line" stays on this line.
    doc = Doc(display, raw.rstrip(b"\r\n"), "json", line_offset=lineno - 1)
    entry, problem = parse(doc)
    if problem is not None and not raw.lstrip().startswith((b"{", b"[")):
        problem = Problem(
            display,
            "VAL002",
            "line is not JSON: a JSON Lines log holds one JSON object per line",
            JSONL_FIX,
            line=lineno,
            column=1,
            keyword="jsonl",
        )
    elif problem is not None:
        problem = replace(problem, fix=JSONL_FIX)  # the fix for a log line, not for a document
    if problem is not None or not isinstance(entry, dict):
        add(
            problem
            or Problem.of(
                UnreadableFile,
                display,
                "log line is not a JSON object",
                line=lineno,
                column=1,
                keyword="type",
            )
        )
        state.chain.skip("not an entry")
        return True
    from guardians.store.chain import is_guardian_entry

    if not is_guardian_entry(entry):  # an agent's own protocol line: chained, never indexed
        report.problems.extend(_agent_line_problems(doc, entry))
        _chain(doc, entry, epic_id, report, state, raw)
        return True
    report.problems.extend(schema_problems(doc, entry, "decision_log_entry"))
    _chain(doc, entry, epic_id, report, state, raw)
    _index_entry(doc, entry, lineno, report, index, state)
    return True


_CHAIN_RULES: dict[str, type[ValRule]] = {"seq": SeqGap, "prev_hash": HashChainBroken, "hash": HashChainBroken}


def _chain(
    doc: Doc, entry: dict[str, Any], epic_id: str, report: EpicReport, state: _LogState, raw: bytes | None = None
) -> None:
    add = report.problems.append
    for brk in state.chain.check(entry, raw):
        rule = _CHAIN_RULES.get(brk.field, HashChainBroken)
        line, col = doc.where([brk.field])
        add(Problem.of(rule, doc.display, brk.reason, f"$.{brk.field}", line, col, brk.field))
    if entry.get("epic_id") != epic_id:
        line, col = doc.where(["epic_id"])
        add(
            Problem.of(
                LogEntryForAnotherEpic,
                doc.display,
                f"entry is for {entry.get('epic_id')!r}, not {epic_id}",
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
                Problem.of(
                    IterationBackwards,
                    doc.display,
                    f"iteration {iteration} is lower than {before} in an earlier {agent} entry",
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
        state.approve(agent, iteration)
    elif decision == "operational":
        missing = state.missing_approvals(iteration)
        if missing:
            line, col = doc.where(["decision"])
            add(
                Problem.of(
                    OperationalWithoutApprovals,
                    doc.display,
                    f"operational at iteration {iteration} without approvals from "
                    f"{', '.join(missing)} (needed in order: {', '.join(GUARDIANS)})",
                    "$.decision",
                    line,
                    col,
                    "operational-order",
                )
            )


AGENT_LINE_FIELDS = (
    "timestamp",
    "agent",
    "decision",
    "epic_id",
    "iteration",
    "source_document",
    "previous_artifacts",
    "details",
)


def _agent_line_problems(doc: Doc, entry: dict[str, Any]) -> list[Problem]:
    """An agent line carries no authority, but it must have the protocol's shape (`guardians record` writes it)."""
    from guardians.validate.codes import SchemaViolation

    missing = [name for name in AGENT_LINE_FIELDS if name not in entry]
    if not missing:
        return []
    line, col = doc.where([])
    message = (
        f"agent line has no {', '.join(repr(m) for m in missing)}: an agent line has the protocol's shape "
        f"({', '.join(AGENT_LINE_FIELDS)}); write it with `guardians record`"
    )
    return [Problem.of(SchemaViolation, doc.display, message, "$", line, col, "required")]
