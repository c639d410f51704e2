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
anonymous mapping, guarded by a POSIX record lock, so no call is pickled per
chunk. A worker pickles each chunk's results as soon as they are done into a
file with no name (a pipe would fill and stall it until this process reads,
at the end), closes with a record that says how it ended, and leaves with
``os._exit`` (no interpreter teardown). With two cores there is one worker.

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


def usable_cpus() -> int:
    """CPUs this process may run on (a CI runner's affinity mask or cpuset, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1  # pragma: no cover - platforms without affinity masks


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
        children: list[tuple[int, int]] = []  # (pid, its results file)
        try:
            for _ in range(workers):
                children.append(self._fork(fn, chunks, pack))
            while (i := self.take(front=False)) is not None:
                done[i] = [fn(item) for item in chunks[i]]
            while children:
                pid, fd = children[-1]
                _pid, status = os.waitpid(pid, 0)
                children.pop()  # reaped: only its file is left to close
                try:
                    records = _receive(fd, status)
                finally:
                    os.close(fd)
                for i, packed in records:
                    done[i] = unpack(packed)
        finally:
            _stop(children)
            self._close()
        return [results or [] for results in done]

    def _fork(self, fn: Callable[[T], R], chunks: list[Sequence[T]], pack: Callable[[list[R]], Any]) -> tuple[int, int]:
        results = _private_file()
        pid = os.fork()
        if pid:
            return pid, results
        _work(self, fn, chunks, pack, results)  # the worker: never returns
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
    """A worker's life: take chunks from the front, write each one's results as it is done,
    then a closing record; exit without teardown.

    The results go to a file with no name, not a pipe: a pipe would fill and stop the
    worker until this process reads it, at the end. Pickling each chunk at once lets its
    objects go (the worker's memory stays small)."""
    import pickle

    status = 0
    with open(fd, "wb", closefd=False) as out:
        dump = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump
        try:
            try:
                while (i := shared.take(front=True)) is not None:
                    dump((i, pack([fn(item) for item in chunks[i]])))
                dump((None, True))
            except BaseException as exc:  # handed to this process, which raises it
                try:
                    dump((None, exc))
                except Exception:  # an exception that does not pickle is sent as text
                    dump((None, RuntimeError(f"{type(exc).__name__}: {exc}")))
            out.flush()
        except BaseException:  # the results cannot be written
            status = 1
    os._exit(status)


def _receive(fd: int, status: int) -> list[tuple[int, Any]]:
    """The results a worker wrote to ``fd`` before it exited with wait status ``status``."""
    import pickle

    with open(fd, "rb", closefd=False) as results:
        results.seek(0)
        load = pickle.Unpickler(results).load
        records: list[tuple[int, Any]] = []
        outcome: Any = None
        try:
            while (record := load())[0] is not None:
                records.append(record)
            outcome = record[1]
        except Exception:  # truncated: the worker died before its closing record
            outcome = None
    if outcome is None or status != 0:
        from concurrent.futures.process import BrokenProcessPool

        if os.WIFSIGNALED(status):
            how = f"was killed by signal {os.WTERMSIG(status)}"
        else:
            how = f"exited with status {os.waitstatus_to_exitcode(status)}"
        raise BrokenProcessPool(f"a worker process {how} before it sent all its results (nothing was retried)")
    if outcome is not True:
        raise outcome
    return records


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
