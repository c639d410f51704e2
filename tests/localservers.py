"""Throwaway PostgreSQL and Redis servers on loopback, on free ports, in temp
dirs: used by the test fixtures, the real-backup demo and the benchmarks.

PostgreSQL refuses to run as root: as root it runs as the `postgres` user that
Debian's package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PG_PASSWORD = "s3cret-pw"
PG_USER = "guardians"
# No persistence; and no 5 s wait before a replica (redis-cli --rdb) gets its snapshot.
REDIS_FLAGS = ("--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0")


class Missing(RuntimeError):
    """A server binary is not installed."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], what: str, deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def pg_bin() -> Path | None:
    base = Path("/usr/lib/postgresql")
    if base.is_dir():
        versions = sorted((p for p in base.iterdir() if (p / "bin" / "initdb").is_file()), key=lambda p: int(p.name))
        if versions:
            return versions[-1] / "bin"
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    password: str
    bin: Path
    dir: Path
    run_as: tuple[str, ...] = ()

    def url(self, db: str = "postgres", *, password: bool = True) -> str:
        auth = f"{self.user}:{self.password}" if password else self.user
        return f"postgresql://{auth}@{self.host}:{self.port}/{db}"

    def conn(self, db: str = "postgres") -> Any:
        import pg8000.native

        return pg8000.native.Connection(self.user, host=self.host, port=self.port, database=db, password=self.password)

    def sql(self, db: str, *statements: str) -> list[Any]:
        conn = self.conn(db)
        try:
            rows: list[Any] = []
            for stmt in statements:
                rows = conn.run(stmt)
            return rows
        finally:
            conn.close()

    def stop(self) -> None:
        ctl = [*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"]
        subprocess.run(ctl, capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def start_postgres(*, fsync: bool = False, extra: str = "") -> Postgres:
    bindir = pg_bin()
    if bindir is None or shutil.which("pg_dump") is None:
        raise Missing("PostgreSQL (initdb, pg_dump)")
    tmp = Path(tempfile.mkdtemp(prefix="guardians-pg-"))
    run_as: tuple[str, ...] = ()
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        run_as = ("runuser", "-u", "postgres", "--")
    pwfile = tmp / "pw"
    pwfile.write_text(PG_PASSWORD + "\n")
    if run_as:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    initdb = [str(bindir / "initdb"), "-D", str(tmp / "data"), "-U", PG_USER, "--pwfile", str(pwfile)]
    initdb += ["--auth", "scram-sha-256", "-E", "UTF8", "--no-sync"]
    subprocess.run([*run_as, *initdb], check=True, capture_output=True)
    port = free_port()
    opts = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c max_connections=40"
    opts += "" if fsync else " -c fsync=off"
    opts += f" {extra}" if extra else ""
    ctl = [str(bindir / "pg_ctl"), "-D", str(tmp / "data"), "-o", opts, "-l", str(tmp / "log"), "-w", "-t", "120"]
    subprocess.run([*run_as, *ctl, "start"], check=True, capture_output=True)
    return Postgres("127.0.0.1", port, PG_USER, PG_PASSWORD, bindir, tmp, run_as)


@dataclass
class Redis:
    host: str
    port: int
    proc: subprocess.Popen[bytes]
    dir: Path

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def client(self, db: int = 0) -> Any:
        import redis

        return redis.Redis(host=self.host, port=self.port, db=db, socket_timeout=10)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_redis(tmp: Path) -> Redis:
    server = shutil.which("redis-server")
    if server is None or shutil.which("redis-cli") is None:
        raise Missing("Redis (redis-server, redis-cli)")
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp), *REDIS_FLAGS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out = Redis("127.0.0.1", port, proc, tmp)

    def up() -> bool:
        try:
            return bool(out.client().ping())
        except Exception:
            return False

    wait_until(up, "redis-server to answer PING")
    return out


def git_commit_all(root: Path, message: str = "work") -> str:
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    commit = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message]
    subprocess.run([*commit, "--allow-empty"], check=True)
    return subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()


def orders_database(postgres: Postgres, rows: int = 300) -> str:
    """A database holding the examples' orders table (with the column their migration drops)."""
    import secrets

    name = f"orders_{secrets.token_hex(4)}"
    postgres.sql("postgres", f"CREATE DATABASE {name}")
    postgres.sql(
        name,
        "CREATE TABLE orders (id serial PRIMARY KEY, total numeric, legacy_discount numeric)",
        f"INSERT INTO orders (total, legacy_discount) SELECT g, g / 10.0 FROM generate_series(1, {rows}) g",
    )
    return name


def toml_text(doc: dict[str, Any]) -> str:
    """A guardians.toml from nested dicts: top-level tables, lists of tables, inline tables for the rest."""
    import json

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"

    out: list[str] = []
    for table, body in doc.items():
        out.append(f"[{table}]")
        arrays = {k: v for k, v in body.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
        out += [f"{k} = {value(v)}" for k, v in body.items() if k not in arrays]
        for key, items in arrays.items():
            for item in items:
                out.append(f"\n[[{table}.{key}]]")
                out += [f"{k} = {value(v)}" for k, v in item.items()]
        out.append("")
    return "\n".join(out) + "\n"
