"""One error family for the whole tool; exit codes are mapped in one place (cli)."""

from __future__ import annotations

from dataclasses import dataclass


class GuardianError(Exception):
    """Base class of every error the tool raises on purpose."""

    exit_code = 2


class UsageError(GuardianError):
    """The user asked for something impossible (bad epic id, unknown schema...)."""


@dataclass(frozen=True)
class Location:
    """Where a problem is: file, JSON path and (when known) line/column (1-based)."""

    file: str
    json_path: str = "$"
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        pos = self.file
        if self.line is not None:
            pos += f":{self.line}"
            if self.column is not None:
                pos += f":{self.column}"
        return f"{pos} {self.json_path}"


class InputError(GuardianError):
    """A file could not be read or parsed safely. Carries its location."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


class LogCorruptError(GuardianError):
    """The decision log is damaged before its last line: fail closed."""
