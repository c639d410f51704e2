"""Errors of the checkpoint tool: one line for the user, never a traceback."""

from __future__ import annotations

from guardians.errors import GuardianError


class CheckpointError(GuardianError):
    """A checkpoint could not be created, verified or restored (exit 2)."""


class ToolMissing(CheckpointError):
    """pg_dump, pg_restore, redis-cli or redis-server is not installed or is too old."""


class Unreachable(CheckpointError):
    """A database or Redis server could not be reached; the message hides passwords."""


class DiskFull(CheckpointError):
    """The disk filled up while a checkpoint was written; nothing was left looking complete."""
