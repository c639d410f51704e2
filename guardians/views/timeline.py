"""The decision timeline of ``guardians log [EPIC]``, and why each decision was taken.

The log is streamed line by line (``DecisionLog.entries``); nothing holds more
than one entry at a time except the mermaid output, which reads the log twice
(once to learn the participants, once to draw). Every agent-written string is
cleaned before it reaches a terminal (control characters), a Markdown table
(HTML and Markdown metacharacters) or a mermaid diagram (anything but a small
safe alphabet).

Formats:

* ``table``: aligned columns, one block per epic, findings on indented lines;
* ``json``: JSON Lines, one object per decision (see :meth:`Row.to_json`);
* ``markdown``: one GitHub table per epic;
* ``mermaid``: a ``sequenceDiagram`` of the epic's path through the guardians.
  With one epic the output is the bare diagram; with several it is Markdown
  with one fenced ``mermaid`` block per epic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from guardians.errors import UsageError
from guardians.protocol.stamps import StampError, parse_stamp
from guardians.store.layout import Epic, check_agent

DECISIONS: tuple[str, ...] = ("approve", "veto", "waiting", "escalate", "reject", "operational", "closed", "adopted")
FORMATS: tuple[str, ...] = ("table", "json", "markdown", "mermaid")
TABLE_TEXT_MAX = 240
FINDING_KEYS: tuple[str, ...] = (
    "code",
    "message",
    "severity",
    "blocking",
    "file",
    "line",
    "column",
    "json_path",
    "suggestion",
    "subject",
)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_DAY_RE = re.compile(r"[0-9]{4}_[0-9]{2}_[0-9]{2}")
_STAMP_RE = re.compile(r"[0-9]{4}_[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{2}")
_CODE_RE = re.compile(r"[A-Z]{3}[0-9]{3}")


# --- parsing and cleaning --------------------------------------------------------


def parse_since(text: str) -> datetime:
    """YYYY_MM_DD, YYYY_MM_DD_HH_MM_SS or ISO 8601; naive times are UTC."""
    value = text.strip()
    try:
        if _DAY_RE.fullmatch(value):
            return datetime.strptime(value, "%Y_%m_%d").replace(tzinfo=UTC)
        if _STAMP_RE.fullmatch(value):
            return parse_stamp(value)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"invalid --since {text!r}: expected YYYY_MM_DD, YYYY_MM_DD_HH_MM_SS or ISO 8601 "
            "(e.g. 2026-11-24T14:30:00Z)"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def stamp_time(value: Any) -> datetime | None:
    if isinstance(value, str) and _STAMP_RE.fullmatch(value):
        try:
            return parse_stamp(value)
        except StampError:
            return None
    return None


def plain(value: Any, limit: int | None = None) -> str:
    """One line of text without control or bidi characters, optionally shortened."""
    text = _CONTROL_RE.sub(" ", value if isinstance(value, str) else str(value))
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text


# --- the view of one entry ---------------------------------------------------------


@dataclass(frozen=True)
class FindingView:
    code: str
    message: str
    severity: str
    blocking: bool
    where: str
    raw: dict[str, Any]

    @classmethod
    def of(cls, item: Any) -> FindingView:
        data = item if isinstance(item, dict) else {"message": str(item)}
        where = ""
        if isinstance(data.get("file"), str):
            where = data["file"]
            if isinstance(data.get("line"), int):
                where += f":{data['line']}"
        if isinstance(data.get("json_path"), str) and data["json_path"] not in ("", "$"):
            where = f"{where} {data['json_path']}".strip()
        raw = {k: data[k] for k in FINDING_KEYS if k in data and _is_scalar(data[k])}
        return cls(
            code=str(data.get("code", "")),
            message=str(data.get("message", "")),
            severity=str(data.get("severity", "")),
            blocking=data.get("blocking") is True,
            where=where,
            raw=raw,
        )


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


@dataclass(frozen=True)
class Row:
    """What the timeline shows of one decision log entry."""

    epic_id: str
    seq: int
    timestamp: str
    agent: str
    decision: str
    iteration: int
    subject: str
    summary: str
    target: str
    findings: tuple[FindingView, ...]
    source_document: str
    hash: str
    risk: str
    approved_by: str = ""
    approval_reason: str = ""
    suppressed: tuple[tuple[str, str], ...] = ()  # (code, reason) accepted by an approval or inline
    closed_reason: str = ""

    @classmethod
    def of(cls, entry: dict[str, Any], epic_id: str) -> Row:
        details = entry.get("details")
        details = details if isinstance(details, dict) else {}
        findings = details.get("findings")
        target = details.get("vetoed_to") or details.get("handed_to") or ""
        return cls(
            epic_id=str(entry.get("epic_id") or epic_id),
            seq=_int(entry.get("seq")),
            timestamp=str(entry.get("timestamp", "")),
            agent=str(entry.get("agent", "")),
            decision=str(entry.get("decision", "")),
            iteration=_int(entry.get("iteration")),
            subject=str(details.get("subject") or ""),
            summary=str(details.get("summary") or ""),
            target=str(target),
            findings=tuple(FindingView.of(f) for f in findings) if isinstance(findings, list) else (),
            source_document=str(entry.get("source_document", "")),
            hash=str(entry.get("hash", "")),
            risk=str(details.get("risk") or ""),
            **_approval_fields(details),
        )

    @property
    def time_text(self) -> str:
        when = stamp_time(self.timestamp)
        return when.strftime("%Y-%m-%d %H:%M:%S") if when else plain(self.timestamp, 19)

    def why(self) -> str:
        """The reason in one line: subject, who it went to, the summary."""
        parts = []
        if self.subject:
            parts.append(self.subject)
        if self.target:
            arrow = "to" if self.decision in ("veto", "escalate") else "handed to"
            parts.append(f"{arrow} {self.target}")
        head = " ".join(parts)
        text = f"{head}: {self.summary}" if head and self.summary else head or self.summary
        if self.approved_by:
            said = f"approved by {self.approved_by}"
            text += f" (reason: {self.approval_reason})" if said in text else f" ({said}: {self.approval_reason})"
        if self.closed_reason and self.closed_reason not in text:
            text += f" (reason: {self.closed_reason})"
        if self.suppressed:
            text += "; suppressed " + ", ".join(f"{code} ({reason})" for code, reason in self.suppressed)
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "epic_id": self.epic_id,
            "seq": self.seq,
            "timestamp": self.timestamp,
            "agent": self.agent,
            "decision": self.decision,
            "iteration": self.iteration,
            "subject": self.subject or None,
            "to": self.target or None,
            "summary": self.summary,
            "findings": [f.raw for f in self.findings],
            "source_document": self.source_document,
            "hash": self.hash,
            "approved_by": self.approved_by or None,
            "approval_reason": self.approval_reason or None,
            "suppressed": [{"code": code, "reason": reason} for code, reason in self.suppressed],
            "closed_reason": self.closed_reason or None,
        }


def _approval_fields(details: dict[str, Any]) -> dict[str, Any]:
    """Who approved and why, what was suppressed, why an epic was closed: shown wherever the entry is."""
    out: dict[str, Any] = {}
    approval = details.get("approval")
    if isinstance(approval, dict) and isinstance(approval.get("by"), str):
        # A signed approval names the person (the trust anchor's principal), not the role.
        out["approved_by"] = plain(approval.get("signed_by") or approval["by"], 80)
        out["approval_reason"] = str(approval.get("reason") or "")
    suppressed = details.get("suppressed")
    if isinstance(suppressed, list):
        pairs = [(str(s.get("code", "")), str(s.get("reason", ""))) for s in suppressed[:50] if isinstance(s, dict)]
        out["suppressed"] = tuple(pairs)
    if isinstance(details.get("reason"), str) and details.get("closed"):
        out["closed_reason"] = details["reason"]
    return out


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# --- filters -----------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    agent: str | None = None
    decision: str | None = None
    since: datetime | None = None
    iteration: int | None = None

    @classmethod
    def build(cls, agent: str | None, decision: str | None, since: str | None, iteration: int | None) -> Filters:
        if agent is not None:
            check_agent(agent)
        if decision is not None and decision not in DECISIONS:
            raise UsageError(f"invalid --decision {decision!r}: expected one of {', '.join(DECISIONS)}")
        if iteration is not None and iteration < 1:
            raise UsageError(f"invalid --iteration {iteration}: iterations start at 1")
        return cls(agent, decision, parse_since(since) if since is not None else None, iteration)

    def match(self, row: Row) -> bool:
        if self.agent is not None and row.agent != self.agent:
            return False
        if self.decision is not None and row.decision != self.decision:
            return False
        if self.iteration is not None and row.iteration != self.iteration:
            return False
        if self.since is not None:
            when = stamp_time(row.timestamp)
            return when is not None and when >= self.since
        return True


MAX_SPAN = 200  # lines a pretty-printed object may span and still be shown


def iter_rows(epic: Epic, problems: list[str] | None = None) -> Iterator[Row]:
    """Every entry of the epic's log as a Row, streamed.

    Strict without ``problems``: the first damaged line raises. With a list,
    the views show what they can of a damaged or legacy log (agents' own
    lines, a pretty-printed object spread over several lines) and append one
    sentence per line they could not read, for a banner.
    """
    from guardians.store.decision_log import DecisionLog

    if problems is None:
        for entry in DecisionLog(epic.log_path, epic.epic_id).entries():
            yield Row.of(entry, epic.epic_id)
        return
    yield from _lenient_rows(epic, problems)


def _lenient_rows(epic: Epic, problems: list[str]) -> Iterator[Row]:
    from guardians.errors import LogCorruptError
    from guardians.store.chain import parse_entry
    from guardians.store.decision_log import _log_exists

    try:
        if not _log_exists(epic.log_path):
            return
    except LogCorruptError as exc:
        problems.append(str(exc))
        return
    held: list[bytes] = []  # lines of an object that has not parsed yet
    start = 0
    with open(epic.log_path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.endswith(b"\n"):
                break  # a torn last line: a write in progress, repaired under the append lock
            if not held and not raw.strip():
                problems.append(f"line {lineno} is blank")
                continue
            if not held:
                start = lineno
            held.append(raw)
            entry = parse_entry(b"".join(held))
            if isinstance(entry, dict):
                if len(held) > 1:
                    problems.append(f"lines {start}-{lineno} hold one pretty-printed object, not one object per line")
                held = []
                yield Row.of(entry, epic.epic_id)
            elif len(held) >= MAX_SPAN or (len(held) == 1 and not raw.lstrip().startswith(b"{")):
                problems.append(f"line {start} is {entry}")
                held = []
    if held:
        problems.append(f"lines {start}-{start + len(held) - 1} are not a complete JSON object")


def banner(epic: Epic, problems: list[str], shown: int | None = None) -> str:
    """One paragraph saying the log was only partly readable, and what to do."""
    if not problems:
        return ""
    first = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    count = f" showing the {shown} entries that could be read;" if shown is not None else ""
    return (
        f"{epic.rel(epic.log_path)} is damaged or not in the guardians' format ({first});{count} "
        f"nothing here is verified. Run `guardians adopt {epic.epic_id}` to keep it under consensus/legacy/ "
        "and start a clean log, or restore it from version control."
    )


# --- the diagram model (shared by mermaid and the report's SVG) ----------------------

PARTICIPANTS: tuple[tuple[str, str], ...] = (
    ("Q", "quality"),
    ("M", "migration"),
    ("D", "deploy"),
    ("B", "backup"),
    ("P", "process"),
    ("TL", "tech-lead"),
)
MAX_EXTRA_PARTICIPANTS = 8


@dataclass(frozen=True)
class Step:
    """One arrow (src != dst) or note (src == dst) of the sequence diagram."""

    kind: str  # handoff | approval | veto | wait | escalate | note
    src: str
    dst: str
    label: str


class _PathState:
    """Remembers enough of earlier entries to draw where a message came from."""

    def __init__(self) -> None:
        self.previous: Row | None = None
        self.origin = "quality"

    def steps(self, row: Row) -> list[Step]:
        out: list[Step] = []
        prev = self.previous
        agent = row.agent or "unknown"
        if agent == "migration" and row.decision != "reject":
            if prev is not None and prev.agent == "migration" and prev.decision == "waiting":
                out.append(Step("approval", "tech-lead", "migration", "approval"))
            else:
                out.append(Step("handoff", self.origin, "migration", f"handoff iteration {row.iteration}"))
        out.extend(self._own(row, agent))
        if row.decision != "reject":
            self.previous = row
        return out

    def _own(self, row: Row, agent: str) -> list[Step]:
        codes = _codes(row)
        decision = row.decision
        if decision == "approve":
            if row.target:
                return [Step("handoff", agent, row.target, f"approve iteration {row.iteration}{codes}")]
            return [Step("note", agent, agent, f"approve{codes}")]
        if decision in ("veto", "escalate"):
            target = row.target or self.origin
            self.origin = target if target != "tech-lead" else self.origin
            steps = [Step("veto", agent, target, f"veto {row.subject or ''}{codes}")]
            if decision == "escalate":
                steps.append(Step("escalate", agent, "tech-lead", "escalated, iteration cap reached"))
            return steps
        if decision == "waiting":
            risk = f" ({row.risk} risk)" if row.risk else ""
            return [Step("wait", agent, "tech-lead", f"waiting for approval{risk}{codes}")]
        if decision == "operational":
            return [Step("note", agent, agent, "operational")]
        return [Step("note", agent, agent, f"{decision} {row.subject}{codes}")]


def _codes(row: Row) -> str:
    codes = sorted({f.code for f in row.findings if f.blocking and f.code})
    if not codes:
        codes = sorted({f.code for f in row.findings if f.code})
    if len(codes) > 4:
        codes = [*codes[:4], f"+{len(codes) - 4}"]
    return f" [{' '.join(codes)}]" if codes else ""


def diagram_steps(rows: Iterable[Row], filters: Filters | None = None) -> Iterator[Step]:
    """Steps of the epic's path; filtered-out entries still shape the arrows."""
    state = _PathState()
    for row in rows:
        steps = state.steps(row)
        if filters is None or filters.match(row):
            yield from steps


