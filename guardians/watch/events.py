"""Filesystem events for ``guardians watch``: hints, never facts.

An event only says "epic X may have something new". Handlers map the event
path to an epic id and add it to a :class:`HintQueue`, a coalescing set:
a thousand events for one epic cost one entry, so the queue's size is
bounded by the number of epics. Nothing is decided here; the loop in
``watch.py`` rescans an epic's inboxes (through the pipeline) whenever it
is hinted, and rescans every epic periodically and whenever events may
have been lost (kernel queue overflow, too many distinct hints, a handler
fault).

Which events count (paths relative to ``<root>/docs/specs``):

* files ``<epic>/consensus/messages/inbox/<guardian>/<name>`` whose name
  passes the message name allowlist (editor temp files, dotfiles and
  ``.tmp/`` are ignored), on ``created``, ``modified``, ``closed``,
  ``attrib`` and ``moved`` (the destination: ``guardians send`` renames
  into place);
* directories created or moved in at most five levels deep (a new epic, a
  new inbox): files may have landed before the watch on them existed.

If the observer thread, one of its emitter threads or watchdog's shared
inotify reader thread dies, ``alive()`` turns False and the watcher exits with status 3 so that a supervisor
restarts it; the restart drains everything (see docs/watch.md).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler

from guardians.store.layout import EPIC_RE, GUARDIANS, is_message_name, specs_dir

# Distinct epics held before the queue gives up and asks for a full rescan.
MAX_HINTS = 10_000

_FILE_EVENTS = frozenset({"created", "modified", "closed", "attrib", "moved"})
_DIR_EVENTS = frozenset({"created", "moved"})
_INBOX_DEPTH = 6  # epic/consensus/messages/inbox/<agent>/<name>


@dataclass
class Hints:
    """What the loop learns in one wake-up."""

    epics: set[str] = field(default_factory=set)
    rescan: bool = False  # events may have been lost: look at every epic


class EventSource(Protocol):
    """Where the watch loop gets its hints from (watchdog, or a test fake)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def alive(self) -> bool: ...

    def take(self, timeout: float) -> Hints:
        """Wait up to ``timeout`` seconds for hints; return and clear them."""
        ...

    def wake(self) -> None:
        """Make a pending ``take`` return now (used on shutdown)."""
        ...

    def depth(self) -> int: ...


class HintQueue:
    """Thread-safe coalescing set of hinted epic ids.

    The condition uses a re-entrant lock so that ``wake()`` may be called
    from a signal handler running on the thread that holds it.
    """

    def __init__(self, max_hints: int = MAX_HINTS) -> None:
        self._cond = threading.Condition(threading.RLock())
        self._epics: set[str] = set()
        self._rescan = False
        self._woken = False
        self._max = max_hints

    def put(self, epic_id: str) -> None:
        with self._cond:
            if self._rescan:
                return
            self._epics.add(epic_id)
            if len(self._epics) > self._max:
                self._epics.clear()
                self._rescan = True
            self._cond.notify()

    def request_rescan(self) -> None:
        with self._cond:
            self._epics.clear()
            self._rescan = True
            self._cond.notify()

    def wake(self) -> None:
        with self._cond:
            self._woken = True
            self._cond.notify()

    def depth(self) -> int:
        with self._cond:
            return len(self._epics)

    def take(self, timeout: float) -> Hints:
        with self._cond:
            if not (self._epics or self._rescan or self._woken) and timeout > 0:
                self._cond.wait(timeout)
            hints = Hints(self._epics, self._rescan)
            self._epics = set()
            self._rescan = False
            self._woken = False
            return hints


def epic_of(specs: Path, path: str, *, is_directory: bool) -> str | None:
    """The epic an event path concerns, or None when the event is noise."""
    try:
        parts = Path(path).relative_to(specs).parts
    except ValueError:
        return None
    if not parts or not EPIC_RE.fullmatch(parts[0]):
        return None
    if is_directory:
        return parts[0] if len(parts) < _INBOX_DEPTH else None
    if (
        len(parts) == _INBOX_DEPTH
        and parts[1:4] == ("consensus", "messages", "inbox")
        and parts[4] in GUARDIANS
        and is_message_name(parts[5])
    ):
        return parts[0]
    return None


