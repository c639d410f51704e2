"""What a guardian sees while deciding one message: the message, the epic,
and a reader that loads artifacts safely and records what it read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from guardians.errors import InputError
from guardians.protocol.jsonpath import json_path
from guardians.rules.base import Finding, Severity
from guardians.rules.common import InvalidArtifact, MissingArtifact
from guardians.store.decision_log import DecisionLog
from guardians.store.layout import Epic
from guardians.store.loaders import load_document, read_bounded, sha256_bytes

GRD_INVALID_ARTIFACT = "GRD010"
GRD_MISSING_ARTIFACT = "GRD011"
GRD_INPUT_CHANGED = "GRD013"


@dataclass
class ArtifactReader:
    """Reads artifacts once per decision and records their sha256 as inputs.

    Two steps, each cached: ``check`` reads and validates against the shipped
    schema (no pydantic: admission and ``guardians send`` stop here), and
    ``load`` builds the model a gate works with.
    """

    epic: Epic
    inputs: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)
    _checked: dict[str, tuple[Any, list[Finding]]] = field(default_factory=dict)
    # sha256 by path of what the earlier guardians of this iteration judged or
    # wrote: a file read now must still have those bytes.
    pins: dict[str, str] = field(default_factory=dict)

    def check(self, filename: str, schema_name: str, *, required: bool = True) -> list[Finding]:
        """Findings of ``artifacts/<filename>`` against its schema and epic, without building a model."""
        return self._check(self.epic.artifacts / filename, schema_name, required)[1]

    def load(self, filename: str, schema_name: str, *, required: bool = True) -> tuple[Any, list[Finding]]:
        """Load and validate ``artifacts/<filename>``; (model or None, findings)."""
        return self.load_path(self.epic.artifacts / filename, schema_name, required=required)

    def load_path(self, path: Path, schema_name: str, *, required: bool = True) -> tuple[Any, list[Finding]]:
        key = str(path)
        if key not in self._cache:
            doc, findings = self._check(path, schema_name, required)
            missing = doc is None and not findings
            self._cache[key] = (None, findings) if findings or missing else self._model(doc, path, schema_name)
        result: tuple[Any, list[Finding]] = self._cache[key]
        return result

    def _check(self, path: Path, schema_name: str, required: bool) -> tuple[Any, list[Finding]]:
        key = str(path)
        if key not in self._checked:
            self._checked[key] = self._read(path, schema_name, required)
        return self._checked[key]

    def _read(self, path: Path, schema_name: str, required: bool) -> tuple[Any, list[Finding]]:
        filename = path.name
        rel = self.epic.rel(path)
        if not path.exists() and not path.is_symlink():
            if not required:
                return None, []
            return None, [
                MissingArtifact.finding(
                    f"{filename} is missing",
                    file=rel,
                    json_path="$",
                    subject="missing_artifact",
                    suggestion=f"write {rel} (see `guardians schema show {schema_name}`)",
                )
            ]
        try:
            data = read_bounded(path, display=rel)
            self.inputs[rel] = sha256_bytes(data)
            doc = load_document(data, rel)
        except InputError as exc:
            return None, [input_finding(exc)]
        pinned = self.pins.get(rel)
        if pinned is not None and pinned != self.inputs[rel]:
            from guardians.rules.common import InputChanged

            return None, list(InputChanged.check({rel: "changed"}))
        return doc, self._validate(doc, rel, schema_name)

    def _validate(self, doc: Any, rel: str, schema_name: str) -> list[Finding]:
        from guardians.protocol.validator import validate_data

        problems = validate_data(schema_name, doc)
        if problems:
            return [
                InvalidArtifact.finding(
                    f"{p.message} (schema keyword '{p.keyword}')",
                    file=rel,
                    json_path=p.json_path,
                    line=_line_of(rel, self.epic, p.json_path),
                    subject="invalid_artifact",
                    suggestion=f"fix {rel} at {p.json_path}; see `guardians schema show {schema_name}`",
                )
                for p in problems[:50]
            ]
        claimed = doc.get("epic_id") if isinstance(doc, dict) else None
        if claimed is not None and claimed != self.epic.epic_id:
            return [
                InvalidArtifact.finding(
                    f"epic_id is {claimed!r} but the file is in {self.epic.epic_id}",
                    file=rel,
                    json_path="$.epic_id",
                    line=_line_of(rel, self.epic, "$.epic_id"),
                    subject="invalid_artifact",
                    suggestion=f"set epic_id to {self.epic.epic_id!r}, or move the file to its own epic",
                )
            ]
        return []

    def _model(self, doc: Any, path: Path, schema_name: str) -> tuple[Any, list[Finding]]:
        # The schema is exported from the model and checked first; this catches what only the model knows.
        from pydantic import ValidationError

        from guardians.protocol.schemas import model_class

        try:
            return model_class(schema_name).model_validate(doc), []
        except ValidationError as exc:
            return None, self._pydantic_findings(exc, self.epic.rel(path), schema_name)

    def _pydantic_findings(self, exc: Any, rel: str, schema_name: str) -> list[Finding]:
        return [
            InvalidArtifact.finding(
                str(err.get("msg")),
                file=rel,
                json_path=json_path(err["loc"]),
                subject="invalid_artifact",
                suggestion=f"fix {rel}; see `guardians schema show {schema_name}`",
            )
            for err in exc.errors()[:50]
        ]


def _line_of(rel: str, epic: Epic, json_path: str) -> int | None:
    try:
        from guardians.store.sourcemap import line_for_path
    except ImportError:
        return None
    try:
        return line_for_path(epic.root / rel, json_path)
    except Exception:  # a position is a nicety; never fail a decision over it
        return None


def input_finding(
    exc: InputError,
    code: str = GRD_INVALID_ARTIFACT,
    subject: str = "invalid_artifact",
    suggestion: str = "rewrite the file as valid UTF-8 JSON/YAML without anchors, tags or duplicate keys",
) -> Finding:
    """A file that could not be read safely, as a finding at its location."""
    loc = exc.location
    return Finding(
        code,
        exc.message,
        file=loc.file,
        line=loc.line,
        column=loc.column,
        json_path=loc.json_path,
        subject=subject,
        severity=Severity.ERROR,
        suggestion=suggestion,
    )


@dataclass
class Context:
    epic: Epic
    agent: str
    message: dict[str, Any]
    message_path: Path
    key: str
    now: datetime
    log: DecisionLog
    reader: ArtifactReader
    # Who signed the message, as the trust anchor names them (signed approvals).
    signed_by: str | None = None

    @property
    def message_rel(self) -> str:
        return self.epic.rel(self.message_path)

    @property
    def sender(self) -> str:
        return str(self.message["from"])

    @property
    def iteration(self) -> int:
        return int(self.message["iteration"])

    @property
    def origin(self) -> str:
        """The upstream agent that started this pipeline run (vetoes go there)."""
        content = self.message.get("content")
        if isinstance(content, dict) and isinstance(content.get("origin"), str):
            from guardians.store.layout import AGENT_RE

            if AGENT_RE.fullmatch(content["origin"]):
                return str(content["origin"])
        return self.sender

    # The inbox, as far as a gate may see it. Gates never list folders themselves,
    # so the store's rules (names, symlinks, settling) apply to what they see too.

    def parked(self) -> list[Path]:
        """Messages parked in this guardian's ``waiting/`` folder (awaiting a tech lead), oldest first."""
        from guardians.store.layout import is_message_name

        waiting = self.epic.inbox(self.agent) / "waiting"
        if not waiting.is_dir() or waiting.is_symlink():
            return []
        return sorted(p for p in waiting.iterdir() if is_message_name(p.name) and not p.is_symlink())

    def others_pending(self) -> bool:
        """True when another message waits in this guardian's inbox."""
        from guardians.store.inbox import pending

        return any(p.path != self.message_path for p in pending(self.epic, (self.agent,)))

    def processed_copy(self, source: str) -> Path | None:
        """Where a decided message named by its log ``source_document`` now lies, if it is a plain file."""
        path = self.epic.root / source
        processed = path.parent / "processed" / path.name
        inbox = self.epic.inbox(self.agent)
        if processed.parent != inbox / "processed":
            return None  # only this guardian's own processed/ folder
        return processed if processed.is_file() and not processed.is_symlink() else None