def participants(rows: Iterable[Row]) -> list[tuple[str, str]]:
    """(id, name) of the fixed lanes plus up to a few extra agents seen in the log."""
    known = {name for _, name in PARTICIPANTS}
    extra: list[str] = []
    for step in diagram_steps(rows):
        for name in (step.src, step.dst):
            if name not in known and name not in extra and len(extra) < MAX_EXTRA_PARTICIPANTS:
                extra.append(name)
    return [*PARTICIPANTS, *((f"A{i + 1}", name) for i, name in enumerate(extra))]


# --- formats --------------------------------------------------------------------------

_COLORS = {"approve": "32", "operational": "32", "veto": "31", "escalate": "1;31", "waiting": "33", "reject": "35"}


class _Table:
    def __init__(self, out: IO[str], color: bool) -> None:
        self.out = out
        self.color = color

    def epic(self, epic: Epic, rows: Iterator[Row]) -> int:
        self.out.write(f"{epic.epic_id}\n")
        self.out.write(f"{'SEQ':>4}  {'TIME (UTC)':<19}  {'IT':>3}  {'AGENT':<10} {'DECISION':<11}  WHY\n")
        count = 0
        for row in rows:
            count += 1
            decision = f"{plain(row.decision, 11):<11}"
            if self.color and row.decision in _COLORS:
                decision = f"\x1b[{_COLORS[row.decision]}m{decision}\x1b[0m"
            self.out.write(
                f"{row.seq:>4}  {row.time_text:<19}  {row.iteration:>3}  {plain(row.agent, 10):<10} "
                f"{decision}  {plain(row.why(), TABLE_TEXT_MAX)}\n"
            )
            for finding in row.findings:
                self.out.write(f"{'':56}{_finding_line(finding)}\n")
        if count == 0:
            self.out.write("  (no matching decisions)\n")
        self.out.write("\n")
        return count


