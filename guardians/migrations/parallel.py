"""Map a function over many items on every core, this process included, in order.

Many small migration files are analysed on all cores. A pool of worker
processes in which this process only waits costs more CPU than the work it
spreads: every result crosses a pipe (pickled in the worker, unpickled here)
and one more process runs. Measured on 1,000 files of 5-20 statements, a
two-worker pool cost 40-60% more CPU than one process, and even a
``ProcessPoolExecutor`` of one worker next to this process cost 22-28% more
(its management and queue-feeder threads, a pickled call per chunk, and the
worker interpreter's teardown).

So this module forks its workers itself. The items are cut into chunks; the
workers take chunks from the front and this process takes them from the
back, until they meet. Which chunk is next is two integers in a shared
anonymous mapping, guarded by a POSIX record lock, so nothing is pickled per
chunk. A worker sends all its results at once, pickled, through
its own pipe, and leaves with ``os._exit`` (no interpreter teardown). With
two cores there is one worker.

Results come back in item order. What ``fn`` raises is raised here (from
this process's chunks directly, from a worker's after it is read back). A
worker that dies without sending its results raises ``BrokenProcessPool``
as a pool would (the chunks are not retried: what crashed a worker could
crash this process). A worker is killed and reaped if this process stops
early.

Forking copies only the calling thread, and any lock another thread holds
stays locked in the worker for ever: call this from a process with one thread
(the lint command). The pipeline's migration gate, which runs inside ``run``
and ``watch``, analyses in its own process (``jobs=1``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def chunk_size(count: int, workers: int) -> int:
    """Items per chunk: about eight chunks per process, 4 to 32 items each."""
    return max(4, min(32, count // (workers * 8)))


def ordered_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    *,
    pack: Callable[[list[R]], Any] | None = None,
    unpack: Callable[[Any], list[R]] | None = None,
) -> Iterator[R]:
    """``map(fn, items)`` on ``workers`` processes (this one and ``workers - 1`` forked ones).

    A worker's results must be picklable; ``fn`` must not depend on state
    changed after the fork. A worker sends ``pack(results of a chunk)`` and
    this process reads it back with ``unpack`` (a cheaper form to pickle than
    the results themselves). Falls back to a plain ``map`` for one worker,
    too few items to share, or a platform without ``fork``.
    """
    size = chunk_size(len(items), workers)
    if workers <= 1 or len(items) < 2 * size or not hasattr(os, "fork"):
        yield from map(fn, items)
        return
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    if pack is None or unpack is None:
        pack = unpack = _same
    done = _Shared(len(chunks)).run(fn, chunks, workers - 1, pack, unpack)
    for results in done:
        yield from results


def _same(value: Any) -> Any:
    return value


class _Shared:
    """The next chunk from the front and from the back, shared by forked processes."""

    def __init__(self, count: int) -> None:
        import mmap

        self._map = mmap.mmap(-1, 8)  # anonymous and shared: the workers see this process's writes
        self._bounds = memoryview(self._map).cast("i")
        self._bounds[0], self._bounds[1] = 0, count  # [front, back): the chunks nobody has taken
        # the lock: a POSIX record lock on a file only this run knows; unlike a semaphore,
        # the kernel releases it when its holder dies (a worker killed mid-take cannot
        # leave this process waiting for ever)
        self._lock_fd = _private_file()

    def take(self, front: bool) -> int | None:
        """The index of a chunk nobody has taken (from the front or the back), or None."""
        import fcntl

        fcntl.lockf(self._lock_fd, fcntl.LOCK_EX)
        try:
            first, end = self._bounds[0], self._bounds[1]
            if first >= end:
                return None
            if front:
                self._bounds[0] = first + 1
                return first
            self._bounds[1] = end - 1
            return end - 1
        finally:
            fcntl.lockf(self._lock_fd, fcntl.LOCK_UN)

    def run(
        self,
        fn: Callable[[T], R],
        chunks: list[Sequence[T]],
        workers: int,
        pack: Callable[[list[R]], Any],
        unpack: Callable[[Any], list[R]],
    ) -> list[list[R]]:
        import pickle  # noqa: F401 - imported before the fork: a worker must not need the import lock

        done: list[list[R] | None] = [None] * len(chunks)
        children: list[tuple[int, int]] = []  # (pid, read end of its results pipe)
        try:
            for _ in range(workers):
                children.append(self._fork(fn, chunks, pack))
            while (i := self.take(front=False)) is not None:
                done[i] = [fn(item) for item in chunks[i]]
            while children:
                pid, fd = children.pop()
                for i, packed in _receive(pid, fd):  # reaps the worker whatever happens
                    done[i] = unpack(packed)
        finally:
            _stop(children)
            self._close()
        return [results or [] for results in done]

    def _fork(self, fn: Callable[[T], R], chunks: list[Sequence[T]], pack: Callable[[list[R]], Any]) -> tuple[int, int]:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid:
            os.close(write_end)
            return pid, read_end
        os.close(read_end)  # the worker: never returns
        _work(self, fn, chunks, pack, write_end)
        raise AssertionError("unreachable")  # pragma: no cover

    def _close(self) -> None:
        self._bounds.release()
        self._map.close()
        os.close(self._lock_fd)


def _private_file() -> int:
    """A descriptor of a file with no name (nothing to clean up, nothing another process can open)."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("guardians-chunks", os.MFD_CLOEXEC)
    import tempfile  # pragma: no cover - platforms without memfd_create

    return os.dup(tempfile.TemporaryFile().fileno())  # pragma: no cover


def _work(
    shared: _Shared, fn: Callable[[T], R], chunks: list[Sequence[T]], pack: Callable[[list[R]], Any], fd: int
) -> None:
    """A worker's life: take chunks from the front, send their results, exit without teardown."""
    import pickle

    status = 0
    try:
        results = []
        while (i := shared.take(front=True)) is not None:
            results.append((i, pack([fn(item) for item in chunks[i]])))
        payload = pickle.dumps((True, results), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # handed to the parent, which raises it
        try:
            payload = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that does not pickle is sent as text
            payload = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:  # the parent is gone or stopped reading
        status = 1
    os._exit(status)


def _receive(pid: int, fd: int) -> list[tuple[int, Any]]:
    """A worker's results, once it has sent them all and exited."""
    import pickle

    parts = []
    try:
        while part := os.read(fd, 1 << 20):
            parts.append(part)
    finally:
        os.close(fd)  # a worker still writing gets EPIPE and exits
        _pid, status = os.waitpid(pid, 0)
    try:
        ok, value = pickle.loads(b"".join(parts))
    except Exception:  # truncated: the worker died while sending
        ok, value = None, None
    if ok is None or status != 0:
        from concurrent.futures.process import BrokenProcessPool

        raise BrokenProcessPool(f"a worker process ended without its results (wait status {status})")
    if not ok:
        raise value
    return list(value)


def _stop(children: list[tuple[int, int]]) -> None:
    """Kill and reap workers that are still running (this process stopped early)."""
    import signal

    for pid, fd in children:
        with suppress(ProcessLookupError):  # it exited on its own
            os.kill(pid, signal.SIGKILL)
        with suppress(ChildProcessError):
            os.waitpid(pid, 0)
        os.close(fd)
    children.clear()