class _Handler(FileSystemEventHandler):
    """watchdog handler: maps events to epic ids, never raises."""

    def __init__(self, specs: Path, queue: HintQueue) -> None:
        super().__init__()
        self.specs = specs
        self.queue = queue
        self.faults = 0

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            kind = event.event_type
            directory = bool(event.is_directory)
            if kind not in (_DIR_EVENTS if directory else _FILE_EVENTS):
                return
            path = event.dest_path if kind == "moved" else event.src_path
            epic = epic_of(self.specs, _text(path), is_directory=directory)
            if epic is not None:
                self.queue.put(epic)
        except Exception:
            # A handler that raises kills watchdog's observer thread; instead
            # count the fault and make the loop look at everything.
            self.faults += 1
            self.queue.request_rescan()


def _text(path: str | bytes) -> str:
    return path.decode(errors="surrogateescape") if isinstance(path, bytes) else path


class _OverflowHook(logging.Handler):
    """watchdog reports a kernel queue overflow only as a log warning."""

    def __init__(self, queue: HintQueue) -> None:
        super().__init__(logging.WARNING)
        self.queue = queue
        self.overflows = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.overflows += 1
            self.queue.request_rescan()


_WATCHDOG_LOGGERS = ("watchdog.observers.inotify_c", "watchdog.observers.inotify")


# watchdog holds an IN_MOVED_FROM up to 0.5 s waiting for its IN_MOVED_TO, and
# every later event queues behind it. A move whose destination is not watched
# yet - the pipeline's first move into a new processed/ folder - therefore
# stalled all hints for half a second. Pairing does not matter here (either
# half of a move is just a hint), so the wait is cut to 20 ms.
MOVE_PAIRING_DELAY = 0.02


def _shorten_move_pairing() -> None:
    try:
        from watchdog.observers.inotify_move_event_grouper import InotifyMoveEventGrouper
    except ImportError:  # not Linux, or another watchdog layout
        return
    InotifyMoveEventGrouper.delay = min(InotifyMoveEventGrouper.delay, MOVE_PAIRING_DELAY)


def _inotify_reader_alive() -> bool:
    """watchdog 7 reads inotify in one shared thread per process (``InotifyFD``),
    separate from the observer and emitter threads. If it dies, events stop
    while every other thread looks healthy, and the dead instance is reused by
    any new observer - only a new process recovers."""
    try:
        from watchdog.observers.inotify_c import InotifyFD
    except ImportError:  # not Linux, or another watchdog layout
        return True
    reader = getattr(InotifyFD, "_instance", None)
    return reader is None or bool(reader.is_alive())


class WatchdogSource:
    """Hints from a watchdog observer on ``<root>/docs/specs`` (recursive).

    ``poll=True`` uses watchdog's PollingObserver (NFS, CIFS, or when the
    inotify limits are exhausted), which stats the tree every
    ``poll_interval`` seconds.
    """

    def __init__(self, root: Path, *, poll: bool = False, poll_interval: float = 1.0) -> None:
        self.specs = specs_dir(root)
        self.queue = HintQueue()
        self.handler = _Handler(self.specs, self.queue)
        self.poll = poll
        self.poll_interval = poll_interval
        self._observer: Any = None
        self._hook = _OverflowHook(self.queue)

    @property
    def overflows(self) -> int:
        return self._hook.overflows

    @property
    def faults(self) -> int:
        return self.handler.faults

    def start(self) -> None:
        """Start watching; OSError (e.g. ENOSPC: inotify watch limit) propagates."""
        if self.poll:
            from watchdog.observers.polling import PollingObserver

            observer: Any = PollingObserver(timeout=self.poll_interval)
        else:
            from watchdog.observers import Observer

            _shorten_move_pairing()
            observer = Observer()
        for name in _WATCHDOG_LOGGERS:
            logging.getLogger(name).addHandler(self._hook)
        observer.schedule(self.handler, str(self.specs), recursive=True)
        observer.start()
        self._observer = observer

    def stop(self) -> None:
        for name in _WATCHDOG_LOGGERS:
            logging.getLogger(name).removeHandler(self._hook)
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            if observer.is_alive():
                observer.join(timeout=5)

    def alive(self) -> bool:
        observer = self._observer
        if observer is None or not observer.is_alive():
            return False
        if not all(emitter.is_alive() for emitter in list(observer.emitters)):
            return False
        return self.poll or _inotify_reader_alive()

    def take(self, timeout: float) -> Hints:
        return self.queue.take(timeout)

    def wake(self) -> None:
        self.queue.wake()

    def depth(self) -> int:
        return self.queue.depth()