def _finding_line(finding: FindingView) -> str:
    flag = " blocking" if finding.blocking else ""
    where = f" ({plain(finding.where, 80)})" if finding.where else ""
    head = plain(f"{finding.code} {finding.severity}{flag}".strip(), 60)
    return f"- {head}: {plain(finding.message, TABLE_TEXT_MAX)}{where}"


def _md(value: Any, limit: int | None = None) -> str:
    """Text safe inside a GitHub Markdown table cell: no HTML, no markup, no pipes."""
    text = plain(value, limit)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("@", "&#64;")
    return re.sub(r"([\\`*_\[\]|~!$])", r"\\\1", text)


def _markdown_epic(epic: Epic, rows: Iterator[Row], out: IO[str]) -> int:
    out.write(f"## {epic.epic_id}\n\n")
    count = 0
    for row in rows:
        if count == 0:
            out.write("| # | time (UTC) | iteration | agent | decision | why |\n")
            out.write("|---:|---|---:|---|---|---|\n")
        count += 1
        why = [_md(row.why())]
        for f in row.findings:
            code = f"`{f.code}`" if _CODE_RE.fullmatch(f.code) else _md(f.code)
            flag = " blocking" if f.blocking else ""
            where = f" ({_md(f.where)})" if f.where else ""
            why.append(f"{code} {_md(f.severity)}{flag}: {_md(f.message)}{where}")
        out.write(
            f"| {row.seq} | {_md(row.time_text)} | {row.iteration} | {_md(row.agent)} | "
            f"**{_md(row.decision)}** | {'<br>'.join(why)} |\n"
        )
    out.write("\n" if count else "No matching decisions.\n\n")
    return count


