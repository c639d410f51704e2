"""Redis part of a checkpoint: an RDB snapshot taken with ``redis-cli --rdb``,
checked with ``redis-check-rdb``, restore-tested on a scratch ``redis-server``
and recovered key by key (DUMP on the scratch server, RESTORE on the target),
which works on a live server without touching its data directory.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from guardians.checkpoint.errors import CheckpointError, DiskFull, ToolMissing, Unreachable
from guardians.checkpoint.urls import RedisTarget

TIMEOUT = 10.0
_KEYS_RE = re.compile(r"(\d+) keys read")
_DB_RE = re.compile(r"^db(\d+):keys=(\d+)", re.MULTILINE)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise ToolMissing(f"{name} not found: install the redis-tools (or redis-server) package")
    return found


def client(target: RedisTarget, db: int | None = None) -> Any:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis(
        host=target.host,
        port=target.port,
        db=target.db if db is None else db,
        username=target.username,
        password=target.password,
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )


def ping(target: RedisTarget) -> dict[str, Any]:
    """INFO server of a reachable server, or Unreachable."""
    import redis

    try:
        conn = client(target)
        conn.ping()
        info: dict[str, Any] = conn.info("server")
        conn.close()
        return info
    except (redis.RedisError, OSError) as exc:
        raise Unreachable(f"cannot reach Redis {target.shown}: {exc}") from None


def snapshot(target: RedisTarget, out: Path) -> dict[str, Any]:
    """Stream an RDB snapshot of the whole server into ``out``; returns its key count and versions."""
    info = ping(target)
    cli = _tool("redis-cli")
    env = dict(os.environ)
    args = [cli, "-h", target.host, "-p", str(target.port)]
    if target.password:
        env["REDISCLI_AUTH"] = target.password  # never on the command line
    if target.username:
        args += ["--user", target.username]
    proc = subprocess.run([*args, "--rdb", str(out)], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not out.is_file():
        err = (proc.stderr + proc.stdout).strip()
        if "No space left" in err:
            raise DiskFull("Redis snapshot: disk full (No space left on device)")
        raise CheckpointError(f"redis-cli --rdb from {target.shown} failed: {err[-600:]}")
    return {"keys": rdb_keys(out), "server_version": info.get("redis_version"), "tool": _version(cli)}


def _version(path: str) -> str:
    return subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout.strip()


def rdb_keys(rdb: Path) -> int:
    """Keys in an RDB file, as counted by redis-check-rdb (which also validates it)."""
    proc = subprocess.run([_tool("redis-check-rdb"), str(rdb)], capture_output=True, text=True, check=False)
    text = proc.stdout + proc.stderr
    match = _KEYS_RE.search(text)
    if proc.returncode != 0 or not match:
        raise CheckpointError(f"{rdb.name} is not a valid RDB file: {text.strip()[-400:]}")
    return int(match.group(1))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def scratch_server(rdb: Path) -> Iterator[RedisTarget]:
    """A throwaway redis-server on loopback that loads a copy of ``rdb``; stopped afterwards."""
    server = _tool("redis-server")
    with tempfile.TemporaryDirectory(prefix="guardians-redis-") as tmp:
        shutil.copyfile(rdb, Path(tmp) / "dump.rdb")
        port = free_port()
        args = [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", tmp, "--dbfilename", "dump.rdb"]
        args += ["--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no"]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        target = RedisTarget("127.0.0.1", port, None, None, 0)
        try:
            _wait_loaded(target, proc)
            yield target
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_loaded(target: RedisTarget, proc: subprocess.Popen[bytes]) -> None:
    import redis

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CheckpointError("scratch redis-server refused the RDB file (it exited while loading)")
        with contextlib.suppress(redis.RedisError, OSError):
            if client(target).info("persistence").get("loading") == 0:
                return
        time.sleep(0.05)
    raise CheckpointError("scratch redis-server did not finish loading the RDB within 120 s")


def key_counts(target: RedisTarget) -> dict[int, int]:
    """Keys per database, from INFO keyspace."""
    text = client(target).execute_command("INFO", "keyspace")
    if isinstance(text, dict):
        return {int(k[2:]): int(v["keys"]) for k, v in text.items() if k.startswith("db")}
    return {int(db): int(n) for db, n in _DB_RE.findall(str(text))}


def restore(rdb: Path, target: RedisTarget) -> int:
    """Replace the target's data with the snapshot: FLUSHALL, then RESTORE every key with its TTL."""
    import redis

    ping(target)
    restored = 0
    with scratch_server(rdb) as scratch:
        dbs = key_counts(scratch)
        try:
            client(target).flushall()
            for db in sorted(dbs):
                src, dst = client(scratch, db), client(target, db)
                for key in src.scan_iter(count=1000):
                    payload = src.dump(key)
                    ttl = src.pttl(key)
                    if payload is None:
                        continue
                    dst.restore(key, max(int(ttl), 0), payload, replace=True)
                    restored += 1
        except redis.RedisError as exc:
            raise CheckpointError(f"restoring Redis {target.shown} failed after {restored} key(s): {exc}") from None
    return restored
