"""Time stamps of the protocol: ``YYYY_MM_DD_HH_MM_SS`` in UTC (file names, messages, log entries).

Pure (no I/O), so that rules may use it without reaching into the store.
"""

from __future__ import annotations

from datetime import UTC, datetime

STAMP_FORMAT = "%Y_%m_%d_%H_%M_%S"


def stamp(now: datetime | None = None) -> str:
    """``now`` (default: the current time) as a protocol time stamp."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> datetime:
    """A protocol time stamp as an aware UTC datetime; ValueError if it is not one."""
    return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=UTC)
