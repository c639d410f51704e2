"""Shared fixtures: run the real CLI, copy bundled examples into tmp dirs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

pytest_plugins = ["tests.realservers"]

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test compiled modules older than their sources (the tests would run old code)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("guardians_compile", ROOT / "tools" / "compile.py")
    assert spec is not None and spec.loader is not None
    compile_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compile_tool)
    stale = compile_tool.stale_modules()
    if stale:
        raise pytest.UsageError(
            f"compiled modules are older than their sources: {', '.join(stale)}; run `make compile`"
        )


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


def edit_log_entry(root: Path, epic: str, index: int, **changes: Any) -> None:
    """Rewrite line ``index`` (0-based) of an epic's log in place, as a tampering agent would."""
    log = consensus(root, epic) / "decision_log.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    entry = json.loads(lines[index])
    entry.update(changes)
    lines[index] = (json.dumps(entry) + "\n").encode()
    log.write_bytes(b"".join(lines))


def append_entry(
    root: Path, epic: str, agent: str, decision: str, iteration: int, ts: str, *, source: str = "x.yaml", **details: Any
) -> None:
    """Append a real, chained decision to an epic's log (for view tests)."""
    from guardians.store.decision_log import DecisionLog

    folder = consensus(root, epic)
    folder.mkdir(parents=True, exist_ok=True)
    details.setdefault("summary", f"{agent} {decision}")
    details.setdefault("findings", [])
    DecisionLog(folder / "decision_log.jsonl", epic).append(
        {
            "timestamp": ts,
            "agent": agent,
            "decision": decision,
            "epic_id": epic,
            "iteration": iteration,
            "source_document": source,
            "previous_artifacts": [],
            "details": details,
            "inputs": {},
            "outputs": {},
        }
    )


@pytest.fixture(autouse=True)
def _unkeyed_by_default() -> Any:
    """Each test starts without a trust anchor, whatever an earlier CLI call resolved."""
    from guardians.trust.anchor import UNKEYED, use

    use(UNKEYED)
    yield
    use(UNKEYED)
