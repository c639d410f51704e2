"""The VAL codes of ``guardians validate``: code -> (short title, what to do about it).

Rendered in docs/validate.md and as SARIF rules.
"""

from __future__ import annotations

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
