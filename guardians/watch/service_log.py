"""Structured logs of ``guardians watch`` (structlog).

``console``: one human-readable, coloured line per event when the stream
is a terminal. ``json``: one JSON object per line, for journald, Loki and
friends. ``auto`` picks console on a TTY and JSON otherwise.

The logger is built with ``structlog.wrap_logger`` rather than the global
``structlog.configure`` so that the service (and its tests) never change
process-wide logging state.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Any, TextIO, cast

FORMATS = ("auto", "console", "json")


def make_logger(fmt: str = "auto", stream: IO[str] | None = None, level: int = logging.INFO) -> Any:
    import structlog

    out = stream if stream is not None else sys.stderr
    if fmt == "auto":
        fmt = "console" if _isatty(out) else "json"
    if fmt not in ("console", "json"):
        raise ValueError(f"unknown log format {fmt!r}")
    processors: list[Any] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if fmt == "json":
        processors.append(structlog.processors.format_exc_info)
        processors.append(structlog.processors.JSONRenderer(sort_keys=True))
    else:
        processors.append(structlog.dev.ConsoleRenderer(colors=_isatty(out)))
    return structlog.wrap_logger(
        structlog.PrintLogger(cast(TextIO, out)),
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=False,
    )


def _isatty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
