"""The watcher's own HTTP endpoint: ``/health`` and ``/metrics``.

* ``GET /health``: JSON with liveness and readiness (observer alive, age of
  the last full rescan, queue depth, failing epics); 200 when live and
  ready, 503 otherwise. ``/health/live`` and ``/health/ready`` answer the
  two questions separately (for Kubernetes-style probes).
* ``GET /metrics``: Prometheus text format from the watcher's own registry.

Binds to loopback unless ``allow_remote`` is given: the endpoint has no
authentication and reveals epic ids.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from guardians.errors import UsageError
from guardians.watch.metrics import Metrics

Status = Callable[[], dict[str, Any]]


def parse_address(text: str, *, allow_remote: bool = False) -> tuple[str, int]:
    """``HOST:PORT`` or ``[IPV6]:PORT`` or ``:PORT`` (loopback)."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise UsageError(f"--http {text!r}: expected HOST:PORT, e.g. 127.0.0.1:9464")
    host = host.strip("[]") or "127.0.0.1"
    if host == "localhost":
        host = "127.0.0.1"
    if not allow_remote and not _is_loopback(host):
        raise UsageError(
            f"--http {text!r}: {host} is not a loopback address; the endpoint has no authentication. "
            "Pass --http-allow-remote to bind it anyway."
        )
    return host, int(port_text)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: we can't tell where it resolves, refuse


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    status: Status
    metrics: Metrics


class _V6Server(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "guardians-watch"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        if path == "/metrics":
            body, ctype = self.server.metrics.render()
            self._send(200, body, ctype)
        elif path in ("/health", "/health/live", "/health/ready"):
            status = self.server.status()
            key = {"/health": "status", "/health/live": "live", "/health/ready": "ready"}[path]
            ok = status[key] in (True, "ok")
            self._send(200 if ok else 503, json.dumps(status, sort_keys=True).encode() + b"\n", "application/json")
        else:
            self._send(404, b"not found: try /health or /metrics\n", "text/plain; charset=utf-8")

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None  # probes every few seconds would drown the service log


def serve(address: tuple[str, int], status: Status, metrics: Metrics) -> _Server:
    """Start serving in a daemon thread; call ``shutdown()`` then ``server_close()``."""
    cls = _V6Server if ":" in address[0] else _Server
    server = cls(address, _Handler)
    server.status = status
    server.metrics = metrics
    threading.Thread(target=server.serve_forever, name="guardians-http", daemon=True).start()
    return server
