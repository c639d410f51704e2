"""``--baseline FILE``: record today's findings once, then report only new ones.

A finding is identified by its file, code, subject and message, not its
line, so that edits above it do not make it "new". Identical findings are
counted: a baseline with two identical findings hides two, a third is new.
The file is JSON, written atomically; hand edits are checked on load.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from guardians.errors import UsageError
from guardians.rules.base import Finding

VERSION = 1
_MAX_BYTES = 50_000_000


def fingerprint(finding: Finding) -> str:
    key = "\0".join((finding.file or "", finding.code, finding.subject or "", finding.message))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    from guardians.store.atomic import atomic_write_text

    entries = [
        {"fingerprint": fingerprint(f), "file": f.file, "line": f.line, "code": f.code, "message": f.message}
        for f in findings
    ]
    doc = {"version": VERSION, "tool": "guardians lint-migrations", "findings": entries}
    atomic_write_text(path, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return len(entries)


def load_baseline(path: Path) -> Counter[str]:
    from guardians.errors import InputError
    from guardians.store.loaders import load_json_text, read_bounded

    try:
        data = read_bounded(path, display=str(path), max_bytes=_MAX_BYTES)
        doc: Any = load_json_text(data.decode("utf-8"), str(path))
    except (InputError, UnicodeDecodeError) as exc:
        raise UsageError(f"baseline {exc}") from exc
    if not isinstance(doc, dict) or doc.get("version") != VERSION or not isinstance(doc.get("findings"), list):
        raise UsageError(f"{path}: $: not a guardians lint-migrations baseline (version {VERSION})")
    counts: Counter[str] = Counter()
    for i, entry in enumerate(doc["findings"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise UsageError(f"{path}: $.findings[{i}].fingerprint: missing or not a string")
        counts[entry["fingerprint"]] += 1
    return counts


def new_findings(findings: Iterable[Finding], known: Counter[str]) -> list[Finding]:
    """Findings not accounted for by the baseline, in order."""
    left = Counter(known)
    out: list[Finding] = []
    for f in findings:
        key = fingerprint(f)
        if left[key] > 0:
            left[key] -= 1
        else:
            out.append(f)
    return out
