"""Real OpenSSH keys and an allowed_signers file for the trust tests (made with ssh-keygen)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SSH_KEYGEN = shutil.which("ssh-keygen")
needs_ssh_keygen = pytest.mark.skipif(SSH_KEYGEN is None, reason="ssh-keygen (openssh-client) is not installed")


@dataclass(frozen=True)
class Keys:
    dir: Path
    guardians: Path  # allowed for guardians-decision
    lead: Path  # allowed for guardians-approval (lead@example.com)
    agent: Path  # allowed for nothing
    allowed: Path

    def sign_health(self, root: Path) -> None:
        """Sign every epic's health_report.json with the guardians' key, as `guardians probe` does when it writes
        one (the examples ship a hand-written report; under an anchor only signed health evidence counts, PRC108).
        Stock `ssh-keygen -Y sign` writes ``<file>.sig``, the name the guardians look for."""
        assert SSH_KEYGEN is not None
        for report in sorted(root.glob("docs/specs/*/consensus/artifacts/health_report.json")):
            subprocess.run(
                [SSH_KEYGEN, "-q", "-Y", "sign", "-f", str(self.guardians), "-n", "guardians-decision", str(report)],
                check=True,
                capture_output=True,
            )

    def env(self, monkeypatch: pytest.MonkeyPatch, *, sign: bool = True) -> None:
        monkeypatch.setenv("GUARDIANS_ALLOWED_SIGNERS", str(self.allowed))
        if sign:
            monkeypatch.setenv("GUARDIANS_SIGNING_KEY", str(self.guardians))
        else:
            monkeypatch.delenv("GUARDIANS_SIGNING_KEY", raising=False)


def keygen(path: Path, comment: str) -> Path:
    assert SSH_KEYGEN is not None
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True)
    return path


def public(path: Path) -> str:
    return " ".join(path.with_name(path.name + ".pub").read_text().split()[:2])


def make_keys(base: Path) -> Keys:
    base.mkdir(parents=True, exist_ok=True)
    guardians = keygen(base / "guardians", "guardians")
    lead = keygen(base / "lead", "lead")
    agent = keygen(base / "agent", "agent")
    allowed = base / "allowed_signers"
    allowed.write_text(
        f'guardians namespaces="guardians-decision" {public(guardians)}\n'
        f'lead@example.com namespaces="guardians-approval" {public(lead)}\n'
    )
    return Keys(base, guardians, lead, agent, allowed)


def ssh_verify(allowed: Path, identity: str, namespace: str, signature: str, data: bytes, tmp: Path) -> bool:
    """Stock OpenSSH's answer: does ``signature`` verify ``data``?"""
    assert SSH_KEYGEN is not None
    sig = tmp / "check.sig"
    sig.write_text(signature)
    done = subprocess.run(
        [SSH_KEYGEN, "-Y", "verify", "-f", str(allowed), "-I", identity, "-n", namespace, "-s", str(sig)],
        input=data,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0
