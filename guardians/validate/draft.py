"""Would this file be accepted? One answer for every caller that asks before writing.

``check_draft`` is behind ``guardians check-write``, the Claude Code write hook
and the MCP ``check`` tool. It first asks who owns the path (``ownership``):
files the guardians write are refused whatever their content. Then it checks
the new content: artifacts and checkpoints with the same parser and validator
as ``guardians validate``; messages with the admission check that
``guardians send`` applies (``admit_message``, the one door to it).

Paths outside an epic's consensus folder are not ours and are allowed
without reading anything, so a write hook costs next to nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

# Artifacts agents write, by file name -> schema.
AGENT_ARTIFACTS: dict[str, str] = {
    "plan.json": "plan",
    "implementation.json": "implementation",
    "review.json": "review",
    "health_report.json": "health_report",
}
_MESSAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}\.(ya?ml|json)")


@dataclass(frozen=True)
class Target:
    """What a path is in the protocol."""

    kind: str  # outside | owned | artifact | checkpoint | message | other
    root: Path | None = None
    epic_id: str | None = None
    rel: str = ""  # path relative to the repository root
    schema: str | None = None
    inbox: str | None = None
    reason: str = ""
    fix: str = ""


@dataclass(frozen=True)
class DraftFinding:
    """One reason a draft would not be accepted (the shape of every finding we print)."""

    code: str
    message: str
    file: str
    json_path: str = "$"
    line: int | None = None
    column: int | None = None
    severity: str = "error"
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "file": self.file,
            "json_path": self.json_path,
            "line": self.line,
            "column": self.column,
            "fix": self.fix,
        }

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        text = f"{where} {self.json_path}: {self.code} {self.message}"
        return f"{text} (fix: {self.fix})" if self.fix else text


@dataclass
class DraftResult:
    """The answer for one path: allowed or not, and every reason."""

    path: str
    kind: str
    schema: str | None = None
    epic_id: str | None = None
    findings: list[DraftFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "schema": self.schema,
            "epic_id": self.epic_id,
            "ok": self.ok,
            "findings": [f.to_dict() for f in self.findings],
        }


# --- where is it -------------------------------------------------------------------


def classify(path: Path) -> Target:
    """Classify ``path`` (absolute or relative to the current directory) without reading it.

    The epic is found from the path itself (``.../docs/specs/epic_<N>/...``,
    :func:`guardians.validate.scope.locate`), so no root is needed.
    """
    from guardians.validate.scope import locate

    found = locate(str(path))
    if found is None:
        return Target("outside")
    root, epic_id, inside = found
    return _inside_epic(Path(root), epic_id, inside)


def _inside_epic(root: Path, epic_id: str, inside: tuple[str, ...]) -> Target:
    rel = PurePosixPath("docs", "specs", epic_id, *inside).as_posix()

    def target(kind: str, **kw: Any) -> Target:
        return Target(kind, root, epic_id, rel, **kw)

    if not inside or inside[0] != "consensus" or len(inside) == 1:
        return target("other")
    sub = inside[1:]
    from guardians.rules.ownership import GuardianOwnedFile

    owned = next(GuardianOwnedFile.check(sub, rel), None)
    inbox = sub[2] if sub[:2] == ("messages", "inbox") and len(sub) >= 4 else None
    if owned is not None:
        return target("owned", inbox=inbox, reason=owned.message, fix=owned.suggestion or "")
    if sub[0] == "artifacts" and len(sub) == 2 and sub[1] in AGENT_ARTIFACTS:
        return target("artifact", schema=AGENT_ARTIFACTS[sub[1]])
    if sub[0] == "checkpoints" and len(sub) == 2 and sub[1].endswith(".json"):
        return target("checkpoint", schema="checkpoint")
    if inbox is not None and len(sub) == 4 and _MESSAGE_NAME.fullmatch(sub[3]):
        return target("message", inbox=inbox, schema="message")
    return target("other", inbox=inbox)


def target_of(path: Path) -> Target:
    """Classify the path and, when a symlink is on the way, where it leads: the stricter answer wins."""
    from guardians.validate.scope import resolved

    target = classify(path)
    leads_to = resolved(str(path))
    if leads_to is None:
        return target
    real = classify(Path(leads_to))
    if real.kind == "owned" or target.kind in ("outside", "other"):
        return real
    return target


# --- is the content acceptable ------------------------------------------------------


def check_draft(path: Path, data: bytes | None, *, display: str | None = None) -> DraftResult:
    """Would writing ``data`` to ``path`` be accepted? (``data`` None: check the file as it is.)"""
    target = target_of(path)
    shown = display or str(path)
    result = DraftResult(shown, target.kind, target.schema, target.epic_id)
    if target.kind == "owned":
        result.findings.append(DraftFinding("GRD030", target.reason, shown, fix=target.fix))
        return result
    if target.kind not in ("artifact", "checkpoint", "message"):
        return result
    if data is None:
        data, problem = _read(path, shown)
        if problem is not None:
            result.findings.append(problem)
            return result
    from guardians.store.loaders import MAX_BYTES

    if len(data) > MAX_BYTES:
        result.findings.append(DraftFinding("VAL002", f"content is larger than {MAX_BYTES} bytes", shown))
        return result
    if target.kind == "message":
        assert target.root is not None and target.epic_id is not None and target.inbox is not None
        result.findings.extend(admit_message(target.root, target.epic_id, target.inbox, data, shown))
    else:
        assert target.schema is not None and target.epic_id is not None
        result.findings.extend(check_document(data, shown, target.schema, target.epic_id))
    return result


def _read(path: Path, shown: str) -> tuple[bytes, DraftFinding | None]:
    from guardians.errors import InputError
    from guardians.store.loaders import read_bounded

    try:
        return read_bounded(path, display=shown), None
    except InputError as exc:
        return b"", DraftFinding("VAL002", exc.message, shown, exc.location.json_path, exc.location.line)


def check_document(data: bytes, display: str, schema: str, epic_id: str | None) -> list[DraftFinding]:
    """An artifact or checkpoint: what ``guardians validate`` says about it (parse, schema, epic_id)."""
    from guardians.validate.codes import CODES
    from guardians.validate.document import Doc, kind_of, parse, schema_problems

    doc = Doc(display, data, kind_of(display))
    value, problem = parse(doc)
    problems = [problem] if problem is not None else schema_problems(doc, value, schema)
    if not problems and epic_id and isinstance(value, dict) and value.get("epic_id") not in (None, epic_id):
        line, col = doc.where(["epic_id"])
        message = f"epic_id is {value.get('epic_id')!r} but the file is in {epic_id}"
        return [DraftFinding("VAL135", message, display, "$.epic_id", line, col, fix=CODES["VAL135"][1])]
    return [DraftFinding(p.code, p.message, p.file, p.json_path, p.line, p.column, p.severity, p.fix) for p in problems]


def admit_message(root: Path, epic_id: str, to: str, data: bytes, display: str) -> list[DraftFinding]:
    """Would the ``to`` inbox accept this message now? Asks the one admission function, as ``send`` does."""
    from guardians.engine.admission import admit
    from guardians.store.decision_log import DecisionLog
    from guardians.store.layout import Epic

    epic = Epic.at(root, epic_id)
    name = PurePosixPath(display).name
    if not name.endswith((".json", ".yaml", ".yml")):
        name = "message.yaml"
    from guardians.trust.anchor import active

    log = DecisionLog.open(epic.log_path, epic.epic_id, active())
    admission = admit(epic, to, f"{epic.rel(epic.inbox(to))}/{name}", data, log)
    if admission.accepted:
        return []
    return [
        DraftFinding(
            f.code,
            f.message,
            f.file or display,
            f.json_path or "$",
            f.line,
            f.column,
            "error" if f.blocking else str(f.severity),
            f.suggestion or "",
        )
        for f in admission.findings
    ] or [DraftFinding("GRD001", f"the {to} inbox would {admission.verdict} this message", display)]
