"""The guardians' private signing key: where it may live and how it signs."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from guardians.errors import UsageError
from guardians.trust import sshsig

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY_ENV = "GUARDIANS_SIGNING_KEY"


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key that signs SSHSIG signatures."""

    path: Path
    key: Ed25519PrivateKey
    public_blob: bytes

    def sign(self, message: bytes, namespace: str) -> str:
        raw = self.key.sign(sshsig.signed_data(namespace, message))
        return sshsig.armor(self.public_blob, namespace, raw)

    @property
    def public_line(self) -> str:
        """``ssh-ed25519 AAAA...``, as in an allowed_signers file."""
        import base64

        return f"{sshsig.KEY_TYPE} {base64.b64encode(self.public_blob).decode()}"


def load_signer(path: Path, root: Path | None = None, *, check_mode: bool = True) -> Signer:
    """Load an OpenSSH Ed25519 private key (unencrypted), refusing unsafe places.

    A key under the repository root could be read by the agents, and a key
    readable by group or others by any other account: either would let an
    agent sign as a guardian (or as a tech lead), so both are refused.
    """
    try:
        info = path.stat()
    except OSError as exc:
        raise UsageError(f"signing key {path}: {exc.strerror or exc}") from None
    if root is not None and path.resolve().is_relative_to(root.resolve()):
        raise UsageError(
            f"signing key {path} is inside the repository root {root}; agents can read it there. "
            "Keep it outside the root (see docs/security.md)"
        )
    if check_mode and stat.S_IMODE(info.st_mode) & 0o077:
        raise UsageError(
            f"signing key {path} is readable by group or others (mode {stat.S_IMODE(info.st_mode):o}); "
            f"run `chmod 600 {path}`"
        )
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_ssh_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise UsageError(f"signing key {path} is not an unencrypted OpenSSH private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"signing key {path} is not an Ed25519 key; make one with `ssh-keygen -t ed25519`")
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return Signer(path, key, sshsig.ed25519_blob(raw))


def signer_from_env(explicit: Path | None, root: Path | None) -> Signer | None:
    """The key from ``--signing-key`` or ``GUARDIANS_SIGNING_KEY``, if any."""
    path = explicit or (Path(os.environ[KEY_ENV]) if os.environ.get(KEY_ENV) else None)
    return load_signer(path, root) if path is not None else None
