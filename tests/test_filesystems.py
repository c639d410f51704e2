"""Network filesystems are refused for the lease and the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardians.store import filesystems
from guardians.store.filesystems import fs_type, mounts

MOUNTINFO = """\
22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/root rw
40 22 0:50 / /srv/shared rw,relatime shared:20 - nfs4 server:/export rw,vers=4.2
41 40 0:51 / /srv/shared/local rw - tmpfs tmpfs rw
42 22 0:52 / /mnt/with\\040space rw - cifs //host/share rw
43 22 0:53 / /home/me/.cache rw - fuse.sshfs me@host: rw
"""


def test_mountinfo_parsing_and_longest_prefix():
    table = mounts(MOUNTINFO)
    assert ("/mnt/with space", "cifs") in table
    assert fs_type(Path("/srv/shared/repo"), table) == "nfs4"
    assert fs_type(Path("/srv/shared/local/repo"), table) == "tmpfs"
    assert fs_type(Path("/srv/sharedx"), table) == "ext4"
    assert fs_type(Path("/mnt/with space/x"), table) == "cifs"


def test_network_fs_is_refused_with_exit_2(example, run_cli, monkeypatch):
    # Mounting NFS needs privileges and a server; the mount table is the fault we inject.
    root = example("clean")
    table = [("/", "ext4"), (str(root.resolve()), "nfs4")]
    monkeypatch.setattr(filesystems, "_table", lambda: table)
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 2
    assert "nfs4 filesystem" in result.output
    assert not (root / "docs/specs/epic_1/consensus/decision_log.jsonl").exists()
    monkeypatch.setenv("GUARDIANS_ALLOW_NETWORK_FS", "1")
    assert run_cli("run", "--root", str(root)).exit_code == 0


@pytest.mark.parametrize("kind", ["fuse.fuse-overlayfs", "ext4", "tmpfs", "xfs", "btrfs"])
def test_local_filesystems_are_allowed(example, run_cli, monkeypatch, kind):
    root = example("clean")
    monkeypatch.setattr(filesystems, "_table", lambda: [("/", kind)])
    assert run_cli("run", "--root", str(root)).exit_code == 0
