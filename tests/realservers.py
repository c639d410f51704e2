"""Session fixtures: one real PostgreSQL and one Redis for the whole test run.

`make test` installs the Debian packages first. Without them the tests that
need a server skip, except under CI (CI=true), where a missing server fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.localservers import (
    Missing,
    Postgres,
    Redis,
    free_port,
    git_commit_all,
    orders_database,
    start_postgres,
    start_redis,
    wait_until,
)

__all__ = ["Postgres", "Redis", "free_port", "git_commit_all", "real_checkpoint", "start_redis", "stop_redis"]
__all__ += ["wait_until"]


def _missing(exc: Missing) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{exc} is required in CI (make test installs it)")
    pytest.skip(f"{exc} not installed (make test installs it)")


def stop_redis(server: Redis) -> None:
    server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    try:
        server = start_postgres()
    except Missing as exc:
        _missing(exc)
        raise
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    try:
        server = start_redis(tmp_path_factory.mktemp("redis"))
    except Missing as exc:
        _missing(exc)
        raise
    try:
        yield server
    finally:
        server.stop()


def real_checkpoint(
    root: Path, postgres: Postgres, run_cli, name: str = "pre-drop", *, restore_test: bool = True, commit: bool = True
) -> str:
    """Commit the tree, then create (and restore-test) a checkpoint of a real database, as a user would."""
    if commit:
        git_commit_all(root, "the migration under review")
    url = postgres.url(orders_database(postgres))
    made = run_cli(
        "checkpoint", "create", name, "--root", str(root), "--include-database", url, "--retention", "production"
    )
    assert made.exit_code == 0, made.output
    if restore_test:
        verified = run_cli("checkpoint", "verify", name, "--root", str(root), "--restore-test", "--database", url)
        assert verified.exit_code == 0, verified.output
    return url
