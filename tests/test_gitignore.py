"""Runtime files (lease, append lock, journal, send temp folders) never show up in `git status`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import consensus

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(root: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
    import os

    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env={**os.environ, **env}
    ).stdout


def test_run_leaves_no_runtime_file_in_git_status(example, run_cli) -> None:
    root = example("clean")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "agents' work")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    status = git(root, "status", "--porcelain", "--untracked-files=all")
    for name in (".guardians.lock", "decision_log.jsonl.lock", ".guardians.journal.json", "/.tmp/"):
        assert name not in status
    assert "decision_log.jsonl" in status and "consensus/.gitignore" in status  # the log itself is committed
    assert (root / "docs/specs/epic_1/consensus/.guardians.lock").exists()  # it exists, git ignores it


def test_init_writes_the_gitignore_and_never_changes_one_it_did_not_write(tmp_path: Path, run_cli) -> None:
    result = run_cli("init", "epic_9", "--root", str(tmp_path))
    assert result.exit_code == 0 and "consensus/.gitignore" in result.output
    ignore = consensus(tmp_path, "epic_9") / ".gitignore"
    assert ".guardians.lock" in ignore.read_text()
    ignore.write_text("# mine\n")
    assert run_cli("run", "--root", str(tmp_path)).exit_code == 0
    assert ignore.read_text() == "# mine\n"
