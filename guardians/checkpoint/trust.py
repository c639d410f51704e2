"""Signed checkpoints: the trust anchor applied to ``metadata.json``.

An agent that can write any file under the root can also write a checkpoint
folder with matching checksums. Checksums prove the parts are the ones the
metadata names; only a signature made with a key agents cannot read proves that
``guardians checkpoint`` wrote the metadata.

* ``seal`` is called with the final metadata bytes every time metadata.json is
  written (create, verify, the safety checkpoint of recover). When this process
  holds the guardians' signing key, it writes ``metadata.json.sig``: an SSHSIG
  signature in the ``guardians-decision`` namespace, checkable with stock
  ``ssh-keygen -Y verify``.
* ``check`` is called by every reader that trusts a checkpoint (the backup
  guardian, ``checkpoint verify``, ``checkpoint status``). Under a trust anchor
  it returns a problem when the signature is missing, malformed, over other
  bytes, or made by a key the anchor does not allow; without an anchor there is
  nothing to check against and it returns None (docs/security.md says what
  that leaves open).

The process's trust (anchor and key) is resolved once by the command that
started it (``guardians.trust.anchor.use``).
"""

from __future__ import annotations

from pathlib import Path

SIGNATURE = "metadata.json.sig"
MAX_SIGNATURE = 16 << 10


def seal(folder: Path, metadata: bytes) -> None:
    """Sign ``metadata`` next to it when this process holds a signing key."""
    from guardians.trust.anchor import active

    signer = active().signer
    if signer is None:
        return
    from guardians.store.atomic import atomic_write_bytes
    from guardians.trust.sshsig import NS_DECISION

    atomic_write_bytes(folder / SIGNATURE, signer.sign(metadata, NS_DECISION).encode())


def check(folder: Path, metadata: bytes) -> str | None:
    """Problem with the signature of ``folder``'s metadata, or None (also when no anchor is configured)."""
    from guardians.trust.anchor import active

    anchor = active().anchor
    if anchor is None:
        return None
    from guardians.errors import InputError
    from guardians.store.loaders import read_bounded
    from guardians.trust.sshsig import NS_DECISION, SignatureError

    try:
        armored = read_bounded(folder / SIGNATURE, display=SIGNATURE, max_bytes=MAX_SIGNATURE)
    except (InputError, OSError) as exc:
        why = getattr(exc, "message", None) or exc
        return f"metadata.json is not signed by the guardians ({why}); a trust anchor is configured"
    try:
        anchor.verify(armored.decode("ascii", "replace"), metadata, NS_DECISION)
    except SignatureError as exc:
        return f"metadata.json signature does not verify: {exc}"
    return None
