"""Refuse network filesystems for the lease and the decision log.

The per-epic lease and the log append lock are flock(2) locks, and the log
relies on O_APPEND: on NFS and SMB mounts flock may be local-only and
O_APPEND is not atomic, so two hosts could both "hold" an epic and tear the
log. We refuse such mounts instead of corrupting the log. FUSE is allowed:
rootless containers commonly run on fuse-overlayfs, which is local.
Set GUARDIANS_ALLOW_NETWORK_FS=1 to override (one host per epic, your risk).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from guardians.errors import GuardianError

NETWORK_FS = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph", "glusterfs", "9p"})
MOUNTINFO = Path("/proc/self/mountinfo")


class NetworkFilesystemError(GuardianError):
    """The consensus folder lives on a filesystem whose locks we cannot trust."""


def mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, fs type) pairs from /proc/self/mountinfo text."""
    out = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if not sep or len(fields) < 5 or not right.split():
            continue
        point = fields[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        out.append((point, right.split()[0]))
    return out


def fs_type(path: Path, table: list[tuple[str, str]]) -> str | None:
    """The fs type of the longest mount point containing ``path``."""
    target = str(path)
    best: tuple[int, str] | None = None
    for point, kind in table:
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= best[0]):
            best = (len(point), kind)
    return best[1] if best else None


@cache
def _table() -> list[tuple[str, str]]:
    try:
        return mounts(MOUNTINFO.read_text())
    except OSError:  # not Linux, or /proc is not mounted: nothing to check against
        return []


def check_local(path: Path) -> None:
    """Raise NetworkFilesystemError if ``path`` is on a network filesystem."""
    if os.environ.get("GUARDIANS_ALLOW_NETWORK_FS") == "1":
        return
    kind = fs_type(path.resolve(), _table())
    if kind is not None and kind.split(".")[0] in NETWORK_FS:
        raise NetworkFilesystemError(
            f"{path} is on a {kind} filesystem: its file locks cannot protect the decision log. "
            "Run the guardians on a local filesystem (or set GUARDIANS_ALLOW_NETWORK_FS=1 if only one "
            "host ever touches this repository)."
        )