_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,()/+=\[\]-]")
_ARROWS = {"handoff": "->>", "approval": "->>", "veto": "--x", "wait": "-->>", "escalate": "-)"}


def mermaid_label(text: str, limit: int = 70) -> str:
    """Only characters mermaid never parses as syntax; no runs of '-'."""
    label = re.sub(r"-{2,}", "-", _MERMAID_UNSAFE.sub(" ", text))
    label = plain(label, limit).strip(" -")
    return label or "-"


def mermaid_lines(epic: Epic, filters: Filters) -> Iterator[str]:
    lanes = participants(iter_rows(epic, []))
    ids = {name: pid for pid, name in lanes}
    yield "sequenceDiagram"
    for pid, name in lanes:
        yield f"    participant {pid} as {mermaid_label(name, 40)}"
    drawn = 0
    for step in diagram_steps(iter_rows(epic, []), filters):
        src, dst = ids.get(step.src, "Q"), ids.get(step.dst, "Q")
        label = mermaid_label(step.label)
        drawn += 1
        if step.kind == "note" or src == dst:
            yield f"    Note over {src}: {label}"
        else:
            yield f"    {src}{_ARROWS.get(step.kind, '->>')}{dst}: {label}"
    if drawn == 0:
        yield "    Note over Q: no matching decisions"


