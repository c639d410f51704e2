"""``guardians watch``: the pipeline as a long-running service.

One loop, one thread doing decisions. Events from the observer are hints
that mark an epic *due*; the loop runs :func:`guardians.engine.commit.process_epic`
- the same and only code path ``guardians run`` uses - over due epics.
Nothing here decides a message or writes under an epic.

* **Startup** marks every epic due, so whatever arrived while the service
  was down is drained first (after the observer started, so nothing that
  arrives during the drain is missed).
* **Periodic rescan** (``rescan`` seconds) marks every epic due again; so
  do a queue overflow and a handler fault. Lost events cost latency, never
  messages. A cheap read-only check (journal present, pending files
  listed) skips idle epics without taking their lease.
* **Settling**: files written directly (not via ``guardians send``) are
  decided only once their mtime settled (inbox.py). When the pipeline
  reports ``deferred`` files the epic is looked at again ``recheck``
  seconds later; after the longest settle time has passed, rechecks back
  off to the rescan interval, so a file that stays deferred cannot make
  the loop spin.
* **Leases**: the watcher tries an epic's lease without waiting
  (``lease_timeout``); if another process holds it, the epic is retried
  shortly. The holder decides everything pending before it lets go, and
  the retry covers what arrived after its last look.
* **Stop**: ``stop`` is set by SIGTERM/SIGINT; the decision being
  committed finishes (the pipeline's ``on_decision`` callback raises
  after the commit), then the loop returns 0.
* **Observer death**: the loop returns 3 so a supervisor restarts the
  service (systemd ``Restart=on-failure``); restarting drains.
"""

from __future__ import annotations

import errno
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from guardians.engine.commit import EpicResult, process_epic
from guardians.engine.decision import Decision
from guardians.errors import EXIT_OK, EXIT_STORAGE_FAILED, EXIT_WATCH_FAILED
from guardians.store.inbox import SETTLE_INVALID, pending
from guardians.store.layout import EPIC_RE, Epic, discover_epics
from guardians.watch.events import EventSource, Hints
from guardians.watch.metrics import Metrics

Process = Callable[..., EpicResult]


class StopFlag(Protocol):
    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


@dataclass(frozen=True)
class WatchConfig:
    rescan: float = 5.0  # seconds between full rescans
    recheck: float = 0.25  # delay before looking again at an epic with deferred files
    debounce: float = 0.0  # delay between a hint and the run it triggers
    lease_timeout: float = 0.0  # try the epic lease without waiting
    busy_retry: float = 0.05  # first retry delay when another process holds the lease
    max_wait: float = 1.0  # longest sleep between two looks at the stop flag

    def __post_init__(self) -> None:
        if not (0.05 <= self.rescan <= 86_400):
            raise ValueError("rescan must be between 0.05 and 86400 seconds")
        if self.recheck <= 0 or self.debounce < 0 or self.max_wait <= 0:
            raise ValueError("recheck and max_wait must be > 0, debounce >= 0")


class _Stopping(Exception):
    """Raised from on_decision after a commit when a stop was requested."""


