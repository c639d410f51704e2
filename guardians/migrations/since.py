"""``--since REF``: the files added or changed since a git ref.

Asks git (``git diff --name-only`` against the ref, plus untracked files
that are not ignored), so committed, staged and unstaged changes all count.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from guardians.errors import UsageError

_TIMEOUT = 60


def _git(args: list[str], cwd: Path) -> str:
    try:
        # no fsmonitor hook: a repository's own settings should run nothing here
        command = ["git", "-c", "core.fsmonitor=false", *args]
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"--since needs git: {exc}") from exc
    if done.returncode != 0:
        raise UsageError(f"--since: git {' '.join(args[:2])} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def changed_since(ref: str, cwd: Path) -> set[Path]:
    """Absolute paths of files added, copied, modified or renamed since ``ref``, and untracked files."""
    if not ref or ref.startswith("-") or any(ch in ref for ch in "\0\n"):
        raise UsageError(f"--since: not a git ref: {ref!r}")
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    names = _git(
        ["diff", "--no-ext-diff", "--no-textconv", "--name-only", "-z", "--diff-filter=ACMR", ref, "--"], top
    ).split("\0")
    names += _git(["ls-files", "--others", "--exclude-standard", "-z"], top).split("\0")
    return {(top / name).absolute() for name in names if name}
