"""What ``guardians validate`` finds: problems, per-epic reports and the summary.

Computed first, rendered afterwards by the reporters (one class per format).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from guardians.rules.base import Severity
from guardians.validate.codes import CODES, ValRule


@dataclass(frozen=True)
class Problem:
    """One problem: where (file, JSON path, line, column), what, and how to fix it."""

    file: str
    code: str
    message: str
    fix: str
    json_path: str = "$"
    line: int | None = None
    column: int | None = None
    keyword: str = ""
    severity: str = "error"  # error | warning

    @classmethod
    def of(
        cls,
        rule: type[ValRule],
        file: str,
        message: str,
        json_path: str = "$",
        line: int | None = None,
        column: int | None = None,
        keyword: str = "",
        *,
        fix: str | None = None,
    ) -> Problem:
        """A problem of ``rule``: its code, severity and fix (unless a more specific fix is given)."""
        severity = "warning" if rule.severity <= Severity.WARNING else "error"
        return cls(file, rule.code, message, fix or rule.fix, json_path, line, column, keyword, severity)

    @property
    def rule(self) -> str:
        """The schema keyword or cross-file rule that failed."""
        return self.keyword or self.title

    @property
    def title(self) -> str:
        """Short title of the code, with the schema keyword for VAL001."""
        title = CODES.get(self.code, (self.code, ""))[0]
        return f"{title}: {self.keyword}" if self.code == "VAL001" and self.keyword else title


@dataclass
class EpicReport:
    """Everything found in one epic (or in a group of loose files)."""

    name: str
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    log_lines: int = 0
    notes: list[str] = field(default_factory=list)  # said once per epic, not problems (legacy/ kept)


@dataclass
class Summary:
    files: int = 0
    log_lines: int = 0
    errors: int = 0
    warnings: int = 0
    epics: int = 0
    files_with_problems: int = 0

    def add(self, report: EpicReport) -> None:
        self.epics += 1 if report.name.startswith("epic_") else 0
        self.files += len(report.files)
        self.log_lines += report.log_lines
        self.errors += sum(1 for p in report.problems if p.severity == "error")
        self.warnings += sum(1 for p in report.problems if p.severity != "error")
        self.files_with_problems += len({p.file for p in report.problems})