class Watcher:
    """The watch loop. ``run()`` returns an exit code."""

    def __init__(
        self,
        root: Path,
        source: EventSource,
        stop: StopFlag,
        *,
        config: WatchConfig | None = None,
        logger: Any = None,
        metrics: Metrics | None = None,
        process: Process = process_epic,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = root
        self.source = source
        self.stop = stop
        self.config = config or WatchConfig()
        self.log = logger if logger is not None else _NullLogger()
        self.metrics = metrics or Metrics()
        self.process = process
        self.clock = clock
        self._due: dict[str, float] = {}
        self._deferred_streak: dict[str, int] = {}
        self._busy_streak: dict[str, int] = {}
        self._failing: dict[str, str] = {}
        self._error_streak: dict[str, int] = {}
        self._deferred: dict[str, int] = {}
        self._next_rescan = 0.0
        self._last_scan_wall: float | None = None
        self._heartbeat = clock()
        self.ready = False
        # Set (by a signal handler) to say why ``stop`` was set; logged by the loop.
        self.stop_reason: str | None = None
        self.decided = 0
        self._settle_rounds = math.ceil((SETTLE_INVALID + 1.0) / self.config.recheck)
        self._storage_failed: str | None = None

    # -- the loop ----------------------------------------------------------------

    def run(self) -> int:
        cfg = self.config
        self.log.info("watch_started", root=str(self.root), rescan_s=cfg.rescan, pid=os.getpid())
        self._rescan(self.clock(), "startup")
        while not self.stop.is_set():
            self._heartbeat = self.clock()
            alive = self.source.alive()
            self.metrics.observer_alive.set(1 if alive else 0)
            if not alive:
                self.metrics.error("observer_died")
                self.log.error("observer_died", hint="exiting so that the supervisor restarts the watcher")
                return EXIT_WATCH_FAILED
            now = self.clock()
            if now >= self._next_rescan:
                self._rescan(now, "periodic")
            self._run_due(now)
            if self._storage_failed is not None:
                self.log.error("storage_failed", error=self._storage_failed, hint="check the disk, then restart")
                return EXIT_STORAGE_FAILED
            if self.stop.is_set():
                break
            self.ready = True
            self._apply(self.source.take(self._timeout(self.clock())))
        if self.stop_reason is not None:
            self.log.info("stop_requested", signal=self.stop_reason)
        self.log.info("watch_stopped", decided=self.decided, queued=len(self._due))
        return EXIT_OK

    def _timeout(self, now: float) -> float:
        wake = min(min(self._due.values(), default=math.inf), self._next_rescan)
        self.metrics.queue_depth.set(len(self._due) + self.source.depth())
        return max(0.0, min(wake - now, self.config.max_wait))

    def _apply(self, hints: Hints) -> None:
        now = self.clock()
        if hints.rescan:
            self.metrics.error("events_lost")
            self.log.warning("events_lost", action="full rescan")
            self._rescan(now, "overflow")
        at = now + self.config.debounce
        for epic_id in hints.epics:
            if EPIC_RE.fullmatch(epic_id):
                self._due[epic_id] = min(self._due.get(epic_id, at), at)
                self._deferred_streak.pop(epic_id, None)

    def _rescan(self, now: float, reason: str) -> None:
        found = 0
        for epic in discover_epics(self.root):
            found += 1
            self._due[epic.epic_id] = now
        self._next_rescan = now + self.config.rescan
        self._last_scan_wall = time.time()
        self.metrics.scans.labels(reason).inc()
        self.metrics.last_scan.set(self._last_scan_wall)
        self.metrics.epics.set(found)

    def _run_due(self, now: float) -> None:
        due = sorted((t, e) for e, t in self._due.items() if t <= now)
        for _, epic_id in due:
            if self.stop.is_set():
                return
            self._heartbeat = self.clock()
            self._run_epic(epic_id)
        self.metrics.deferred.set(sum(self._deferred.values()))

    # -- one epic ----------------------------------------------------------------

    def _run_epic(self, epic_id: str) -> None:
        epic = Epic(self.root, epic_id)
        if not _has_work(epic):
            self._done(epic_id, "idle")
            return
        from filelock import Timeout

        start = self.clock()
        marks = [start]

        def on_decision(decision: Decision) -> None:
            t = self.clock()
            self._decided(epic_id, decision, t - marks[0])
            marks[0] = t
            if self.stop.is_set():
                raise _Stopping

        try:
            result = self.process(epic, on_decision=on_decision, lease_timeout=self.config.lease_timeout)
        except _Stopping:
            return
        except Timeout:
            self._busy(epic_id)
            return
        except Exception as exc:
            self._error(epic_id, exc)
            return
        self._failing.pop(epic_id, None)
        self._error_streak.pop(epic_id, None)
        self._busy_streak.pop(epic_id, None)
        if result.deferred:
            self._defer(epic_id, result.deferred)
        else:
            self._done(epic_id, "decided" if result.decisions else "idle")

    def _decided(self, epic_id: str, decision: Decision, seconds: float) -> None:
        self.decided += 1
        self.metrics.decision(decision, seconds)
        self.log.info(
            "decision",
            epic=epic_id,
            agent=decision.agent,
            decision=decision.decision,
            subject=decision.subject,
            iteration=decision.iteration,
            latency_ms=round(seconds * 1000, 2),
            summary=decision.summary,
        )

    def _done(self, epic_id: str, result: str) -> None:
        self._due.pop(epic_id, None)
        self._deferred_streak.pop(epic_id, None)
        self._deferred.pop(epic_id, None)
        self.metrics.epic_runs.labels(result).inc()

    def _defer(self, epic_id: str, count: int) -> None:
        streak = self._deferred_streak.get(epic_id, 0) + 1
        self._deferred_streak[epic_id] = streak
        self._deferred[epic_id] = count
        cfg = self.config
        delay = cfg.recheck
        if streak > self._settle_rounds:
            delay = min(cfg.rescan, cfg.recheck * 2 ** min(streak - self._settle_rounds, 16))
        self._due[epic_id] = self.clock() + delay
        self.metrics.epic_runs.labels("deferred").inc()

    def _busy(self, epic_id: str) -> None:
        streak = self._busy_streak.get(epic_id, 0) + 1
        self._busy_streak[epic_id] = streak
        delay = min(1.0, self.config.busy_retry * 2 ** min(streak - 1, 8))
        self._due[epic_id] = self.clock() + delay
        self.metrics.epic_runs.labels("busy").inc()

    def _error(self, epic_id: str, exc: Exception) -> None:
        if isinstance(exc, OSError) and exc.errno == errno.EIO:
            # After an fsync EIO Linux may have dropped the dirty pages: a retry
            # could report success over lost data. Fail closed (see protocol.md).
            self._storage_failed = f"{epic_id}: {exc}"
        first = epic_id not in self._failing
        self._failing[epic_id] = f"{type(exc).__name__}: {exc}"
        streak = self._error_streak.get(epic_id, 0) + 1
        self._error_streak[epic_id] = streak
        delay = min(self.config.rescan, 0.5 * 2 ** min(streak - 1, 8))
        self._due[epic_id] = self.clock() + delay
        self.metrics.error(type(exc).__name__)
        self.metrics.epic_runs.labels("error").inc()
        log = self.log.exception if first else self.log.error
        log("epic_failed", epic=epic_id, error=self._failing[epic_id], retry_s=round(delay, 3))

    # -- health ------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Liveness and readiness, for /health (called from another thread)."""
        now = self.clock()
        observer = self.source.alive()
        loop_age = now - self._heartbeat
        live = observer and loop_age < max(30.0, 3 * self.config.max_wait)
        scan_age = None if self._last_scan_wall is None else round(time.time() - self._last_scan_wall, 3)
        scan_fresh = scan_age is not None and scan_age < 3 * self.config.rescan + 30
        return {
            "status": "ok" if live and self.ready else "unavailable",
            "live": live,
            "ready": bool(self.ready and live and scan_fresh),
            "observer_alive": observer,
            "last_scan_age_s": scan_age,
            "loop_age_s": round(loop_age, 3),
            "queue_depth": len(self._due),
            "deferred_messages": sum(dict(self._deferred).values()),
            "decided": self.decided,
            "failing_epics": dict(self._failing),
        }


def _has_work(epic: Epic) -> bool:
    """Read-only look: is there anything for the pipeline to do?"""
    if not epic.consensus.is_dir():
        return False
    return epic.journal_path.exists() or bool(pending(epic))


class _NullLogger:
    def _noop(self, *args: Any, **kwargs: Any) -> None:
        return None

    info = warning = error = exception = debug = _noop
