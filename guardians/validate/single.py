"""Single-file mode: files named on the command line, checked on their own
(schema and in-file checks; inbox messages also against their epic's inboxes).
"""

from __future__ import annotations

import json
from pathlib import Path

from guardians.store.layout import EPIC_RE, is_message_name
from guardians.validate.codes import UnknownFileKind
from guardians.validate.document import Doc, kind_of, parse, read_file, schema_problems
from guardians.validate.epic import ARTIFACT_SCHEMAS, EpicChecker, is_dir, message_schema, scan
from guardians.validate.log import MAX_LINE, LogIndex, check_log
from guardians.validate.result import EpicReport, Problem


def epic_of(path: Path) -> tuple[Path, str] | None:
    """(repository root, epic id) when ``path`` lies under docs/specs/epic_<N>/."""
    for parent in [path, *path.parents]:
        if EPIC_RE.fullmatch(parent.name) and parent.parent.name == "specs" and parent.parent.parent.name == "docs":
            return parent.parent.parent.parent, parent.name
    return None


def check_single(path: Path, display: str, report: EpicReport) -> None:
    """Schema (and in-file) checks of one file named on the command line."""
    name = path.name
    located = epic_of(path)
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
            Problem.of(UnknownFileKind, display, "no schema is known for this file name", keyword="file-kind")
        )
        return
    if located is not None and in_inbox:
        root, epic_id = located
        checker = EpicChecker(root, epic_id, lambda rel: display)
        checker.cross_file = False
        checker.inboxes = {e.name for e in scan(checker.consensus / "messages" / "inbox") if is_dir(e)}
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
