"""The trust anchor and the signing key of one command, resolved once.

The anchor is an OpenSSH ``allowed_signers`` file read from
``GUARDIANS_ALLOWED_SIGNERS`` (a path outside the repository root) or else
from ``.guardians/allowed_signers`` as committed at a git ref (``--trust-ref``
or ``GUARDIANS_TRUST_REF``), read with ``git show REF:path`` and never from
the working tree: agents can write the working tree and commit, but cannot
move the ref CI trusts (the base branch) nor write outside the root.

Without an anchor the guardians work as before and say so: the log is then
unsigned and protects against accidents only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from guardians.errors import UsageError

if TYPE_CHECKING:  # the signature modules load only when an anchor or a key is configured (start-up cost)
    from guardians.trust.allowed_signers import AllowedSigners
    from guardians.trust.keys import Signer

NS_DECISION = "guardians-decision"  # == guardians.trust.sshsig.NS_DECISION (a test keeps them equal)

SIGNERS_ENV = "GUARDIANS_ALLOWED_SIGNERS"
REF_ENV = "GUARDIANS_TRUST_REF"
COMMITTED_PATH = ".guardians/allowed_signers"
MAX_SIGNERS_FILE = 1 << 20
UNSIGNED_NOTE = (
    "unsigned: no trust anchor is configured, so the decision log protects against accidents only "
    "(anyone who can write the repository can rewrite it; see docs/security.md)"
)


@dataclass(frozen=True)
class Trust:
    """What this process trusts (``anchor``) and signs with (``signer``)."""

    anchor: AllowedSigners | None = None
    signer: Signer | None = None
    # The git ref the anchor was read from; the gates' settings are read there too.
    ref: str | None = None

    @property
    def keyed(self) -> bool:
        return self.anchor is not None

    def describe(self) -> str:
        if self.anchor is None:
            return UNSIGNED_NOTE
        who = self.anchor.principal(self.signer.public_blob, NS_DECISION) if self.signer else None
        signing = f"; signing as {who}" if who else ""
        return f"signed: trust anchor {self.anchor.source}{signing}"


UNKEYED = Trust()


def load_anchor(root: Path, trust_ref: str | None = None) -> AllowedSigners | None:
    """The configured allowed_signers, or None when no anchor is configured."""
    path_text = os.environ.get(SIGNERS_ENV)
    if path_text:
        path = Path(path_text)
        if path.resolve().is_relative_to(root.resolve()):
            raise UsageError(
                f"{SIGNERS_ENV}={path} lies inside the repository root, where agents can change it; "
                f"keep it outside, or commit it as {COMMITTED_PATH} and use --trust-ref"
            )
        try:
            data = path.read_bytes()[:MAX_SIGNERS_FILE]
        except OSError as exc:
            raise UsageError(f"{SIGNERS_ENV}: cannot read {path}: {exc.strerror or exc}") from None
        from guardians.trust.allowed_signers import parse_allowed_signers

        return parse_allowed_signers(data.decode("utf-8", "replace"), str(path))
    ref = anchor_ref(trust_ref)
    if not ref:
        return None
    from guardians.store.git_ref import read_at_ref
    from guardians.trust.allowed_signers import parse_allowed_signers

    committed = read_at_ref(root, ref, COMMITTED_PATH, option="--trust-ref")
    if committed is None:
        raise UsageError(f"cannot read {COMMITTED_PATH} at {ref}: it is not committed there")
    return parse_allowed_signers(committed[:MAX_SIGNERS_FILE].decode("utf-8", "replace"), f"{COMMITTED_PATH} at {ref}")


def anchor_ref(trust_ref: str | None) -> str | None:
    """The ref the anchor is read from; None when there is none or it comes from a file outside the root."""
    if os.environ.get(SIGNERS_ENV):
        return None
    return trust_ref or os.environ.get(REF_ENV) or None


def load_trust(
    root: Path, *, trust_ref: str | None = None, signing_key: Path | None = None, signs: bool = False
) -> Trust:
    """Resolve anchor and key for a command; ``signs``: the command writes decisions.

    A command that writes decisions under an anchor must hold a key the
    anchor allows for ``guardians-decision``: otherwise every entry it wrote
    would fail verification, so it refuses to start instead.
    """
    anchor = load_anchor(root, trust_ref)
    signer = None
    if signs:
        from guardians.trust.keys import signer_from_env

        signer = signer_from_env(signing_key, root)
    if anchor is not None and signs:
        if signer is None:
            raise UsageError(
                f"a trust anchor is configured ({anchor.source}) but no signing key: set GUARDIANS_SIGNING_KEY "
                "or pass --signing-key"
            )
        if anchor.principal(signer.public_blob, NS_DECISION) is None:
            raise UsageError(
                f"signing key {signer.path} is not allowed for {NS_DECISION} by {anchor.source}; "
                'add its public key there with namespaces="guardians-decision"'
            )
    return Trust(anchor, signer, anchor_ref(trust_ref) if anchor is not None else None)


# The trust of this process, resolved once by the command that started it;
# read-only views (status, log, report, validate) ask for it here.
_ACTIVE: list[Trust] = [UNKEYED]


def use(trust: Trust) -> Trust:
    _ACTIVE[0] = trust
    return trust


def active() -> Trust:
    return _ACTIVE[0]
