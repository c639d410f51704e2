"""Atomic writes: after a failure or crash the target holds the old or the new bytes.

A crash between two syscalls cannot be produced on demand, so most tests make
one syscall raise (monkeypatch). One test goes further and SIGKILLs a real
child process at the replace step.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from guardians.store.atomic import atomic_write_bytes, atomic_write_text, create_exclusive

OLD = b"old content\n" * 100
NEW = b"new content, longer than the old one\n" * 500


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _leftovers(directory: Path, keep: str) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != keep)


def test_write_creates_parents_and_content(tmp_path):
    target = tmp_path / "a" / "b" / "out.json"
    atomic_write_bytes(target, NEW)
    assert target.read_bytes() == NEW
    atomic_write_text(target, "héllo ✓\n")
    assert target.read_bytes() == "héllo ✓\n".encode()
    assert _leftovers(target.parent, "out.json") == []


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644, 0o444])
def test_mode_is_honoured_regardless_of_umask(tmp_path, mode):
    target = tmp_path / "f"
    old_umask = os.umask(0o077)
    try:
        atomic_write_bytes(target, b"x", mode=mode)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(target.stat().st_mode) == mode
    # Rewriting replaces the inode, so a new mode applies to the new content.
    atomic_write_bytes(target, b"y", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes() == b"y"


def test_rewrite_replaces_inode_so_readers_keep_old_bytes(tmp_path):
    target = tmp_path / "f"
    atomic_write_bytes(target, OLD)
    with open(target, "rb") as reader:
        atomic_write_bytes(target, NEW)
        assert reader.read() == OLD  # an open reader never sees a mix
    assert target.read_bytes() == NEW


class _Crash(OSError):
    pass


def _fail_nth(monkeypatch, name: str, n: int, calls: list[str]):
    """Make the n-th call (1-based) of os.<name> raise, counting every call."""
    real = getattr(os, name)
    count = {"n": 0}

    def wrapper(*args, **kwargs):
        count["n"] += 1
        calls.append(name)
        if count["n"] == n:
            if name == "close":
                real(*args, **kwargs)  # Linux releases the descriptor even when close fails
            raise _Crash(errno.EIO, f"injected failure in os.{name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, wrapper)


# (syscall, which call fails, content expected afterwards)
STEPS = [
    ("write", 1, OLD),
    ("fchmod", 1, OLD),
    ("fsync", 1, OLD),  # fsync of the temp file
    ("close", 1, OLD),
    ("replace", 1, OLD),
    ("fsync", 2, NEW),  # fsync of the directory: the rename already happened
]


@pytest.mark.parametrize(("syscall", "nth", "expected"), STEPS, ids=[f"{s}#{n}" for s, n, _ in STEPS])
def test_failure_at_each_step_leaves_old_or_new_and_no_temp_file(tmp_path, monkeypatch, syscall, nth, expected):
    target = tmp_path / "out.yaml"
    atomic_write_bytes(target, OLD)
    calls: list[str] = []
    fds_before = _open_fds()
    _fail_nth(monkeypatch, syscall, nth, calls)
    with pytest.raises(_Crash):
        atomic_write_bytes(target, NEW)
    monkeypatch.undo()
    assert calls.count(syscall) >= nth  # the injected step was really reached
    assert target.read_bytes() == expected
    assert _leftovers(tmp_path, "out.yaml") == []
    assert _open_fds() == fds_before


def test_failure_on_first_write_leaves_no_target(tmp_path, monkeypatch):
    target = tmp_path / "new.json"
    _fail_nth(monkeypatch, "fsync", 1, [])
    with pytest.raises(_Crash):
        atomic_write_bytes(target, NEW)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_short_writes_are_continued(tmp_path, monkeypatch):
    real_write = os.write

    def dribble(fd, data):
        return real_write(fd, bytes(data[:7]))

    monkeypatch.setattr(os, "write", dribble)
    atomic_write_bytes(tmp_path / "a", NEW)
    assert create_exclusive(tmp_path / "b", NEW)
    monkeypatch.undo()
    assert (tmp_path / "a").read_bytes() == NEW
    assert (tmp_path / "b").read_bytes() == NEW


def test_sigkill_at_replace_leaves_old_content(tmp_path):
    """A real crash: the child dies just before os.replace runs."""
    target = tmp_path / "out.json"
    atomic_write_bytes(target, OLD)
    script = textwrap.dedent(
        """
        import os, signal, sys
        from pathlib import Path
        from guardians.store import atomic
        os.replace = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
        atomic.atomic_write_bytes(Path(sys.argv[1]), sys.stdin.buffer.read())
        """
    )
    proc = subprocess.run([sys.executable, "-c", script, str(target)], input=NEW, timeout=240, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert target.read_bytes() == OLD
    # A crash cannot clean up: the complete, fsynced temp file is left behind,
    # hidden (leading dot, .tmp suffix) so inbox scans and readers ignore it.
    leftovers = _leftovers(tmp_path, "out.json")
    assert len(leftovers) == 1
    assert leftovers[0].startswith(".out.json.")
    assert leftovers[0].endswith(".tmp")
    assert (tmp_path / leftovers[0]).read_bytes() == NEW


def test_create_exclusive_never_overwrites(tmp_path):
    target = tmp_path / "veto_2026_01_01_00_00_00.yaml"
    assert create_exclusive(target, b"first\n") is True
    assert create_exclusive(target, b"second\n") is False
    assert target.read_bytes() == b"first\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.stat().st_nlink == 1  # the temp link is gone
    assert _leftovers(tmp_path, target.name) == []


def test_create_exclusive_refuses_existing_file_written_otherwise(tmp_path):
    target = tmp_path / "x"
    target.write_bytes(b"precious")
    assert create_exclusive(target, b"other") is False
    assert target.read_bytes() == b"precious"


def test_create_exclusive_race_has_one_winner(tmp_path):
    target = tmp_path / "same-name.yaml"
    barrier = threading.Barrier(16)

    def attempt(i: int) -> bool:
        barrier.wait()
        return create_exclusive(target, f"writer {i}\n".encode())

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(attempt, range(16)))
    assert results.count(True) == 1
    winner = results.index(True)
    assert target.read_bytes() == f"writer {winner}\n".encode()
    assert _leftovers(tmp_path, target.name) == []


@pytest.mark.parametrize("syscall", ["write", "fsync", "link"])
def test_create_exclusive_failure_cleans_up(tmp_path, monkeypatch, syscall):
    target = tmp_path / "x.yaml"
    fds_before = _open_fds()
    _fail_nth(monkeypatch, syscall, 1, [])
    with pytest.raises(_Crash):
        create_exclusive(target, NEW)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
    assert _open_fds() == fds_before  # the temp descriptor was closed
    assert create_exclusive(target, NEW) is True
