"""Complete example documents, generated from the schemas, and an editor catalog.

``example(name)`` walks the shipped JSON Schema (an export of the pydantic
models) and fills every property: a field's ``examples`` first, then its
default, ``const`` or first ``enum`` value, then a value built from the type
and its bounds. Strings with a ``pattern`` take the first sample below that
matches it. A test validates every example against its schema, so a model
change that the samples no longer satisfy fails at once instead of drifting.

``catalog(directory)`` is a SchemaStore-style catalog: which schema applies
to which file name, for the VS Code YAML and JSON extensions.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

SHA = "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"
# Hints by property name, used when they satisfy the schema of that property.
HINTS: dict[str, Any] = {
    "from": "quality",
    "to": "migration",
    "subject": "ready_for_guardians",
    "service": "orders-api",
    "name": "orders-api",
    "endpoint": "/health/ready",
    "deploy_command": "./scripts/deploy.sh",
    "test_command": "./scripts/run-tests.sh",
    "rollback_command": "./scripts/rollback.sh",
    "cpu": "500m",
    "memory": "512Mi",
    "location": "s3://backups/orders/prod-deploy-20261124-1430.dump",
    "code": "DEP101",
    "message_id": "quality-epic_7-1",
    "runs-on": "ubuntu-latest",
    "host": "0.0.0.0",
    "time_to_rollback": "5m",
}
# Tried in order for a string with a pattern and no example.
PATTERN_SAMPLES: tuple[str, ...] = (
    "2026_11_24_14_30_00",
    "epic_7",
    SHA,
    "prod-deploy-20261124-1430",
    "DEP101",
    "quality",
    "ready_for_guardians",
    "./scripts/deploy.sh",
    "/health/ready",
)
EXAMPLE_KEY = "example"


class ExampleError(ValueError):
    """The schema asks for something the generator cannot produce (a pattern with no sample)."""


@cache
def example(name: str) -> Any:
    """A complete document valid against schema ``name``."""
    from guardians.protocol.schemas import BY_NAME
    from guardians.protocol.validator import load_schema

    if name not in BY_NAME:
        from guardians.errors import UsageError

        raise UsageError(f"unknown schema {name!r}; known: {', '.join(BY_NAME)}")
    schema = load_schema(name)
    return _Walker(schema).value(schema, name)


class _Walker:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ExampleError(f"external $ref {ref!r}")
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def value(self, node: dict[str, Any], key: str) -> Any:
        node = self.resolve(node)
        for keyword in ("examples", "const", "enum"):
            if keyword in node:
                return node[keyword] if keyword == "const" else node[keyword][0]
        default = node.get("default")
        if default is not None and default != [] and default != {}:
            return default
        for keyword in ("anyOf", "oneOf"):
            branches = [self.resolve(b) for b in node.get(keyword, [])]
            usable = [b for b in branches if b.get("type") != "null"]
            if usable and "type" not in node and "properties" not in node:
                return self.value(usable[0], key)
        kind = node.get("type", "object")
        if isinstance(kind, list):
            kind = next(k for k in kind if k != "null")
        return getattr(self, f"_{kind}")(node, key)

    def _object(self, node: dict[str, Any], key: str) -> dict[str, Any]:
        out = {name: self.value(sub, name) for name, sub in node.get("properties", {}).items()}
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and len(out) < node.get("minProperties", 0):
            out[EXAMPLE_KEY] = self.value(extra, EXAMPLE_KEY)
        return out

    def _array(self, node: dict[str, Any], key: str) -> list[Any]:
        items = node.get("items", {})
        return [self.value(items, key) for _ in range(max(1, node.get("minItems", 1)))]

    def _string(self, node: dict[str, Any], key: str) -> str:
        pattern = node.get("pattern")
        hint = HINTS.get(key)
        candidates = ([hint] if isinstance(hint, str) else []) + ([] if pattern else [key.replace("_", " ")])
        candidates += list(PATTERN_SAMPLES) if pattern else []
        for text in candidates:
            if (not pattern or re.search(pattern, text)) and node.get("minLength", 0) <= len(text):
                return text[: node.get("maxLength", len(text))]
        raise ExampleError(f"no sample for {key!r} matches the pattern {pattern!r}")

    def _integer(self, node: dict[str, Any], key: str) -> int:
        low = node.get("minimum")
        if low is None:
            low = node["exclusiveMinimum"] + 1 if "exclusiveMinimum" in node else 1
        high = node.get("maximum")
        return int(low if high is None else min(low, high))

    def _number(self, node: dict[str, Any], key: str) -> float:
        return float(self._integer(node, key))

    def _boolean(self, node: dict[str, Any], key: str) -> bool:
        return True

    def _null(self, node: dict[str, Any], key: str) -> None:
        return None


# --- editor catalog -------------------------------------------------------------------

# Which files each schema describes, as globs relative to a repository root.
FILE_MATCH: dict[str, tuple[str, ...]] = {
    "plan": ("**/consensus/artifacts/plan.json",),
    "implementation": ("**/consensus/artifacts/implementation.json",),
    "review": ("**/consensus/artifacts/review.json",),
    "health_report": ("**/consensus/artifacts/health_report.json",),
    "checkpoint": ("**/consensus/checkpoints/*.json",),
    "message": (
        "**/consensus/messages/inbox/*/*.yaml",
        "**/consensus/messages/inbox/*/*.yml",
        "**/consensus/messages/inbox/*/*.json",
    ),
    "veto": ("**/consensus/messages/inbox/*/veto_*.yaml",),
    "handoff": ("**/consensus/messages/inbox/*/handoff_*.yaml",),
    "escalation": ("**/consensus/messages/inbox/*/escalation_*.yaml",),
    "migration_review": ("**/consensus/artifacts/migration_review.json",),
    "deployment": ("**/consensus/artifacts/deployment.json",),
    "backup_plan": ("**/consensus/artifacts/backup_plan.json",),
    "process_report": ("**/consensus/artifacts/process_report.json",),
    "cicd": ("**/consensus/artifacts/cicd.yaml", "**/consensus/artifacts/cicd.yml"),
}


def catalog(schema_url: Any) -> dict[str, Any]:
    """SchemaStore catalog (version 1); ``schema_url(name)`` gives each schema's URL."""
    from guardians.protocol.schemas import CATALOG

    return {
        "$schema": "https://json.schemastore.org/schema-catalog.json",
        "version": 1.0,
        "schemas": [
            {
                "name": f"guardians {entry.name}",
                "description": entry.title,
                "fileMatch": list(FILE_MATCH[entry.name]),
                "url": schema_url(entry.name),
            }
            for entry in CATALOG
            if entry.name in FILE_MATCH
        ],
    }
