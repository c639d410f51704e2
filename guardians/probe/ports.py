"""Port conflicts: a port wanted by two services, or held by a process other
than the one the service expects."""

from __future__ import annotations

from dataclasses import dataclass

from guardians.probe.config import ProbeConfig


@dataclass(frozen=True)
class Conflict:
    port: int
    services: tuple[str, ...]
    reason: str


def conflicts(config: ProbeConfig) -> list[Conflict]:
    out: list[Conflict] = []
    wanted: dict[int, list[str]] = {}
    for spec in config.services:
        if spec.port is not None:
            wanted.setdefault(spec.port, []).append(spec.name)
    for port, names in sorted(wanted.items()):
        if len(names) > 1:
            out.append(Conflict(port, tuple(names), f"port {port} is wanted by {', '.join(names)}"))
    expected = {s.port: s for s in config.services if s.port is not None and s.expect_process}
    if expected:
        holders = _listeners()
        for port, spec in sorted(expected.items()):
            held = holders.get(port)
            if held is not None and held != spec.expect_process:
                msg = f"port {port} of {spec.name} is held by {held!r}, expected {spec.expect_process!r}"
                out.append(Conflict(port, (spec.name,), msg))
    return out


def _listeners() -> dict[int, str]:
    """Listening TCP ports and the name of the process that holds each (when visible)."""
    import psutil

    out: dict[int, str] = {}
    try:
        conns = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return out
    for conn in conns:
        if conn.status != psutil.CONN_LISTEN or not conn.laddr:
            continue
        name = "?"
        if conn.pid:
            try:
                name = psutil.Process(conn.pid).name()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                name = "?"
        out.setdefault(int(conn.laddr.port), name)
    return out
