"""What to probe and the thresholds to judge it by.

From ``--config FILE`` (YAML, JSON or TOML, the probe table at the top level) or
the ``[probe]`` table of guardians.toml::

    [probe]
    timeout_seconds = 5
    host = true                      # host CPU, memory and disk as service "host"
    disk_path = "/"
    thresholds = {cpu_percent = [60, 80]}        # project-wide, per metric: [warning, critical]

    [[probe.services]]
    name = "orders-api"
    http = {url = "http://127.0.0.1:8080/health/ready", expect_status = 200, body_contains = "ok", requests = 5}
    port = 8080
    expect_process = "gunicorn"      # port held by anything else is a conflict
    thresholds = {p95_latency_ms = [150, 400]}

    [[probe.services]]
    name = "db"
    postgres = {url = "postgresql://app@127.0.0.1:5432/app"}    # password from PGPASSWORD
    # redis = {url = "redis://127.0.0.1:6379/0"}  (password from REDISCLI_AUTH); tcp = {host = "…", port = 25}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from guardians.errors import InputError, Location

DEFAULT_THRESHOLDS: dict[str, tuple[float, float]] = {
    "cpu_percent": (60.0, 80.0),
    "memory_percent": (70.0, 85.0),
    "disk_percent": (70.0, 85.0),
    "db_connections_percent": (70.0, 85.0),
    "error_rate_percent": (0.1, 1.0),
    "p95_latency_ms": (200.0, 500.0),
}
# The metrics each kind of probe measures: a service missing any of them is inconclusive.
REQUIRED: dict[str, tuple[str, ...]] = {
    "http": ("p95_latency_ms", "error_rate_percent"),
    "postgres": ("db_connections_percent",),
    "redis": ("memory_percent",),
    "tcp": (),
    "host": ("cpu_percent", "memory_percent", "disk_percent"),
}

Pair = tuple[float, float]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HttpCheck(_Strict):
    url: str = Field(pattern=r"^https?://", max_length=2000)
    expect_status: int = Field(default=200, ge=100, le=599)
    body_contains: str | None = Field(default=None, max_length=1000)
    requests: int = Field(default=3, ge=1, le=100, description="Requests per probe (latency p95, error rate).")


class TcpCheck(_Strict):
    host: str = Field(max_length=255)
    port: int = Field(ge=1, le=65535)


class UrlCheck(_Strict):
    url: str = Field(max_length=2000)


class ServiceSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
    http: HttpCheck | None = None
    tcp: TcpCheck | None = None
    postgres: UrlCheck | None = None
    redis: UrlCheck | None = None
    port: int | None = Field(default=None, ge=1, le=65535, description="Port this service owns.")
    host: str = Field(default="127.0.0.1", max_length=255)
    expect_process: str | None = Field(default=None, max_length=200)
    thresholds: dict[str, Pair] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_kind(self) -> ServiceSpec:
        kinds = [k for k in ("http", "tcp", "postgres", "redis") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a service needs exactly one of http, tcp, postgres, redis")
        _check_pairs(self.thresholds)
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("http", "tcp", "postgres", "redis") if getattr(self, k) is not None)


def _check_pairs(pairs: dict[str, Pair]) -> None:
    for metric, (warn, crit) in pairs.items():
        if metric not in DEFAULT_THRESHOLDS:
            raise ValueError(f"unknown metric {metric!r} (known: {', '.join(DEFAULT_THRESHOLDS)})")
        if not 0 <= warn <= crit:
            raise ValueError(f"{metric}: need 0 <= warning <= critical, got [{warn}, {crit}]")


class ProbeConfig(_Strict):
    timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    host: bool = True
    disk_path: str = "/"
    thresholds: dict[str, Pair] = Field(default_factory=dict)
    services: list[ServiceSpec] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _valid(self) -> ProbeConfig:
        _check_pairs(self.thresholds)
        names = [s.name for s in self.services]
        if len(set(names)) != len(names) or ("host" in names and self.host):
            raise ValueError("service names must be unique (and 'host' is taken when host: true)")
        return self

    def thresholds_for(self, service: str) -> dict[str, Pair]:
        spec = next((s for s in self.services if s.name == service), None)
        return {**DEFAULT_THRESHOLDS, **self.thresholds, **(spec.thresholds if spec else {})}

    def required_for(self, service: str) -> tuple[str, ...] | None:
        """The metrics a service must report; None for a service the config does not know."""
        if service == "host" and self.host:
            return REQUIRED["host"]
        spec = next((s for s in self.services if s.name == service), None)
        return REQUIRED[spec.kind] if spec else None


def parse(doc: Any, name: str, prefix: str = "$") -> ProbeConfig:
    try:
        return ProbeConfig.model_validate(doc or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise InputError(Location(name, where), err["msg"]) from None


def load_config(root: Path, path: Path | None) -> ProbeConfig:
    """``path`` when given, else guardians.toml's probe table, else defaults (host only)."""
    from guardians.settings import load_settings
    from guardians.store.loaders import load_document, read_bounded

    if path is not None:
        data = read_bounded(path)
        if path.suffix == ".toml":
            return parse(_toml(data, str(path)), str(path))
        return parse(load_document(data, str(path)), str(path))
    return parse(load_settings(root).probe, "guardians.toml", "$.probe")


def _toml(data: bytes, name: str) -> Any:
    import tomllib

    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(Location(name), f"not valid TOML: {exc}") from None
