"""What the backup guardian finds when it checks checkpoints itself.

For each checkpoint in the configured folder with a database part, newest
first: re-read and validate metadata.json, check the signature hook, re-hash
every part, and relate its git commit to the commit under review (the last
commit that changed the epic's migration files).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from guardians.checkpoint import store
from guardians.rules.backup import CheckpointEvidence

# Re-hashing costs a read of every part: only the newest few are fully checked.
MAX_FULLY_CHECKED = 3


@dataclass(frozen=True)
class ReviewedCommit:
    commit: str | None
    reason: str  # why there is none, when commit is None


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60, check=False)


def reviewed_commit(root: Path, migration_paths: list[str]) -> ReviewedCommit:
    """The last commit touching the migration files; None when they are uncommitted or there is no git."""
    try:
        if _git(root, "rev-parse", "--git-dir").returncode != 0:
            return ReviewedCommit(None, f"{root} is not a git repository")
        paths = [p for p in migration_paths if p and not p.startswith("-")]
        dirty = _git(root, "status", "--porcelain", "--", *paths).stdout.strip() if paths else ""
        if dirty:
            return ReviewedCommit(None, "the migration files have uncommitted changes")
        log = _git(root, "log", "-1", "--format=%H", "--", *paths) if paths else _git(root, "rev-parse", "HEAD")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return ReviewedCommit(None, f"git failed: {exc}")
    commit = log.stdout.strip()
    if log.returncode != 0 or not commit:
        return ReviewedCommit(None, "the migration files are not committed")
    return ReviewedCommit(commit, "")


def _after(root: Path, reviewed: ReviewedCommit, taken: str | None) -> tuple[bool, str]:
    if reviewed.commit is None:
        return False, reviewed.reason
    if not taken:
        return False, "the checkpoint records no git commit"
    if taken == reviewed.commit:
        return True, ""
    try:
        rc = _git(root, "merge-base", "--is-ancestor", reviewed.commit, taken).returncode
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"git failed: {exc}"
    if rc == 0:
        return True, ""
    return False, f"taken at {taken[:12]}, which does not contain the reviewed commit {reviewed.commit[:12]}"


def gather(root: Path, folder: Path, migration_paths: list[str], now: float) -> list[CheckpointEvidence]:
    light = [store.assess(folder, n, checksums=False) for n in store.names(folder)]
    with_db = [a for a in light if a.meta is not None and a.meta.part("database") is not None]
    with_db.sort(key=lambda a: a.meta.created_unix if a.meta else 0, reverse=True)
    reviewed = reviewed_commit(root, migration_paths)
    out: list[CheckpointEvidence] = []
    for item in with_db[:MAX_FULLY_CHECKED]:
        full = store.assess(folder, item.name)
        meta = full.meta
        assert meta is not None
        ver = meta.verification
        after, why = _after(root, reviewed, meta.git.commit)
        if after and reviewed.commit is not None:
            ts = _git(root, "show", "-s", "--format=%ct", reviewed.commit).stdout.strip()
            if ts.isdigit() and meta.created_unix < int(ts):
                after, why = False, "created before the reviewed commit was made"
        out.append(
            CheckpointEvidence(
                name=item.name,
                intact=full.intact,
                has_database=True,
                verified=bool(ver and ver.checksums_ok),
                restore_tested=full.restore_tested,
                age_hours=store.age_hours(meta, now),
                after_review=after,
                why_not_after=why,
                problems=tuple(full.problems),
            )
        )
    return out
