"""Connection URLs: parse them, and never print a password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from guardians.checkpoint.errors import CheckpointError


def redact(url: str) -> str:
    """The URL with its password replaced by ``***`` (safe for logs, errors and metadata)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


@dataclass(frozen=True)
class PgTarget:
    host: str
    port: int
    user: str
    password: str | None
    database: str
    sslmode: str | None = None  # libpq's: disable, allow, prefer, require, verify-ca, verify-full

    def url(self, database: str | None = None, *, with_password: bool = False) -> str:
        auth = self.user
        if with_password and self.password:
            auth += f":{self.password}"
        query = f"?sslmode={self.sslmode}" if self.sslmode else ""
        return f"postgresql://{auth}@{self.host}:{self.port}/{database or self.database}{query}"

    def ssl_context(self) -> Any:
        """What pg8000 needs for the URL's sslmode (libpq semantics: require encrypts, verify-* also checks)."""
        if self.sslmode in (None, "disable", "allow", "prefer"):
            return None
        import ssl

        context = ssl.create_default_context()
        if self.sslmode == "require":
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif self.sslmode == "verify-ca":
            context.check_hostname = False
        return context

    @property
    def shown(self) -> str:
        return redact(self.url(with_password=True))

    def libpq_env(self) -> dict[str, str]:
        """Environment for pg_dump/pg_restore: the password never goes on a command line."""
        env = {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user, "PGCONNECT_TIMEOUT": "10"}
        if self.password:
            env["PGPASSWORD"] = self.password
        if self.sslmode:
            env["PGSSLMODE"] = self.sslmode
        return env


def parse_pg(url: str, *, env_password: str | None = None) -> PgTarget:
    """postgresql://user:pass@host:port/db; the password may come from PGPASSWORD instead."""
    try:
        parts = urlsplit(url)
        port = parts.port or 5432
    except ValueError:
        raise CheckpointError(f"database URL {redact(url)} is not a valid URL") from None
    if parts.scheme not in ("postgres", "postgresql"):
        raise CheckpointError(f"database URL {redact(url)} must start with postgresql://")
    database = unquote(parts.path.lstrip("/"))
    if not database or not parts.hostname:
        raise CheckpointError(f"database URL {redact(url)} needs a host and a database name")
    password = unquote(parts.password) if parts.password is not None else env_password
    modes = parse_qs(parts.query).get("sslmode")
    sslmode = modes[0] if modes else None
    if sslmode not in (None, "disable", "allow", "prefer", "require", "verify-ca", "verify-full"):
        raise CheckpointError(f"database URL {redact(url)}: unknown sslmode {sslmode!r}")
    return PgTarget(parts.hostname, port, unquote(parts.username or "postgres"), password, database, sslmode)


@dataclass(frozen=True)
class RedisTarget:
    host: str
    port: int
    password: str | None
    username: str | None
    db: int

    @property
    def shown(self) -> str:
        auth = f"{self.username or ''}:***@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}/{self.db}"


def parse_redis(url: str, *, env_password: str | None = None) -> RedisTarget:
    try:
        parts = urlsplit(url)
        port = parts.port or 6379
    except ValueError:
        raise CheckpointError(f"Redis URL {redact(url)} is not a valid URL") from None
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise CheckpointError(f"Redis URL {redact(url)} must look like redis://host:port/0")
    path = parts.path.lstrip("/")
    if path and not path.isdigit():
        raise CheckpointError(f"Redis URL {redact(url)}: database must be a number")
    password = unquote(parts.password) if parts.password is not None else env_password
    return RedisTarget(
        parts.hostname, port, password, unquote(parts.username) if parts.username else None, int(path or 0)
    )
