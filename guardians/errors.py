"""One error family and the exit codes of every command, in one place.

``EXIT_CODES`` is also the "Exit codes" paragraph of ``guardians --help``, so
the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_PROBLEMS = 1  # validate, lint-migrations, log verify found problems; send, check-write or approve refused; ...
EXIT_USAGE = 2  # usage error, unreadable input, or an internal fault (never a traceback)
EXIT_WATCH_FAILED = 3  # watch: the file watcher died or could not start; a supervisor should restart it
EXIT_STORAGE_FAILED = 4  # watch: the disk reported an I/O error; stop rather than retry over lost writes
EXIT_INTERRUPTED = 130  # Ctrl-C outside `watch` (watch exits 0 on SIGINT/SIGTERM)

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "success"),
    (
        EXIT_PROBLEMS,
        "problems found (validate, lint-migrations, log verify, a refused send, check-write or approve, "
        "an unhealthy probe, a failed or refused checkpoint status, verify or restore)",
    ),
    (EXIT_USAGE, "usage error or internal fault (for `hook claude-code`: the write is blocked)"),
    (EXIT_WATCH_FAILED, "the file watcher of `guardians watch` died or could not start"),
    (EXIT_STORAGE_FAILED, "`guardians watch` stopped on a disk I/O error"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C; watch exits 0)"),
)


def exit_codes_help() -> str:
    """The exit-code paragraph shown by ``guardians --help``."""
    return "Exit codes: " + ", ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES) + "."


class GuardianError(Exception):
    """Base class of every error the tool raises on purpose."""

    exit_code = EXIT_USAGE


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
