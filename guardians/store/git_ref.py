"""Read one file as committed at a git ref (``git show REF:path``), never from the working tree.

Agents can write the working tree and commit on their branch, but cannot move
the ref CI trusts (the base branch). The trust anchor, the gates' settings
under an anchor, and ``validate --since`` all read through this one function.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from guardians.errors import UsageError

GIT_TIMEOUT_S = 60


def read_at_ref(root: Path, ref: str, rel: str, *, option: str) -> bytes | None:
    """``rel`` at ``ref``, or None when that commit does not hold it.

    ``option`` names the flag the ref came from, for the error. A ref git
    cannot resolve to a commit is a usage error: a mistyped ref must not
    quietly mean "nothing is committed there".
    """
    if not ref or ref.startswith("-") or ":" in ref:
        raise UsageError(f"{option} {ref!r} is not a git ref")
    present = _git(root, option, ref, "cat-file", "-e", f"{ref}:{rel}")
    if present.returncode != 0:
        if _git(root, option, ref, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
            raise UsageError(f"{option} {ref}: not a commit in {root}")
        return None
    shown = _git(root, option, ref, "show", f"{ref}:{rel}")
    if shown.returncode != 0:
        reason = shown.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"{option} {ref}: cannot read {rel}: {reason[-1] if reason else 'git show failed'}")
    return shown.stdout


def _git(root: Path, option: str, ref: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False, timeout=GIT_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"{option} {ref}: cannot run git: {exc}") from None
