"""Shared fixtures: run the real CLI, copy bundled examples into tmp dirs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        from guardians.cli import cli

        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def example(tmp_path: Path) -> Callable[[str], Path]:
    """Copy examples/<name> into a fresh root and return the root."""

    def copy(name: str) -> Path:
        root = tmp_path / name
        shutil.copytree(EXAMPLES / name, root)
        return root

    return copy


def log_entries(root: Path, epic: str) -> list[dict[str, Any]]:
    path = root / "docs" / "specs" / epic / "consensus" / "decision_log.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def consensus(root: Path, epic: str) -> Path:
    return root / "docs" / "specs" / epic / "consensus"
