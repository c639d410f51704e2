"""The one parser of protocol time stamps.

Protocol files carry UTC times as ``YYYY_MM_DD_HH_MM_SS``; some inputs also
accept ISO 8601 (``LooseTime``). A stamp that matches the pattern but names
no real time (``2026_02_30_09_00_00``, ``2026_99_99_99_99_99``) is refused
here with one wording, and the schema validator asserts the same check as
the formats below, so ``validate``, ``send`` and ``run`` agree on it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

STAMP_FORMAT = "%Y_%m_%d_%H_%M_%S"
STAMP_EXAMPLE = "2026_11_24_14_30_00"
# Format names asserted by the schema validator (see protocol/validator.py).
STAMP_FORMAT_NAME = "guardians-stamp"
TIME_FORMAT_NAME = "guardians-time"

_STAMP_RE = re.compile(r"([0-9]{4})_([0-9]{2})_([0-9]{2})_([0-9]{2})_([0-9]{2})_([0-9]{2})")
_ISO_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?")


class StampError(ValueError):
    """A time stamp that does not name a real UTC time; the message says why."""


def stamp(now: datetime | None = None) -> str:
    """UTC time as YYYY_MM_DD_HH_MM_SS."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> datetime:
    """``YYYY_MM_DD_HH_MM_SS`` as an aware UTC datetime; StampError otherwise."""
    match = _STAMP_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise StampError(f"{text!r} is not a time stamp: expected YYYY_MM_DD_HH_MM_SS (UTC), e.g. {STAMP_EXAMPLE}")
    return _moment(text, match.groups())


def real_stamp(text: str) -> str:
    """``text`` when it is a stamp naming a real time; StampError otherwise."""
    parse_stamp(text)
    return text


def real_time(text: str) -> str:
    """``text`` when it is a stamp or an ISO 8601 date/time that exists.

    Only the calendar is checked here; the shape is the schema pattern's job.
    """
    if "_" in text:
        return real_stamp(text)
    match = _ISO_RE.match(text)
    if match is not None:
        _moment(text, match.groups())
    return text


def _moment(text: str, groups: tuple[str | None, ...]) -> datetime:
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in groups)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise StampError(f"{text!r} is not a real time: {exc}") from None
