"""Options and helpers shared by the click wiring (``guardians.cli`` and its evidence commands)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

import click

ROOT_OPTION = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Repository root that holds docs/specs/epic_<N>/.",
)


# Commands whose output is data: text for people, json with a stable shape for programs.
JSON_FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: see docs/machine-contract.md.",
)
TRUST_REF_OPTION = click.option(
    "--trust-ref",
    metavar="REF",
    help="Trust anchor: .guardians/allowed_signers as committed at this git ref (CI: the base branch). "
    "GUARDIANS_ALLOWED_SIGNERS (a file outside the root) takes precedence. See docs/security.md.",
)
SIGNING_KEY_OPTION = click.option(
    "--signing-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The guardians' OpenSSH Ed25519 private key (default: $GUARDIANS_SIGNING_KEY); outside the root, mode 600.",
)


def use_trust(root: Path, trust_ref: str | None, *, signs: bool = False) -> None:
    """Resolve the trust anchor once for the command (``signs``: it writes signed files, so it needs the key)."""
    from guardians.trust.anchor import load_trust, use

    use(load_trust(root, trust_ref=trust_ref, signs=signs))


def stdout() -> IO[str]:
    # Looked up at call time so click's test runner (and redirections) apply.
    return sys.stdout


def exit_with(code: int) -> None:
    sys.exit(code)
