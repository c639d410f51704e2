"""Size and sanity of a decision, checked before anything is written.

A migration with 20,000 ``DROP TABLE`` statements yields 20,000 findings. Put
in full into the log entry, that is a 15 MB line the log refuses (its lines
are capped at 1 MiB) only after the journal was written, so every later run
replayed it and failed: one file wedged the epic for good. Here a decision
is made to fit first:

* the log entry and the veto message list at most ``MAX_LISTED`` findings
  (blocking ones first) with the total and a count per rule code;
* the full list goes into an artifact, ``artifacts/findings/<agent>_<key>.json``
  (named by the message key, so a replay writes the same file);
* if an entry still does not fit, or the outputs together exceed
  ``MAX_OUTPUT_BYTES``, the decision becomes a small veto or reject that
  says so, instead of a journal that cannot be applied.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from guardians.engine.decision import Decision, OutFile
from guardians.rules.base import Finding

MAX_LISTED = 50
#: Findings kept in the full-list artifact (about 1 KB each).
MAX_IN_ARTIFACT = 100_000
#: All output files of one decision together (they are also in the journal).
MAX_OUTPUT_BYTES = 64 << 20
#: Largest log line we aim for; the log itself refuses more than 1 MiB.
ENTRY_BUDGET = 512 * 1024


def findings_file(epic_rel_artifacts: str, agent: str, key: str) -> str:
    return f"{epic_rel_artifacts}/findings/{agent}_{key[:16]}.json"


def listed(findings: list[Finding]) -> list[Finding]:
    """The findings shown in a message or log entry: blocking ones first, at most MAX_LISTED."""
    if len(findings) <= MAX_LISTED:
        return findings
    ordered = [f for f in findings if f.blocking] + [f for f in findings if not f.blocking]
    return ordered[:MAX_LISTED]


def summary_of(findings: list[Finding]) -> dict[str, Any]:
    return {
        "findings_total": len(findings),
        "findings_listed": min(len(findings), MAX_LISTED),
        "findings_by_code": dict(sorted(Counter(f.code for f in findings).items())),
    }


def fit_findings(decision: Decision, artifacts_rel: str, key: str) -> None:
    """Cap the findings of ``decision`` and add the full list as an artifact."""
    findings = decision.findings
    if len(findings) <= MAX_LISTED:
        return
    path = findings_file(artifacts_rel, decision.agent, key)
    body = {
        "agent": decision.agent,
        "epic_id": decision.epic_id,
        "iteration": decision.iteration,
        "message_key": key,
        **summary_of(findings),
        "truncated": len(findings) > MAX_IN_ARTIFACT,
        "findings": [f.to_dict() for f in findings[:MAX_IN_ARTIFACT]],
    }
    data = (json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
    decision.files.append(OutFile(path, data))
    decision.details.update(summary_of(findings))
    decision.details["findings_file"] = path
    decision.findings = listed(findings)


def output_problem(files: list[OutFile]) -> str | None:
    total = sum(len(f.data) for f in files)
    if total > MAX_OUTPUT_BYTES:
        return f"the decision's output files total {total} bytes; the limit is {MAX_OUTPUT_BYTES}"
    return None


def entry_size(entry: dict[str, Any]) -> int:
    from guardians.store.chain import canonical

    return len(canonical(entry))


def shrink_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """Keep only what identifies the decision when its details are too large to log."""
    raw = entry.get("details")
    details: dict[str, Any] = raw if isinstance(raw, dict) else {}
    names = ("summary", "subject", "vetoed_to", "handed_to", "findings_file", "findings_total", "findings_by_code")
    kept: dict[str, Any] = {k: details[k] for k in names if k in details}
    listed_raw = details.get("findings")
    findings: list[Any] = listed_raw if isinstance(listed_raw, list) else []
    kept["findings"] = [_short(f) for f in findings[:MAX_LISTED]]
    kept["details_truncated"] = True
    return {**entry, "details": kept}


def _short(finding: Any) -> Any:
    if not isinstance(finding, dict):
        return finding
    out = dict(finding)
    for key in ("message", "statement", "suggestion"):
        value = out.get(key)
        if isinstance(value, str) and len(value) > 500:
            out[key] = value[:497] + "..."
    out.pop("extra", None)
    return out
