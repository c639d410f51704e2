"""PostgreSQL parts of a checkpoint: pg_dump -Fc in one snapshot with the row
counts of every table, restore into a scratch database, and recovery.

Connections go through pg8000 (pure Python, BSD); dumps and restores through
the server's own pg_dump/pg_restore. Passwords reach the tools through the
environment, never through a command line another user could read in ``ps``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guardians.checkpoint.errors import CheckpointError, DiskFull, ToolMissing, Unreachable
from guardians.checkpoint.urls import PgTarget

CONNECT_TIMEOUT = 10.0
_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
_TABLES_SQL = (
    "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1"
)


def _reason(exc: BaseException) -> str:
    """pg8000 puts the server's message in a dict under 'M'."""
    arg = exc.args[0] if exc.args else exc
    if isinstance(arg, dict):
        return str(arg.get("M", arg))
    return str(arg)


@contextmanager
def connect(target: PgTarget, database: str | None = None) -> Iterator[Any]:
    """A pg8000 native connection; any failure to connect is an Unreachable naming the redacted URL."""
    import pg8000.native  # type: ignore[import-untyped]

    try:
        conn = pg8000.native.Connection(
            target.user,
            host=target.host,
            port=target.port,
            database=database or target.database,
            password=target.password,
            timeout=CONNECT_TIMEOUT,
            application_name="guardians-checkpoint",
            ssl_context=target.ssl_context(),
        )
    except Exception as exc:  # the driver's boundary: any failure to connect is reported, never a traceback
        shown = target.shown if database is None else target.url(database)
        reason = _reason(exc)
        if target.password is None and not isinstance(exc, (pg8000.native.DatabaseError, OSError)):
            reason = "the server wants a password: put it in the URL or set PGPASSWORD"
        raise Unreachable(f"cannot reach database {shown}: {reason}") from None
    try:
        yield conn
    finally:
        conn.close()


def server_major(conn: Any) -> int:
    return int(conn.run("SHOW server_version_num")[0][0]) // 10000


def table_counts(conn: Any) -> dict[str, int]:
    """Exact row count of every ordinary table (partitions counted once, as leaves).

    One backend, no parallel workers: the counts run next to pg_dump (or after a
    restore) and must not take the CPUs that the dump's compression needs.
    """
    conn.run("SET max_parallel_workers_per_gather = 0")
    counts: dict[str, int] = {}
    for (name,) in conn.run(_TABLES_SQL):
        counts[str(name)] = int(conn.run(f"SELECT count(*) FROM {name}")[0][0])
    return counts


@dataclass(frozen=True)
class Tool:
    path: str
    major: int
    version: str


def find_tool(name: str, need_major: int) -> Tool:
    """pg_dump/pg_restore of at least ``need_major``.

    Only $GUARDIANS_PG_BIN when it is set; else Debian's versioned folder, then PATH.
    """
    pinned = os.environ.get("GUARDIANS_PG_BIN")
    candidates = [Path(pinned) / name] if pinned else [Path(f"/usr/lib/postgresql/{need_major}/bin/{name}")]
    found = None if pinned else shutil.which(name)
    if found:
        candidates.append(Path(found))
    seen: list[str] = []
    for cand in candidates:
        if not cand.is_file():
            continue
        tool = _probe_version(str(cand), name)
        if tool.major >= need_major:
            return tool
        seen.append(f"{cand} is version {tool.major}")
    hint = f"install postgresql-client-{need_major} or set GUARDIANS_PG_BIN to its bin folder"
    if seen:
        raise ToolMissing(f"{name} is too old for a PostgreSQL {need_major} server ({'; '.join(seen)}): {hint}")
    raise ToolMissing(f"{name} not found: {hint}")


def _probe_version(path: str, name: str) -> Tool:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    except OSError as exc:
        raise ToolMissing(f"{name} at {path} cannot run: {exc.strerror}") from None
    match = _VERSION_RE.search(out)
    if not match:
        raise ToolMissing(f"{name} at {path} printed no PostgreSQL version: {out.strip()[:200]!r}")
    return Tool(path, int(match.group(1)), out.strip())


def _run_tool(args: list[str], target: PgTarget, what: str) -> None:
    env = {**os.environ, **target.libpq_env()}
    try:
        proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ToolMissing(f"{args[0]} cannot run: {exc.strerror}") from None
    if proc.returncode != 0:
        err = proc.stderr.strip()
        if "No space left on device" in err:
            raise DiskFull(f"{what}: disk full (No space left on device)")
        raise CheckpointError(f"{what} failed ({Path(args[0]).name} exit {proc.returncode}): {err[-800:]}")


@dataclass(frozen=True)
class DumpResult:
    tables: dict[str, int]
    server_major: int
    tool: Tool


def dump(target: PgTarget, out: Path, *, compress: bool) -> DumpResult:
    """pg_dump -Fc of the whole database, and the row counts of the same snapshot.

    The counts run in a REPEATABLE READ transaction whose snapshot pg_dump
    imports (--snapshot), so they describe exactly the rows in the dump.
    """
    with connect(target) as conn:
        major = server_major(conn)
        tool = find_tool("pg_dump", major)
        conn.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = str(conn.run("SELECT pg_export_snapshot()")[0][0])
        args = [tool.path, "-Fc", f"-Z{6 if compress else 0}", f"--snapshot={snapshot}", "-f", str(out)]
        args += ["--dbname", target.database]
        failure: list[BaseException] = []

        def run_dump() -> None:
            try:
                _run_tool(args, target, f"pg_dump of {target.shown}")
            except BaseException as exc:  # re-raised in the caller's thread
                failure.append(exc)

        worker = threading.Thread(target=run_dump, name="pg_dump")
        worker.start()
        try:
            tables = table_counts(conn)
        finally:
            worker.join()
            conn.run("COMMIT")
        if failure:
            raise failure[0]
    return DumpResult(tables, major, tool)


def restore_tool(dump_major: int) -> Tool:
    return find_tool("pg_restore", dump_major)


@contextmanager
def scratch_database(target: PgTarget) -> Iterator[str]:
    """A new, empty database on the target's server, dropped afterwards whatever happens."""
    name = f"guardians_restore_{secrets.token_hex(6)}"
    with connect(target) as conn:
        try:
            conn.run(f'CREATE DATABASE "{name}"')
        except Exception as exc:
            raise CheckpointError(f"cannot create scratch database on {target.shown}: {_reason(exc)}") from None
    try:
        yield name
    finally:
        with connect(target) as conn:
            force = " WITH (FORCE)" if server_major(conn) >= 13 else ""
            conn.run(f'DROP DATABASE IF EXISTS "{name}"{force}')


def restore_into(target: PgTarget, database: str, dump_file: Path, tool: Tool, *, clean: bool) -> None:
    """pg_restore the dump; ``clean`` replaces existing objects in one transaction (recovery)."""
    args = [tool.path, "--exit-on-error", "--dbname", database]
    if clean:
        args += ["--clean", "--if-exists", "--single-transaction"]
    else:
        args += ["--no-owner", "--no-acl"]
    _run_tool([*args, str(dump_file)], target, f"pg_restore into {target.url(database)}")


def counts_in(target: PgTarget, database: str) -> dict[str, int]:
    with connect(target, database) as conn:
        return table_counts(conn)
