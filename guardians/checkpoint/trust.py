"""Signed checkpoints: ``metadata.json`` is evidence the guardians' own tool wrote.

Checksums prove the parts are the ones the metadata names; only a signature
made with a key agents cannot read proves that ``guardians checkpoint`` wrote
the metadata. ``seal`` runs every time metadata.json is written (create,
verify, the safety checkpoint of recover) and writes ``metadata.json.sig``;
``check`` runs in every reader that trusts a checkpoint (the backup guardian,
``checkpoint verify``, ``list``, ``status``). Both are the generic evidence
seal of :mod:`guardians.trust.evidence`.
"""

from __future__ import annotations

from pathlib import Path

from guardians.checkpoint.metadata import METADATA


def seal(folder: Path, metadata: bytes) -> None:
    """Sign ``metadata`` next to it when this process holds a signing key."""
    from guardians.trust.evidence import seal as seal_file

    seal_file(folder / METADATA, metadata)


def check(folder: Path, metadata: bytes) -> str | None:
    """Problem with the signature of ``folder``'s metadata, or None (also when no anchor is configured)."""
    from guardians.trust.evidence import check as check_file

    return check_file(folder / METADATA, metadata)
