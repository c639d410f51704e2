"""guardians: deterministic gates for a multi-agent consensus pipeline."""

__version__ = "0.1.0"
