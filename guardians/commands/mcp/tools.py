"""The MCP tools: each wraps the core function behind a CLI command and returns structured data.

No tool has logic of its own. ``check`` and ``write_artifact`` call
``validate.draft.check_draft`` (the write guard's answer), ``send`` calls
``send.send_message``, ``status``/``log``/``lint_migration`` call the same
functions as ``guardians status|log|lint-migrations --format json`` and parse
what they print, ``run`` is ``guardians run``. The SDK is not imported here,
so the tools are plain functions that tests and other front ends can call.

Every result is an object with ``ok``; a failure raises :class:`ToolFailure`
carrying the same findings the CLI prints, which the server turns into an
``isError`` result.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Handler = Callable[..., dict[str, Any]]


class ToolFailure(Exception):
    """A refusal with its findings (not a fault): becomes an isError result."""

    def __init__(self, message: str, findings: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.payload = {"ok": False, "error": message, "findings": findings or [], **extra}


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_schema: dict[str, Any]
    output_properties: dict[str, Any]
    handler: Handler

    @property
    def output_schema(self) -> dict[str, Any]:
        # Success and failure share one envelope, so an isError result matches the schema too.
        return {
            "type": "object",
            "properties": {"ok": {"type": "boolean"}, **ENVELOPE, **self.output_properties},
            "required": ["ok"],
        }


FINDING = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "severity": {"type": "string"},
        "file": {"type": ["string", "null"]},
        "json_path": {"type": ["string", "null"]},
        "line": {"type": ["integer", "null"]},
        "column": {"type": ["integer", "null"]},
        "fix": {"type": ["string", "null"]},
    },
    "required": ["code", "message"],
}
ENVELOPE = {"error": {"type": "string"}, "findings": {"type": "array", "items": FINDING}}
STRING = {"type": "string"}
OBJECTS = {"type": "array", "items": {"type": "object"}}


class Tools:
    """The tool set bound to one repository root."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # -- helpers -------------------------------------------------------------------------

    def _inside(self, path: str) -> Path:
        """``path`` (relative to the root) as a path under the root; refuses escapes."""
        import os

        base = os.path.realpath(self.root)
        full = os.path.realpath(os.path.join(base, path))
        if os.path.isabs(path) or os.path.commonpath([base, full]) != base:
            raise ToolFailure(f"path {path!r} must be relative to the repository root and stay inside it")
        return Path(base) / os.path.relpath(full, base)

    @staticmethod
    def _capture(func: Callable[[io.StringIO], int]) -> tuple[int, str, str]:
        """Run a command function; (exit code, its output, what went to standard output/error).

        Standard output is redirected too: over stdio it is the protocol
        stream, and a stray print would corrupt it.
        """
        import contextlib

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(err), contextlib.redirect_stderr(err):
            code = func(out)
        return code, out.getvalue(), err.getvalue()

    # -- tools ---------------------------------------------------------------------------

    def schema(self, name: str, example: bool = False) -> dict[str, Any]:
        if example:
            from guardians.protocol.examples import example as make_example

            return {"ok": True, "name": name, "example": make_example(name)}
        from guardians.protocol.schemas import BY_NAME
        from guardians.protocol.validator import load_schema

        if name not in BY_NAME:
            raise ToolFailure(f"unknown schema {name!r}; known: {', '.join(BY_NAME)}")
        return {"ok": True, "name": name, "schema": load_schema(name)}

    def check(self, path: str, content: str) -> dict[str, Any]:
        from guardians.validate.draft import check_draft

        result = check_draft(self._inside(path), content.encode(), display=path)
        if not result.ok:
            raise ToolFailure(f"{path} would be refused", **_draft_fields(result.to_dict()))
        return result.to_dict()

    def write_artifact(self, path: str, content: str) -> dict[str, Any]:
        from guardians.validate.draft import check_draft

        target = self._inside(path)
        result = check_draft(target, content.encode(), display=path)
        if not result.ok:
            raise ToolFailure(f"{path} was not written", **_draft_fields(result.to_dict()))
        if result.kind == "message":
            raise ToolFailure(
                "messages are delivered with the send tool, not written", **_draft_fields(result.to_dict())
            )
        if result.kind == "outside":
            raise ToolFailure(f"{path} is not under docs/specs/epic_<N>/; write it with your own tools")
        from guardians.store.atomic import atomic_write_bytes

        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, content.encode())
        return {**result.to_dict(), "written": True}

    def send(self, epic: str, to: str, content: str, format: str = "yaml") -> dict[str, Any]:
        from guardians.commands.send import send_message

        with tempfile.TemporaryDirectory() as tmp:
            draft = Path(tmp) / f"message.{'json' if format == 'json' else 'yaml'}"
            draft.write_text(content, encoding="utf-8")
            _, text, err = self._capture(lambda out: send_message(self.root, epic, to, draft, out=out, fmt="json"))
        if not text.startswith("{"):
            raise ToolFailure(err.strip() or "message refused")
        result = json.loads(text)
        if not result["ok"]:
            raise ToolFailure(result["error"], [finding(f) for f in result["findings"]])
        return {"ok": True, "delivered": result["delivered"]}

    def run(self, epics: list[str] | None = None) -> dict[str, Any]:
        from guardians.commands.run import run_pipeline

        code, text, err = self._capture(lambda out: run_pipeline(self.root, list(epics or []), out=out, fmt="json"))
        if code != 0:
            raise ToolFailure(err.strip() or f"run failed with exit code {code}")
        decisions = [json.loads(line) for line in text.splitlines() if line]
        for decision in decisions:
            decision["findings"] = [finding(f) for f in decision["findings"]]
        return {"ok": True, "decisions": decisions}

    def init(self, epic: str) -> dict[str, Any]:
        from guardians.commands.init import init_epic

        _, text, err = self._capture(lambda out: init_epic(self.root, epic, out=out, fmt="json"))
        result: dict[str, Any] = json.loads(text) if text.startswith("{") else {"ok": False, "error": err.strip()}
        if not result["ok"]:
            raise ToolFailure(str(result["error"]))
        return {"ok": True, "created": result["created"]}

    def status(self) -> dict[str, Any]:
        from guardians.commands.status import show_status

        code, text, err = self._capture(lambda out: show_status(self.root, fmt="json", out=out))
        if code != 0:
            raise ToolFailure((err or text).strip())
        return {"ok": True, "epics": json.loads(text)}

    def log(
        self,
        epic: str,
        agent: str | None = None,
        decision: str | None = None,
        since: str | None = None,
        iteration: int | None = None,
    ) -> dict[str, Any]:
        from guardians.commands.log import show_log
        from guardians.errors import GuardianError

        def call(out: io.StringIO) -> int:
            return show_log(
                self.root, [epic], agent=agent, decision=decision, since=since, iteration=iteration, fmt="json", out=out
            )

        try:
            code, text, err = self._capture(call)
        except GuardianError as exc:
            raise ToolFailure(str(exc)) from None
        if code != 0:
            raise ToolFailure((err or text).strip())
        return {"ok": True, "entries": [json.loads(line) for line in text.splitlines() if line.startswith("{")]}

    def explain(self, code: str) -> dict[str, Any]:
        from guardians.commands.explain import find_rule, rule_json

        rule = find_rule(code)
        if rule is None:
            raise ToolFailure(f"unknown rule code {code!r}")
        return {"ok": True, **rule_json(rule)}

    def lint_migration(self, path: str | None = None, snippet: str | None = None, kind: str = "sql") -> dict[str, Any]:
        from guardians.commands.lint_migrations import lint_migrations

        if (path is None) == (snippet is None):
            raise ToolFailure("give either path or snippet")
        with tempfile.TemporaryDirectory() as tmp:
            if snippet is not None:
                target = Path(tmp) / ("migration.sql" if kind == "sql" else "migration.py")
                target.write_text(snippet, encoding="utf-8")
            else:
                target = self._inside(str(path))
            code, text, err = self._capture(lambda out: lint_migrations([target], fmt="json", fail_on="error", out=out))
        if code == 2 or not text.startswith("{"):
            raise ToolFailure((err or text).strip() or "lint failed")
        report = json.loads(text)
        return {"ok": code == 0, **report}

    # -- catalog -------------------------------------------------------------------------

    def catalog(self) -> list[Tool]:
        return [
            Tool(
                "schema",
                "The JSON Schema of an artifact or message, or (example: true) a complete valid example of it. "
                "Names: plan, implementation, review, health_report, checkpoint, message, approval, ...",
                _input({"name": STRING, "example": {"type": "boolean", "default": False}}, ["name"]),
                {"name": STRING, "schema": {"type": "object"}, "example": {}},
                self.schema,
            ),
            Tool(
                "check",
                "Would writing CONTENT to PATH (relative to the repository root) be accepted? Same answer as the "
                "write hook: guardian-owned files are refused, artifacts and messages must validate.",
                _input({"path": STRING, "content": STRING}, ["path", "content"]),
                DRAFT,
                self.check,
            ),
            Tool(
                "write_artifact",
                "Check CONTENT for PATH like `check`, then write it atomically. For artifacts, checkpoints and "
                "other files of an epic (migrations); messages go through `send`.",
                _input({"path": STRING, "content": STRING}, ["path", "content"]),
                {**DRAFT, "written": {"type": "boolean"}},
                self.write_artifact,
            ),
            Tool(
                "send",
                "Validate a message (YAML or JSON text) and deliver it atomically into EPIC's inbox TO, like "
                "`guardians send`.",
                _input(
                    {"epic": STRING, "to": STRING, "content": STRING, "format": {"enum": ["yaml", "json"]}},
                    ["epic", "to", "content"],
                ),
                {"delivered": STRING},
                self.send,
            ),
            Tool(
                "run",
                "Decide every pending message now (`guardians run --format json`): one object per decision. "
                "Where a `guardians watch` service runs, it decides on its own; this is for single-agent setups.",
                _input({"epics": {"type": "array", "items": STRING}}, []),
                {"decisions": {"type": "array", "items": DECISION}},
                self.run,
            ),
            Tool(
                "init",
                "Create an epic's folders (`guardians init`).",
                _input({"epic": STRING}, ["epic"]),
                {"created": {"type": "array", "items": STRING}},
                self.init,
            ),
            Tool(
                "status",
                "Board of every epic (`guardians status --format json`).",
                _input({}, []),
                {"epics": OBJECTS},
                self.status,
            ),
            Tool(
                "log",
                "An epic's decisions, filterable (`guardians log EPIC --format json`).",
                _input(
                    {
                        "epic": STRING,
                        "agent": STRING,
                        "decision": STRING,
                        "since": STRING,
                        "iteration": {"type": "integer"},
                    },
                    ["epic"],
                ),
                {"entries": OBJECTS},
                self.log,
            ),
            Tool(
                "explain",
                "What / Why / Fix of a rule code (`guardians explain CODE`).",
                _input({"code": STRING}, ["code"]),
                {"code": STRING, "name": STRING, "severity": STRING, "doc": STRING, "anchors": {"type": "array"}},
                self.explain,
            ),
            Tool(
                "lint_migration",
                "The migration rules over a file (path relative to the root) or a snippet "
                "(`guardians lint-migrations --format json`); ok is false when a finding is an error or worse.",
                _input({"path": STRING, "snippet": STRING, "kind": {"enum": ["sql", "python"]}}, []),
                {
                    "risk": STRING,
                    "destructive": {"type": "boolean"},
                    "summary": {"type": "object"},
                    "suppressed": OBJECTS,
                },
                self.lint_migration,
            ),
        ]


DECISION = {
    "type": "object",
    "properties": {
        "epic_id": STRING,
        "iteration": {"type": "integer"},
        "agent": STRING,
        "decision": STRING,
        "subject": {"type": ["string", "null"]},
        "summary": STRING,
        "findings": {"type": "array", "items": FINDING},
        "outputs": {"type": "array", "items": STRING},
    },
    "required": ["epic_id", "iteration", "agent", "decision", "summary", "findings"],
}
DRAFT = {
    "path": STRING,
    "kind": STRING,
    "schema": {"type": ["string", "null"]},
    "epic_id": {"type": ["string", "null"]},
}


def finding(raw: dict[str, Any]) -> dict[str, Any]:
    """A finding in the one shape every tool returns (the decision log says ``suggestion``, we say ``fix``)."""
    keys = ("code", "message", "severity", "file", "json_path", "line", "column")
    return {**{k: raw.get(k) for k in keys}, "fix": raw.get("fix", raw.get("suggestion"))}


def _draft_fields(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("ok",)}


def _input(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
