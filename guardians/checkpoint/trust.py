"""Hook point for signed checkpoints (the trust anchor).

An agent that can write any file under the root can also write a checkpoint
folder with matching checksums. Checksums prove the parts are the ones the
metadata names; only a signature made with a key agents cannot read proves that
``guardians checkpoint`` wrote the metadata. When the signing work lands, it
plugs in here and nowhere else:

* ``seal`` is called with the final metadata bytes every time metadata.json is
  written (create, verify); it writes the signature next to it.
* ``check`` is called by every reader that trusts a checkpoint (the backup
  guardian, ``checkpoint verify``, ``checkpoint status``); it returns a problem
  string when a trust anchor is configured and the signature is missing or bad.

Until then no trust anchor exists, both are no-ops, and docs/security.md says
what that leaves open.
"""

from __future__ import annotations

from pathlib import Path


def seal(folder: Path, metadata: bytes) -> None:
    """Sign ``metadata`` for ``folder`` when a trust anchor is configured (not yet: no-op)."""
    del folder, metadata


def check(folder: Path, metadata: bytes) -> str | None:
    """Problem with the signature of ``folder``'s metadata, or None (no anchor configured: None)."""
    del folder, metadata
    return None
