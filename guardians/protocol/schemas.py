"""The schema catalog: one entry per artifact/message, generated from the models.

``schemas/`` in the repository is an export of this catalog
(``guardians schema export schemas``); a test fails if the two drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://guardians.dev/schemas/"


@dataclass(frozen=True)
class SchemaEntry:
    name: str
    model: str  # "module:Class", imported lazily
    title: str


CATALOG: tuple[SchemaEntry, ...] = (
    SchemaEntry("plan", "guardians.protocol.models.inputs:Plan", "plan.json (architect)"),
    SchemaEntry("implementation", "guardians.protocol.models.inputs:Implementation", "implementation.json (developer)"),
    SchemaEntry("review", "guardians.protocol.models.inputs:Review", "review.json (quality)"),
    SchemaEntry("health_report", "guardians.protocol.models.inputs:HealthReport", "health_report.json (ops)"),
    SchemaEntry("checkpoint", "guardians.protocol.models.inputs:Checkpoint", "consensus/checkpoints/<name>.json"),
    SchemaEntry("message", "guardians.protocol.models.messages:Message", "Any inbox message"),
    SchemaEntry("approval", "guardians.protocol.models.messages:ApprovalContent", "content of a tech-lead approval"),
    SchemaEntry("veto", "guardians.protocol.models.messages:VetoMessage", "veto_YYYY_MM_DD_HH_MM_SS.yaml"),
    SchemaEntry("handoff", "guardians.protocol.models.messages:HandoffMessage", "Guardian handoff message"),
    SchemaEntry("escalation", "guardians.protocol.models.messages:EscalationMessage", "Escalation to tech-lead"),
    SchemaEntry("migration_review", "guardians.protocol.models.outputs:MigrationReview", "migration_review.json"),
    SchemaEntry("deployment", "guardians.protocol.models.outputs:Deployment", "deployment.json"),
    SchemaEntry("backup_plan", "guardians.protocol.models.outputs:BackupPlan", "backup_plan.json"),
    SchemaEntry("process_report", "guardians.protocol.models.outputs:ProcessReport", "process_report.json"),
    SchemaEntry("cicd", "guardians.protocol.models.cicd:Workflow", "cicd.yaml (GitHub Actions workflow)"),
    SchemaEntry("decision_log_entry", "guardians.protocol.models.outputs:LogEntry", "One decision_log.jsonl line"),
)
BY_NAME = {e.name: e for e in CATALOG}


def model_class(name: str) -> Any:
    import importlib

    module, _, cls = BY_NAME[name].model.partition(":")
    return getattr(importlib.import_module(module), cls)


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of ``name``, built from its model (cached)."""
    from guardians.errors import UsageError

    if name not in BY_NAME:
        raise UsageError(f"unknown schema {name!r}; known: {', '.join(BY_NAME)}")
    raw = model_class(name).model_json_schema(by_alias=True, mode="validation")
    _fill_descriptions(raw)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"{ID_BASE}{name}.schema.json",
        **{k: v for k, v in raw.items() if k not in ("$schema", "$id")},
    }


def _fill_descriptions(node: Any) -> None:
    # Every property must say what it is, so an agent can write a valid artifact
    # from the schema alone; fall back to the humanised title.
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for key, sub in props.items():
                if isinstance(sub, dict) and "description" not in sub:
                    sub["description"] = sub.get("title") or key.replace("_", " ")
        for value in node.values():
            _fill_descriptions(value)
    elif isinstance(node, list):
        for item in node:
            _fill_descriptions(item)


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
