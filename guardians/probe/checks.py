"""One probe per service kind. Each takes a timeout, never raises for a sick
service (it reports it), and returns a CheckResult."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from guardians.probe.config import ServiceSpec


@dataclass
class CheckResult:
    service: str
    kind: str
    status: str  # up | down | degraded | unknown
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-95 * len(ordered) // 100) - 1))]


def http(spec: ServiceSpec, timeout: float) -> CheckResult:
    import urllib.error
    import urllib.request

    assert spec.http is not None
    cfg = spec.http
    latencies: list[float] = []
    errors: list[str] = []
    for _ in range(cfg.requests):
        started = time.monotonic()
        try:
            with urllib.request.urlopen(cfg.url, timeout=timeout) as resp:  # http(s) only: checked by the config
                status, body = resp.status, resp.read(1_000_000)
        except urllib.error.HTTPError as exc:
            status, body = exc.code, b""
        except (urllib.error.URLError, OSError, ValueError) as exc:
            errors.append(str(getattr(exc, "reason", exc)))
            continue
        latencies.append((time.monotonic() - started) * 1000)
        if status != cfg.expect_status:
            errors.append(f"HTTP {status}, expected {cfg.expect_status}")
        elif cfg.body_contains is not None and cfg.body_contains.encode() not in body:
            errors.append(f"body does not contain {cfg.body_contains!r}")
    metrics = {"error_rate_percent": 100.0 * len(errors) / cfg.requests}
    if latencies:
        metrics["p95_latency_ms"] = round(_p95(latencies), 3)
    status = "down" if len(errors) == cfg.requests else "degraded" if errors else "up"
    return CheckResult(spec.name, "http", status, metrics, errors[0] if errors else None, {"requests": cfg.requests})


def tcp(spec: ServiceSpec, timeout: float) -> CheckResult:
    assert spec.tcp is not None
    try:
        with socket.create_connection((spec.tcp.host, spec.tcp.port), timeout=timeout):
            return CheckResult(spec.name, "tcp", "up")
    except OSError as exc:
        return CheckResult(spec.name, "tcp", "down", error=f"{spec.tcp.host}:{spec.tcp.port}: {exc.strerror or exc}")


def postgres(spec: ServiceSpec, timeout: float) -> CheckResult:
    import pg8000.native  # type: ignore[import-untyped]

    from guardians.checkpoint.errors import CheckpointError
    from guardians.checkpoint.urls import parse_pg

    assert spec.postgres is not None
    try:
        target = parse_pg(spec.postgres.url, env_password=os.environ.get("PGPASSWORD"))
    except CheckpointError as exc:
        return CheckResult(spec.name, "postgres", "unknown", error=str(exc))
    try:
        conn = pg8000.native.Connection(
            target.user, host=target.host, port=target.port, database=target.database,
            password=target.password, timeout=timeout, application_name="guardians-probe",
            ssl_context=target.ssl_context(),
        )  # fmt: skip
    except (pg8000.native.InterfaceError, pg8000.native.DatabaseError, OSError) as exc:
        return CheckResult(spec.name, "postgres", "down", error=f"cannot reach {target.shown}: {_pg_reason(exc)}")
    try:
        conn.run("SELECT 1")
        used = int(conn.run("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")[0][0])
        limit = int(conn.run("SHOW max_connections")[0][0])
    except (pg8000.native.InterfaceError, pg8000.native.DatabaseError, OSError) as exc:
        return CheckResult(spec.name, "postgres", "down", error=f"{target.shown}: {_pg_reason(exc)}")
    finally:
        conn.close()
    pct = round(100.0 * used / limit, 2) if limit else 100.0
    return CheckResult(
        spec.name, "postgres", "up", {"db_connections_percent": pct}, details={"connections": used, "max": limit}
    )


def _pg_reason(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else exc
    return str(arg.get("M", arg)) if isinstance(arg, dict) else str(arg)


def redis(spec: ServiceSpec, timeout: float) -> CheckResult:
    import redis as redis_lib

    from guardians.checkpoint.errors import CheckpointError
    from guardians.checkpoint.urls import parse_redis

    assert spec.redis is not None
    try:
        target = parse_redis(spec.redis.url, env_password=os.environ.get("REDISCLI_AUTH"))
    except CheckpointError as exc:
        return CheckResult(spec.name, "redis", "unknown", error=str(exc))
    client = redis_lib.Redis(
        host=target.host, port=target.port, db=target.db, username=target.username, password=target.password,
        socket_timeout=timeout, socket_connect_timeout=timeout, retry=_no_retry(),
    )  # fmt: skip
    try:
        client.ping()
        info = client.info("memory")
    except (redis_lib.RedisError, OSError) as exc:
        return CheckResult(spec.name, "redis", "down", error=f"cannot reach {target.shown}: {exc}")
    finally:
        client.close()
    used = float(info.get("used_memory", 0))
    limit = float(info.get("maxmemory", 0) or 0)
    basis = "maxmemory"
    if not limit:
        import psutil

        limit, basis = float(psutil.virtual_memory().total), "host memory (no maxmemory set)"
    pct = round(100.0 * used / limit, 3)
    return CheckResult(
        spec.name, "redis", "up", {"memory_percent": pct}, details={"used_memory": int(used), "basis": basis}
    )


def _no_retry() -> Any:
    """One attempt: a probe reports what it sees, it does not back off and retry into its deadline."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return Retry(NoBackoff(), 0)


def host(disk_path: str) -> CheckResult:
    import psutil

    try:
        cpu = psutil.cpu_percent(interval=0.5)
        mem = psutil.virtual_memory().percent
        disk = psutil.disk_usage(disk_path).percent
    except OSError as exc:
        return CheckResult("host", "host", "unknown", error=f"host metrics: {exc}")
    return CheckResult("host", "host", "up", {"cpu_percent": cpu, "memory_percent": mem, "disk_percent": disk})


KINDS = {"http": http, "tcp": tcp, "postgres": postgres, "redis": redis}
