"""Triage at scale: exact duplicates dropped, codes selected or ignored, a baseline of known problems.

Applied to each epic's report after the checks and before any reporter sees
it, so every format agrees. Codes match by prefix, as in ruff: ``VAL1``
selects VAL101 to VAL151.

A baseline file lists the problems that were there when it was written, by
file, code, JSON path and message (not line: lines move when a file is
edited above the problem), with a count. Later runs report only problems
beyond those counts.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from guardians.errors import UsageError
from guardians.validate.result import EpicReport, Problem

BASELINE_VERSION = 1
Fingerprint = tuple[str, str, str, str]


def fingerprint(p: Problem) -> Fingerprint:
    return (p.file, p.code, p.json_path, p.message)


def parse_codes(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``--select VAL1,VAL002 --select VAL004`` -> ("VAL1", "VAL002", "VAL004")."""
    codes = []
    for value in values:
        for code in value.split(","):
            code = code.strip().upper()
            if not code:
                continue
            if not code.isalnum():
                raise UsageError(f"invalid code {code!r}: expected a code or prefix such as VAL001 or VAL1")
            codes.append(code)
    return tuple(codes)


@dataclass
class Triage:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    baseline: Counter[Fingerprint] | None = None  # known problems; None: no baseline in use
    recording: bool = False  # writing the baseline on this run
    recorded: Counter[Fingerprint] = field(default_factory=Counter)
    suppressed: int = 0  # problems hidden by the baseline

    def wanted(self, p: Problem) -> bool:
        if self.select and not p.code.startswith(self.select):
            return False
        return not (self.ignore and p.code.startswith(self.ignore))

    def apply(self, report: EpicReport) -> None:
        seen: set[tuple[str, str, str, str, int | None, int | None]] = set()
        kept: list[Problem] = []
        for p in report.problems:
            key = (*fingerprint(p), p.line, p.column)
            if key in seen or not self.wanted(p):
                continue  # an exact duplicate says nothing new
            seen.add(key)
            kept.append(p)
        if self.recording:
            self.recorded.update(fingerprint(p) for p in kept)
            self.suppressed += len(kept)
            kept = []
        elif self.baseline is not None:
            kept = self._new(kept)
        report.problems = kept

    def _new(self, problems: list[Problem]) -> list[Problem]:
        assert self.baseline is not None
        budget = self.baseline
        out = []
        for p in problems:
            fp = fingerprint(p)
            if budget[fp] > 0:
                budget[fp] -= 1
                self.suppressed += 1
            else:
                out.append(p)
        return out


def load_baseline(path: Path) -> Counter[Fingerprint] | None:
    """The known problems in ``path``; None when the file does not exist yet (this run writes it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise UsageError(f"--baseline {path}: cannot read it ({exc}); delete it to write a new one") from None
    if (
        not isinstance(data, dict)
        or data.get("version") != BASELINE_VERSION
        or not isinstance(data.get("problems"), list)
    ):
        raise UsageError(f"--baseline {path}: not a guardians validate baseline (version {BASELINE_VERSION})")
    known: Counter[Fingerprint] = Counter()
    for item in data["problems"]:
        try:
            known[(str(item["file"]), str(item["code"]), str(item["json_path"]), str(item["message"]))] += int(
                item.get("count", 1)
            )
        except (KeyError, TypeError, ValueError):
            raise UsageError(f"--baseline {path}: an entry is not {{file, code, json_path, message, count}}") from None
    return known


def write_baseline(path: Path, recorded: Counter[Fingerprint]) -> None:
    from guardians.store.atomic import atomic_write_bytes

    problems = [
        {"file": f, "code": c, "json_path": j, "message": m, "count": n} for (f, c, j, m), n in sorted(recorded.items())
    ]
    text = json.dumps({"version": BASELINE_VERSION, "problems": problems}, indent=1, ensure_ascii=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))