# --- rendering ------------------------------------------------------------------------------


def write_timeline(epics: list[Epic], filters: Filters, fmt: str, out: IO[str]) -> None:
    """Write the decisions of EPICS that match FILTERS in FMT (one of :data:`FORMATS`)."""
    if fmt == "mermaid":
        _write_mermaid(epics, filters, out)
        return
    table = _Table(out, color=_wants_color(out))
    for epic in epics:
        problems: list[str] = []
        rows = (r for r in iter_rows(epic, problems) if filters.match(r))
        if fmt == "json":
            for row in rows:
                out.write(json.dumps(row.to_json(), ensure_ascii=False, sort_keys=True) + "\n")
        elif fmt == "markdown":
            _markdown_epic(epic, rows, out)
            if problems:
                out.write(f"> **Warning:** {_md(banner(epic, problems))}\n\n")
        else:
            table.epic(epic, rows)
        if problems:
            import sys

            out.flush()
            sys.stderr.write(f"warning: {banner(epic, problems)}\n")


def _write_mermaid(epics: list[Epic], filters: Filters, out: IO[str]) -> None:
    fenced = len(epics) > 1
    for epic in epics:
        if fenced:
            out.write(f"## {epic.epic_id}\n\n```mermaid\n")
        for line in mermaid_lines(epic, filters):
            out.write(line + "\n")
        if fenced:
            out.write("```\n\n")


def _wants_color(out: IO[str]) -> bool:
    import os

    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
