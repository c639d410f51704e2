"""``guardians prompt ROLE``: role prompts for the upstream agents, generated from the schemas and the rule registries.

Nothing here restates a field or a rule by hand: required fields and their
descriptions come from the shipped schemas, examples from
``protocol.examples``, rule codes and names from the registries. A prompt can
therefore not drift from what the guardians enforce; a test feeds every
embedded example through the same check as the write guard.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import IO, Any

from guardians.errors import EXIT_OK

EPIC = "epic_7"
BASE = f"docs/specs/{EPIC}/consensus"


@dataclass(frozen=True)
class Document:
    path: str  # relative to the repository root
    schema: str
    note: str


@dataclass(frozen=True)
class Role:
    name: str
    duty: str
    writes: tuple[Document, ...]
    rule_prefixes: tuple[str, ...]
    steps: tuple[str, ...]


ROLES: dict[str, Role] = {
    "architect": Role(
        "architect",
        "You design the change. The deploy guardian judges production readiness from your plan.",
        (Document(f"{BASE}/artifacts/plan.json", "plan", "stages (or work_streams), rollback_plan and operations"),),
        ("DEP", "BAK"),
        (
            "Write plan.json with `operations` (health checks, monitoring with alerts, resources, staging "
            "validation) and a `rollback_plan`: the deploy guardian vetoes without them.",
            "Check it before you write it: `guardians check-write PATH -` or the MCP tool `check`.",
        ),
    ),
    "developer": Role(
        "developer",
        "You implement the change and its database migrations. The migration guardian parses every migration.",
        (
            Document(
                f"{BASE}/artifacts/implementation.json",
                "implementation",
                "tasks_completed (or tasks) and the migration files",
            ),
        ),
        ("MIG",),
        (
            "List every migration file in `migrations` (paths relative to the repository root); put a rollback "
            "next to each (`X.down.sql`), else MIG403 vetoes.",
            "Lint migrations before handing over: `guardians lint-migrations PATH` or the MCP tool `lint_migration`.",
            "Check implementation.json before you write it: `guardians check-write PATH -` or the MCP tool `check`.",
        ),
    ),
    "quality": Role(
        "quality",
        "You review the work and start the guardians when the review approves.",
        (
            Document(f"{BASE}/artifacts/review.json", "review", "review_status: approved (or verdict: approve)"),
            Document(f"{BASE}/messages/inbox/migration/handoff.yaml", "message", "the handoff that starts the run"),
        ),
        ("GRD",),
        (
            "Write review.json, then send the handoff: `guardians send EPIC --to migration FILE` or the MCP tool "
            "`send` (never write into an inbox by hand).",
            "A veto arrives in inbox/quality/ and lists every finding with its fix. Fix the artifacts, then send a "
            "new handoff to migration with the next `iteration`. The third veto escalates to the tech lead.",
            "Follow progress with `guardians status` / `guardians log EPIC` or the MCP tools `status` and `log`.",
        ),
    ),
    "tech-lead": Role(
        "tech-lead",
        "You approve high-risk migrations and answer escalations.",
        (
            Document(
                f"{BASE}/messages/inbox/migration/approval.yaml",
                "message",
                "type approval; content.review_digest quotes migration_review.json",
            ),
        ),
        ("MIG1",),
        (
            "A high-risk migration waits: read `review_digest` in artifacts/migration_review.json and send an "
            "approval to migration quoting it, with a reason (`suppress` may accept named findings, each with a "
            "reason).",
            "Escalations arrive in inbox/tech-lead/ after the third veto; `guardians report EPIC --html -` "
            "summarises the epic.",
        ),
    ),
}

OWNED_NOTE = (
    "Never write decision_log.jsonl, the guardian outputs (migration_review.json, deployment.json, cicd.yaml, "
    "runbook.md, backup_plan.json, process_report.json), inbox processed/, rejected/ or waiting/ folders, "
    "quarantine/ or the lock and journal files: they belong to the guardians and writes to them are refused."
)
COMMANDS = (
    ("guardians schema show NAME / schema example NAME", "schema / schema (example: true)"),
    ("guardians check-write PATH - < draft", "check"),
    ("guardians send EPIC --to AGENT FILE", "send"),
    ("guardians status --format json", "status"),
    ("guardians log EPIC --format json", "log"),
    ("guardians explain CODE", "explain"),
    ("guardians lint-migrations PATH --format json", "lint_migration"),
)


def role_names() -> tuple[str, ...]:
    return tuple(ROLES)


def example_for(doc: Document, role: str) -> Any:
    """The embedded example of one document (a schema example, addressed for the role)."""
    from guardians.protocol.examples import example

    value = example(doc.schema)
    if doc.schema == "message" and role == "tech-lead":
        return {
            **value,
            "from": "tech-lead",
            "type": "approval",
            "subject": "approve_high_risk_migration",
            "message_id": "tech-lead-epic_7-1",
            "content": example("approval"),
        }
    return value


def render(role_name: str) -> str:
    from guardians.errors import UsageError

    role = ROLES.get(role_name)
    if role is None:
        raise UsageError(f"unknown role {role_name!r}; known: {', '.join(ROLES)}")
    lines = [f"# You are the {role.name} agent of a guardians pipeline", "", role.duty, ""]
    lines += ["Epics live in `docs/specs/epic_<N>/`; the examples use epic_7: use your epic's id.", ""]
    for doc in role.writes:
        lines += _document(doc, role.name)
    lines += ["## How to work", ""] + [f"- {step}" for step in role.steps] + [f"- {OWNED_NOTE}", ""]
    lines += ["## Commands and MCP tools (`guardians mcp`)", "", "| command | MCP tool |", "|---|---|"]
    lines += [f"| `{cli}` | `{tool}` |" for cli, tool in COMMANDS]
    lines += ["", "## Rules that judge your work", "", *_rules(role.rule_prefixes), ""]
    lines.append("Every finding names a rule code: `guardians explain CODE` (MCP: `explain`) says what, why and how.")
    return "\n".join(lines) + "\n"


def _document(doc: Document, role: str) -> list[str]:
    from guardians.protocol.validator import load_schema

    schema = load_schema(doc.schema)
    required = schema.get("required", [])
    lines = [f"## Write `{doc.path}` (schema `{doc.schema}`: {doc.note})", ""]
    from guardians.protocol.validator import alternative_keys

    lines.append("Required fields:")
    props = schema.get("properties", {})
    for key in required:
        lines.append(f"- `{key}`: {props.get(key, {}).get('description', key)}")
    either = alternative_keys(schema.get("anyOf"))
    if either:
        described = " or ".join(f"`{k}` ({props.get(k, {}).get('description', k)})" for k in either)
        lines.append(f"- one of {described}, not null")
    lines += ["", f"A complete example (`guardians schema example {doc.schema}`):", ""]
    fence = "json" if doc.path.endswith(".json") else "yaml"
    lines.append(f"```{fence} path={doc.path}")
    lines.append(_dump(example_for(doc, role), fence))
    lines += ["```", ""]
    return lines


def _dump(value: Any, fence: str) -> str:
    if fence == "json":
        return json.dumps(value, indent=2, ensure_ascii=False)
    import yaml

    return str(yaml.safe_dump(value, sort_keys=False, allow_unicode=True)).rstrip("\n")


def _rules(prefixes: tuple[str, ...]) -> list[str]:
    from guardians.commands.explain import all_rules

    return [f"- `{r.code}` {r.name}" for r in all_rules() if r.code.startswith(prefixes)]


def embedded_examples(text: str) -> list[tuple[str, str]]:
    """(path, body) of every fenced example in a rendered prompt."""
    out = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("```") and " path=" in line:
            path = line.split(" path=", 1)[1]
            end = lines.index("```", i + 1)
            out.append((path, "\n".join(lines[i + 1 : end]) + "\n"))
    return out


def print_prompt(role: str, out: IO[str]) -> int:
    out.write(render(role))
    return EXIT_OK
