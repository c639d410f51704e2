"""Evidence files the guardians' own tools write (checkpoint metadata, health reports, the health series).

Agents can write any file under the root, so a file that *claims* a restore
test passed or a service is healthy proves nothing by itself. When the writing
command holds the guardians' signing key, ``seal`` puts an SSHSIG signature
(namespace ``guardians-decision``) next to the file as ``<name>.sig``, which
stock ``ssh-keygen -Y verify`` checks. Under a trust anchor, ``check`` is what
every reader asks before believing the file: a missing signature, one over
other bytes, or one by a key the anchor does not allow is a problem. Without
an anchor there is nothing to check against and ``check`` says nothing
(docs/security.md).

The process's anchor and key are resolved once by the command that started
it (``guardians.trust.anchor.use``).
"""

from __future__ import annotations

from pathlib import Path

MAX_SIGNATURE = 16 << 10


def signature_path(path: Path) -> Path:
    return path.with_name(path.name + ".sig")


def seal(path: Path, data: bytes) -> None:
    """Sign ``data`` (the bytes just written to ``path``) when this process holds a signing key."""
    from guardians.trust.anchor import active

    signer = active().signer
    if signer is None:
        return
    from guardians.store.atomic import atomic_write_bytes
    from guardians.trust.sshsig import NS_DECISION

    atomic_write_bytes(signature_path(path), signer.sign(data, NS_DECISION).encode())


def check(path: Path, data: bytes) -> str | None:
    """Why ``data`` (read from ``path``) is not the guardians' signed evidence; None when it is or no anchor is set."""
    from guardians.trust.anchor import active

    anchor = active().anchor
    if anchor is None:
        return None
    from guardians.errors import InputError
    from guardians.store.loaders import read_bounded
    from guardians.trust.sshsig import NS_DECISION, SignatureError

    sig = signature_path(path)
    try:
        armored = read_bounded(sig, display=sig.name, max_bytes=MAX_SIGNATURE)
    except (InputError, OSError) as exc:
        why = getattr(exc, "message", None) or exc
        return f"{path.name} is not signed by the guardians ({why}); a trust anchor is configured"
    try:
        anchor.verify(armored.decode("ascii", "replace"), data, NS_DECISION)
    except SignatureError as exc:
        return f"{path.name} signature does not verify: {exc}"
    return None
