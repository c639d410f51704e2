"""``guardians watch``: start the watch service with its logger, signals and HTTP endpoint.

The service itself (:class:`guardians.watch.service.Watcher`) decides nothing
on its own: it runs the same pipeline as ``guardians run`` over due epics.
This module only wires it to the process: options, logging, SIGTERM/SIGINT,
the optional ``/health`` and ``/metrics`` server, and the exit code
(:data:`guardians.errors.EXIT_CODES`).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from guardians.errors import EXIT_USAGE, EXIT_WATCH_FAILED
from guardians.store.layout import specs_dir
from guardians.watch.events import EventSource
from guardians.watch.metrics import Metrics
from guardians.watch.service import WatchConfig, Watcher


def watch_command(
    root: Path,
    *,
    http: str | None = None,
    http_allow_remote: bool = False,
    log_format: str = "auto",
    rescan: float = 5.0,
    poll: bool = False,
    err: IO[str] | None = None,
    trust_ref: str | None = None,
    signing_key: Path | None = None,
) -> int:
    from guardians.errors import GuardianError, UsageError
    from guardians.trust.anchor import load_trust, use
    from guardians.watch.events import WatchdogSource
    from guardians.watch.service_log import make_logger

    log = make_logger(log_format, err)
    try:
        config = WatchConfig(rescan=rescan)
        if not specs_dir(root).is_dir():
            raise UsageError(f"no {specs_dir(root)} folder: create an epic first (`guardians init`)")
        address = None
        if http:
            from guardians.watch.http import parse_address

            address = parse_address(http, allow_remote=http_allow_remote)
        # Process-wide too: gates that read other signed evidence (checkpoints) check it against the same anchor.
        trust = use(load_trust(root, trust_ref=trust_ref, signing_key=signing_key, signs=True))
    except (UsageError, GuardianError, ValueError) as exc:
        log.error("usage_error", error=str(exc))
        return EXIT_USAGE
    import warnings

    # watchdog warns when fast directory creation makes it add a watch twice;
    # it is harmless, and as an exception (-W error) it would kill its reader.
    warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)
    stop = threading.Event()
    source = WatchdogSource(root, poll=poll)
    metrics = Metrics()
    from functools import partial

    from guardians.engine.commit import process_epic

    watcher = Watcher(
        root, source, stop, config=config, logger=log, metrics=metrics, process=partial(process_epic, trust=trust)
    )
    _warm_up(log)
    try:
        source.start()
    except OSError as exc:
        log.error("watch_start_failed", error=str(exc), hint=_limits_hint(exc))
        return EXIT_WATCH_FAILED
    try:
        with _signals(stop, source, watcher), _serve(address, watcher, metrics, log):
            return watcher.run()
    except _ListenError as exc:
        log.error("http_listen_failed", error=str(exc))
        return EXIT_USAGE
    except Exception as exc:
        # A fatal error is one more log line, in the chosen format (JSON for
        # --log-format json), not a plain-text message a log shipper cannot parse.
        if os.environ.get("GUARDIANS_DEBUG"):
            raise
        log.error("fatal_error", error=f"{type(exc).__name__}: {exc}")
        return EXIT_USAGE
    finally:
        source.stop()


class _ListenError(Exception):
    """The HTTP endpoint could not be opened (address in use, permission...)."""


def _warm_up(log: Any) -> None:
    """Import and compile what the first decision needs, so it is not slower than the rest."""
    import importlib

    from guardians.protocol.validator import validate_data
    from guardians.store.layout import GUARDIANS

    validate_data("message", {})
    for name in GUARDIANS:
        try:
            importlib.import_module(f"guardians.gates.{name}")
        except Exception as exc:  # reported again, per epic, when a message needs it
            log.warning("guardian_unavailable", agent=name, error=f"{type(exc).__name__}: {exc}")


def _limits_hint(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EMFILE):
        return (
            "inotify limits reached: raise fs.inotify.max_user_watches / max_user_instances (sysctl) or run with --poll"
        )
    return "check that the root exists and is readable; on NFS/CIFS use --poll"


@contextmanager
def _signals(stop: threading.Event, source: EventSource, watcher: Watcher) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        # No I/O here: the handler runs on the main thread between two
        # bytecodes, possibly inside the logger's write, whose lock is not
        # re-entrant - logging from here deadlocked the watcher for good.
        # The loop logs ``stop_requested`` itself when it sees the flag.
        if watcher.stop_reason is None:
            watcher.stop_reason = signal.Signals(signum).name
        stop.set()
        source.wake()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@contextmanager
def _serve(address: tuple[str, int] | None, watcher: Watcher, metrics: Metrics, log: Any) -> Iterator[None]:
    if address is None:
        yield
        return
    from guardians.watch.http import serve

    try:
        server = serve(address, watcher.status, metrics)
    except OSError as exc:
        raise _ListenError(f"cannot listen on {_host(address[0])}:{address[1]}: {exc.strerror or exc}") from None
    host, port = server.server_address[:2]
    log.info("http_listening", url=f"http://{_host(str(host))}:{port}/", endpoints=["/health", "/metrics"])
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
