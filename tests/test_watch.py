"""`guardians watch`: the loop driven by a scripted event source, the watchdog
glue, logs, metrics and the HTTP endpoint. Multi-process tests live in
test_watch_procs.py.

Messages here are invalid on purpose (unparseable, or missing required
fields): the pipeline rejects or vetoes them without needing any artifact,
so every decision is fast and real.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from guardians.commands.watch import watch_command
from guardians.engine.commit import EpicResult, process_epic
from guardians.errors import EXIT_WATCH_FAILED
from guardians.store.layout import Epic
from guardians.watch.events import MAX_HINTS, HintQueue, Hints, WatchdogSource, _Handler, epic_of
from guardians.watch.metrics import Metrics
from guardians.watch.service import WatchConfig, Watcher
from guardians.watch.service_log import make_logger

# watchdog 7 warns (RuntimeWarning) when a directory created quickly gets its watch
# added twice; under filterwarnings=error that warning would kill its reader thread.
pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")

# -- helpers ---------------------------------------------------------------------------


def inbox(root: Path, epic: str, agent: str = "deploy") -> Path:
    path = Epic(root, epic).inbox(agent)
    path.mkdir(parents=True, exist_ok=True)
    return path


def vetoable(n: int) -> bytes:
    """Parseable, schema-invalid, with a sender: the guardian vetoes it back."""
    return json.dumps({"from": "developer", "to": "deploy", "n": n}).encode()


def deliver(root: Path, epic: str, name: str, data: bytes, agent: str = "deploy") -> Path:
    """What `guardians send` does: temp file, read-only, renamed into the inbox."""
    box = inbox(root, epic, agent)
    tmp = box / ".tmp"
    tmp.mkdir(exist_ok=True)
    (tmp / name).write_bytes(data)
    os.chmod(tmp / name, 0o444)
    os.replace(tmp / name, box / name)
    return box / name


def entries(root: Path, epic: str) -> list[dict[str, Any]]:
    path = Epic(root, epic).log_path
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def pending_names(root: Path, epic: str, agent: str = "deploy") -> list[str]:
    box = Epic(root, epic).inbox(agent)
    return sorted(p.name for p in box.iterdir() if p.is_file()) if box.exists() else []


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class FakeSource:
    """Scripted hints: each take() returns the next step (a Hints, or a
    callable run first, e.g. to drop files or move the clock). When the
    script runs out the stop flag is set, so run() returns."""

    def __init__(self, stop: threading.Event, script: list[Any] | None = None) -> None:
        self.stop_flag = stop
        self.script = list(script or [])
        self.is_alive = True
        self.timeouts: list[float] = []
        self.started = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.is_alive = False

    def alive(self) -> bool:
        return self.is_alive

    def wake(self) -> None:
        pass

    def depth(self) -> int:
        return 0

    def take(self, timeout: float) -> Hints:
        self.timeouts.append(timeout)
        while self.script:
            step = self.script.pop(0)
            if isinstance(step, Hints):
                return step
            step()
        self.stop_flag.set()
        return Hints()


def make_watcher(
    root: Path, script: list[Any] | None = None, **kwargs: Any
) -> tuple[Watcher, FakeSource, threading.Event]:
    stop = threading.Event()
    source = FakeSource(stop, script)
    watcher = Watcher(root, source, stop, **kwargs)
    return watcher, source, stop


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "docs" / "specs").mkdir(parents=True)
    return tmp_path


# -- the loop --------------------------------------------------------------------------


def test_startup_drains_what_arrived_while_down(root: Path) -> None:
    for e in (1, 2, 3):
        for i in range(3):
            deliver(root, f"epic_{e}", f"m{i}.json", vetoable(i))
    deliver(root, "epic_3", "broken.json", b"{not json")
    watcher, _, _ = make_watcher(root)
    assert watcher.run() == 0
    assert watcher.decided == 10
    for e in (1, 2, 3):
        assert pending_names(root, f"epic_{e}") == []
        log = entries(root, f"epic_{e}")
        assert len({x["message_key"] for x in log}) == len(log)
    assert [x["decision"] for x in entries(root, "epic_3")].count("reject") == 1
    assert watcher.ready


def test_hint_picks_up_a_new_epic(root: Path) -> None:
    watcher, _, _ = make_watcher(
        root,
        [lambda: deliver(root, "epic_7", "m.json", vetoable(1)), Hints({"epic_7"})],
    )
    assert watcher.run() == 0
    assert [x["decision"] for x in entries(root, "epic_7")] == ["veto"]


def test_hints_are_only_hints(root: Path) -> None:
    """A bogus hint does nothing; a file nobody hinted is found by the periodic rescan."""
    clock = FakeClock()

    def drop_silently() -> None:
        deliver(root, "epic_2", "quiet.json", vetoable(2))

    def later() -> None:
        clock.t += 6.0  # past the 5 s rescan

    watcher, _, _ = make_watcher(
        root,
        [Hints({"../../etc", "epic_99"}), drop_silently, Hints(), later, Hints()],
        clock=clock,
    )
    inbox(root, "epic_2")
    assert watcher.run() == 0
    assert len(entries(root, "epic_2")) == 1
    assert watcher.metrics.value("guardians_rescans_total", {"reason": "periodic"}) == 1


def test_overflow_triggers_a_full_rescan(root: Path) -> None:
    inbox(root, "epic_1")
    watcher, _, _ = make_watcher(root, [lambda: deliver(root, "epic_1", "lost.json", vetoable(1)), Hints(rescan=True)])
    assert watcher.run() == 0
    assert len(entries(root, "epic_1")) == 1
    assert watcher.metrics.value("guardians_rescans_total", {"reason": "overflow"}) == 1
    assert watcher.metrics.value("guardians_errors_total", {"kind": "events_lost"}) == 1


def test_direct_writes_wait_to_settle_and_are_rechecked(root: Path) -> None:
    """A half-written file gets no 'invalid JSON' veto; it is looked at again shortly."""
    clock = FakeClock()
    box = inbox(root, "epic_1")
    path = box / "slow.json"
    path.write_bytes(b'{"from": "developer", ')  # a writer mid-way, file not read-only
    seen: list[tuple[float, dict[str, float]]] = []

    def look() -> None:
        seen.append((clock.t, dict(watcher._due)))

    def finish_and_age() -> None:
        with open(path, "ab") as fh:
            fh.write(b'"to": "deploy"}')
        old = time.time() - 1.0  # older than SETTLE_VALID (0.5 s), as if time passed
        os.utime(path, (old, old))
        clock.t += 0.3

    watcher, source, _ = make_watcher(root, [look, Hints(), finish_and_age, Hints()], clock=clock)
    assert watcher.run() == 0
    # First look: deferred, due again after `recheck` (0.25 s), and take() waited no longer than that.
    assert seen[0][1] == {"epic_1": pytest.approx(seen[0][0] + 0.25)}
    assert source.timeouts[0] == pytest.approx(0.25)
    decisions = [x["decision"] for x in entries(root, "epic_1")]
    assert decisions == ["veto"]
    assert "required property" in json.dumps(entries(root, "epic_1")[0]["details"])


def test_unparseable_direct_write_is_vetoed_only_after_5s(root: Path) -> None:
    clock = FakeClock()
    box = inbox(root, "epic_1")
    path = box / "bad.json"
    path.write_bytes(b"{nope")

    def age(seconds: float) -> Callable[[], None]:
        def step() -> None:
            t = time.time() - seconds
            os.utime(path, (t, t))
            clock.t += 0.3

        return step

    watcher, _, _ = make_watcher(root, [age(1.0), Hints(), age(3.0), Hints(), age(6.0), Hints()], clock=clock)
    assert watcher.run() == 0
    log = entries(root, "epic_1")
    assert [x["decision"] for x in log] == ["reject"]
    assert watcher.metrics.value("guardians_epic_runs_total", {"result": "deferred"}) == 3


def test_a_file_that_never_settles_does_not_make_the_loop_spin(root: Path) -> None:
    clock = FakeClock()
    watcher, source, _ = make_watcher(root, clock=clock)
    calls: list[float] = []

    def always_deferred(epic: Epic, **kwargs: Any) -> EpicResult:
        calls.append(clock.t)
        return EpicResult(deferred=1)

    watcher.process = always_deferred
    deliver(root, "epic_1", "m.json", vetoable(1))
    steps: list[Any] = []
    for _ in range(60):

        def tick() -> None:
            clock.t = max(watcher._due.values())

        steps += [tick, Hints()]
    source.script = steps
    watcher.run()
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert gaps[0] == pytest.approx(0.25)
    assert gaps[-1] == pytest.approx(5.0)  # backed off to the rescan interval


def test_stop_finishes_the_current_decision_only(root: Path) -> None:
    for i in range(5):
        deliver(root, "epic_1", f"m{i}.json", vetoable(i))
    stop = threading.Event()
    watcher, _, _ = make_watcher(root)
    watcher.stop = stop

    def process(epic: Epic, *, on_decision: Callable[..., None], **kwargs: Any) -> EpicResult:
        def hook(decision: Any) -> None:
            stop.set()  # SIGTERM arrives while the first decision commits
            on_decision(decision)

        return process_epic(epic, on_decision=hook, **kwargs)

    watcher.process = process
    assert watcher.run() == 0
    assert len(entries(root, "epic_1")) == 1
    assert len(pending_names(root, "epic_1")) == 4
    assert not Epic(root, "epic_1").journal_path.exists()
    # A restart picks up the rest.
    again, _, _ = make_watcher(root)
    assert again.run() == 0
    assert len(entries(root, "epic_1")) == 5


def test_observer_death_exits_non_zero(root: Path) -> None:
    watcher, source, _ = make_watcher(root, [Hints()])
    source.is_alive = False
    assert watcher.run() == EXIT_WATCH_FAILED
    assert watcher.metrics.value("guardians_errors_total", {"kind": "observer_died"}) == 1


def test_busy_lease_is_retried_soon(root: Path) -> None:
    from filelock import Timeout

    clock = FakeClock()
    deliver(root, "epic_1", "m.json", vetoable(1))
    attempts: list[float] = []

    def process(epic: Epic, **kwargs: Any) -> EpicResult:
        attempts.append(clock.t)
        assert kwargs["lease_timeout"] == 0.0
        if len(attempts) < 3:
            raise Timeout(str(epic.lock_path))
        return process_epic(epic, **kwargs)

    def tick() -> None:
        clock.t = min(watcher._due.values())

    watcher, _, _ = make_watcher(root, [tick, Hints(), tick, Hints()], clock=clock, process=process)
    assert watcher.run() == 0
    assert [round(b - a, 3) for a, b in itertools.pairwise(attempts)] == [0.05, 0.1]
    assert len(entries(root, "epic_1")) == 1
    assert watcher.metrics.value("guardians_epic_runs_total", {"result": "busy"}) == 2


def test_real_lease_held_elsewhere_is_not_waited_for(root: Path) -> None:
    deliver(root, "epic_1", "m.json", vetoable(1))
    deliver(root, "epic_2", "m.json", vetoable(2))
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from filelock import FileLock; l=FileLock(sys.argv[1]); l.acquire(); "
            "print('held', flush=True); time.sleep(600)",
            str(Epic(root, "epic_1").lock_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        watcher, _, _ = make_watcher(root)
        assert watcher.run() == 0
        assert holder.poll() is None  # the run ended while the lease was still held elsewhere
        assert len(entries(root, "epic_2")) == 1
        assert entries(root, "epic_1") == []
        assert "epic_1" in watcher._due
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


def test_pipeline_errors_are_logged_counted_and_retried(root: Path) -> None:
    clock = FakeClock()
    deliver(root, "epic_1", "m.json", vetoable(1))
    stream = io.StringIO()
    calls = {"n": 0}

    def process(epic: Epic, **kwargs: Any) -> EpicResult:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk on fire")
        return process_epic(epic, **kwargs)

    statuses: list[dict[str, Any]] = []

    def tick() -> None:
        statuses.append(watcher.status())
        clock.t = min(watcher._due.values())

    watcher, _, _ = make_watcher(
        root, [tick, Hints()], clock=clock, process=process, logger=make_logger("json", stream)
    )
    assert watcher.run() == 0
    assert statuses[0]["failing_epics"] == {"epic_1": "RuntimeError: disk on fire"}
    assert watcher.status()["failing_epics"] == {}
    assert len(entries(root, "epic_1")) == 1
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    failed = [x for x in lines if x["event"] == "epic_failed"]
    assert failed and "disk on fire" in failed[0]["exception"]
    assert watcher.metrics.value("guardians_errors_total", {"kind": "RuntimeError"}) == 1


def test_disk_io_error_stops_the_service_instead_of_retrying(root: Path) -> None:
    """An fsync EIO cannot be produced on a healthy disk, so it is injected."""
    import errno

    deliver(root, "epic_1", "m.json", vetoable(1))
    calls = {"n": 0}

    def process(epic: Epic, **kwargs: Any) -> EpicResult:
        calls["n"] += 1
        raise OSError(errno.EIO, "Input/output error")

    watcher, _, _ = make_watcher(root, [Hints(), Hints(), Hints()], process=process)
    assert watcher.run() == 4
    assert calls["n"] == 1
    assert entries(root, "epic_1") == []


def test_decisions_are_logged_and_counted(root: Path) -> None:
    for i in range(3):
        deliver(root, "epic_1", f"m{i}.json", vetoable(i))
    deliver(root, "epic_1", "x.json", b"[[[")
    stream = io.StringIO()
    watcher, _, _ = make_watcher(root, logger=make_logger("json", stream))
    assert watcher.run() == 0
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    decisions = [x for x in lines if x["event"] == "decision"]
    assert len(decisions) == 4
    for d in decisions:
        assert d["epic"] == "epic_1" and d["agent"] == "deploy" and d["level"] == "info"
        assert isinstance(d["latency_ms"], float) and d["latency_ms"] >= 0
        assert d["decision"] in ("veto", "reject")
    m = watcher.metrics
    assert m.value("guardians_decisions_total", {"agent": "deploy", "outcome": "veto"}) == 3
    assert m.value("guardians_decisions_total", {"agent": "deploy", "outcome": "reject"}) == 1
    assert m.value("guardians_vetoes_total", {"agent": "deploy", "subject": "invalid_message"}) == 3
    assert m.value("guardians_decision_latency_seconds_count", {"agent": "deploy"}) == 4


def test_idle_epics_are_not_leased(root: Path) -> None:
    inbox(root, "epic_1")
    calls: list[str] = []

    def process(epic: Epic, **kwargs: Any) -> EpicResult:
        calls.append(epic.epic_id)
        return EpicResult()

    watcher, _, _ = make_watcher(root, [Hints({"epic_1"})], process=process)
    assert watcher.run() == 0
    assert calls == []
    assert not Epic(root, "epic_1").lock_path.exists()


def test_config_is_checked() -> None:
    with pytest.raises(ValueError):
        WatchConfig(rescan=0)
    with pytest.raises(ValueError):
        WatchConfig(recheck=0)


# -- hints and the watchdog glue ----------------------------------------------------------


def test_epic_of_maps_only_inbox_messages(tmp_path: Path) -> None:
    specs = tmp_path / "docs" / "specs"
    box = specs / "epic_4" / "consensus" / "messages" / "inbox"

    def f(p: Path) -> str | None:
        return epic_of(specs, str(p), is_directory=False)

    assert f(box / "deploy" / "handoff.yaml") == "epic_4"
    assert f(box / "process" / "a.json") == "epic_4"
    for noise in (
        box / "deploy" / ".handoff.yaml.swp",
        box / "deploy" / "handoff.yaml~",
        box / "deploy" / ".#handoff.yaml",
        box / "deploy" / "notes.txt",
        box / "deploy" / ".tmp" / "x.json",
        box / "deploy" / "processed" / "x.json",
        box / "developer" / "veto_2026.yaml",  # not a guardian inbox
        specs / "epic_4" / "consensus" / "decision_log.jsonl",
        specs / "epic_x" / "consensus" / "messages" / "inbox" / "deploy" / "a.json",
        tmp_path / "elsewhere.json",
    ):
        assert f(noise) is None, noise
    assert epic_of(specs, str(specs / "epic_9"), is_directory=True) == "epic_9"
    assert epic_of(specs, str(box / "deploy"), is_directory=True) == "epic_4"
    assert epic_of(specs, str(box / "deploy" / "processed"), is_directory=True) is None


def test_handler_filters_event_types_and_never_raises(tmp_path: Path) -> None:
    from watchdog.events import (
        DirCreatedEvent,
        DirModifiedEvent,
        FileClosedEvent,
        FileClosedNoWriteEvent,
        FileDeletedEvent,
        FileMovedEvent,
        FileOpenedEvent,
    )

    specs = tmp_path / "docs" / "specs"
    box = specs / "epic_1" / "consensus" / "messages" / "inbox" / "deploy"
    queue = HintQueue()
    handler = _Handler(specs, queue)
    handler.dispatch(FileOpenedEvent(str(box / "a.json")))
    handler.dispatch(FileClosedNoWriteEvent(str(box / "a.json")))  # our own reads
    handler.dispatch(FileDeletedEvent(str(box / "a.json")))
    handler.dispatch(DirModifiedEvent(str(box)))  # every move out of the inbox
    handler.dispatch(FileMovedEvent(str(box / "a.json"), str(box / "processed" / "a.json")))
    assert queue.take(0) == Hints()
    handler.dispatch(FileMovedEvent(str(box / ".tmp" / "b.json"), str(box / "b.json")))
    handler.dispatch(FileClosedEvent(str(specs / "epic_2" / "consensus/messages/inbox/backup/c.yml")))
    handler.dispatch(DirCreatedEvent(str(specs / "epic_3")))
    assert queue.take(0) == Hints({"epic_1", "epic_2", "epic_3"})
    handler.dispatch(object())  # type: ignore[arg-type]
    assert handler.faults == 1
    assert queue.take(0).rescan


def test_hint_queue_coalesces_bounds_and_wakes() -> None:
    q = HintQueue(max_hints=3)
    for _ in range(1000):
        q.put("epic_1")
    assert q.depth() == 1
    for i in range(2, 6):
        q.put(f"epic_{i}")
    hints = q.take(0)
    assert hints.rescan and hints.epics == set()
    assert q.take(0) == Hints()
    assert MAX_HINTS >= 1000


@pytest.mark.timeout(120)  # take() would block for an hour if wake() did not end the wait
def test_hint_queue_wake_ends_a_long_wait() -> None:
    q = HintQueue(max_hints=3)
    threading.Timer(0.05, q.wake).start()
    assert q.take(3600.0) == Hints()


@pytest.mark.parametrize("poll", [False, True], ids=["inotify", "polling"])
def test_watchdog_source_hints_sent_and_moved_files(root: Path, poll: bool) -> None:
    inbox(root, "epic_1")
    source = WatchdogSource(root, poll=poll, poll_interval=0.1)
    source.start()
    try:
        assert source.alive()
        deliver(root, "epic_1", "m.json", vetoable(1))
        got: set[str] = set()
        deadline = time.monotonic() + 120
        while "epic_1" not in got and time.monotonic() < deadline:
            got |= source.take(0.5).epics
        assert got == {"epic_1"}
        # A new epic with a file already in it when the watch starts.
        deliver(root, "epic_2", "m.json", vetoable(2))
        deadline = time.monotonic() + 120
        while "epic_2" not in got and time.monotonic() < deadline:
            got |= source.take(0.5).epics
        assert "epic_2" in got
    finally:
        source.stop()
    assert not source.alive()


def test_watcher_with_real_observer_decides_as_files_arrive(root: Path) -> None:
    inbox(root, "epic_1")
    stop = threading.Event()
    source = WatchdogSource(root)
    source.start()
    watcher = Watcher(root, source, stop, config=WatchConfig(rescan=60))
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(watcher.run()))
    thread.start()
    try:
        for i in range(20):
            deliver(root, f"epic_{1 + i % 4}", f"m{i}.json", vetoable(i))
        deadline = time.monotonic() + 120
        while watcher.decided < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        source.wake()
        thread.join(120)
        source.stop()
    assert result == [0]
    assert watcher.decided == 20
    assert sum(len(entries(root, f"epic_{e}")) for e in range(1, 5)) == 20


def test_slow_writer_gets_no_premature_invalid_json_veto(root: Path) -> None:
    """Chunks with pauses up to 1.2 s (< SETTLE_INVALID): the file is decided whole."""
    box = inbox(root, "epic_1")
    stop = threading.Event()
    source = WatchdogSource(root)
    source.start()
    watcher = Watcher(root, source, stop, config=WatchConfig(rescan=60))
    thread = threading.Thread(target=watcher.run)
    thread.start()
    try:
        body = json.dumps({"from": "developer", "to": "deploy", "pad": "x" * 64}).encode()
        chunks = [body[:5], body[5:20], body[20:40], body[40:]]
        with open(box / "slow.json", "wb") as fh:
            for chunk, pause in zip(chunks, (0.3, 1.2, 0.7, 0.0), strict=True):
                fh.write(chunk)
                fh.flush()
                time.sleep(pause)
        deadline = time.monotonic() + 120
        while not entries(root, "epic_1") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        source.wake()
        thread.join(120)
        source.stop()
    log = entries(root, "epic_1")
    assert len(log) == 1
    details = json.dumps(log[0]["details"])
    assert "invalid JSON" not in details and "required property" in details


# -- logs, metrics, HTTP ----------------------------------------------------------------


def test_log_formats() -> None:
    out = io.StringIO()
    make_logger("json", out).info("decision", epic="epic_1", latency_ms=1.5)
    line = json.loads(out.getvalue())
    assert line["event"] == "decision" and line["epic"] == "epic_1" and "timestamp" in line
    out = io.StringIO()
    make_logger("console", out).info("decision", epic="epic_1")
    assert "decision" in out.getvalue() and "epic_1" in out.getvalue() and "\x1b[" not in out.getvalue()
    out = io.StringIO()
    make_logger("auto", out).info("x")  # not a TTY: JSON
    assert json.loads(out.getvalue())["event"] == "x"
    with pytest.raises(ValueError):
        make_logger("xml", out)


def test_parse_address_is_loopback_only_by_default() -> None:
    from guardians.errors import UsageError
    from guardians.watch.http import parse_address

    assert parse_address("127.0.0.1:9464") == ("127.0.0.1", 9464)
    assert parse_address("localhost:0") == ("127.0.0.1", 0)
    assert parse_address(":9") == ("127.0.0.1", 9)
    assert parse_address("[::1]:9464") == ("::1", 9464)
    for bad in ("0.0.0.0:9464", "10.1.2.3:80", "example.com:80", "[::]:1"):
        with pytest.raises(UsageError, match="http-allow-remote"):
            parse_address(bad)
    assert parse_address("0.0.0.0:9464", allow_remote=True) == ("0.0.0.0", 9464)
    for bad in ("9464", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:x"):
        with pytest.raises(UsageError):
            parse_address(bad)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_http_health_and_metrics(root: Path) -> None:
    from guardians.watch.http import serve

    deliver(root, "epic_1", "m.json", vetoable(1))
    watcher, source, _ = make_watcher(root)
    server = serve(("127.0.0.1", 0), watcher.status, watcher.metrics)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        code, body = _get(base + "/health")
        assert code == 503 and json.loads(body)["ready"] is False
        assert watcher.run() == 0
        code, body = _get(base + "/health")
        health = json.loads(body)
        assert code == 200, health
        assert health["live"] and health["ready"] and health["observer_alive"]
        assert 0 <= health["last_scan_age_s"] < 300 and health["queue_depth"] == 0 and health["decided"] == 1
        assert _get(base + "/health/live")[0] == 200
        code, text = _get(base + "/metrics")
        assert code == 200
        assert 'guardians_decisions_total{agent="deploy",outcome="veto"} 1.0' in text
        assert "guardians_decision_latency_seconds_bucket" in text
        assert "guardians_queue_depth" in text and "guardians_errors" in text
        assert "python_gc" not in text  # own registry, not the process-wide default
        assert _get(base + "/nope")[0] == 404
        source.is_alive = False
        code, body = _get(base + "/health/live")
        assert code == 503 and json.loads(body)["observer_alive"] is False
    finally:
        server.shutdown()
        server.server_close()


def test_metrics_registries_are_independent() -> None:
    a, b = Metrics(), Metrics()
    a.error("x")
    assert a.value("guardians_errors_total", {"kind": "x"}) == 1
    assert b.value("guardians_errors_total", {"kind": "x"}) is None


# -- the command ------------------------------------------------------------------------


def test_watch_command_usage_errors(root: Path, tmp_path: Path) -> None:
    err = io.StringIO()
    assert watch_command(root, http="0.0.0.0:0", log_format="json", err=err) == 2
    assert "loopback" in err.getvalue()
    err = io.StringIO()
    assert watch_command(tmp_path / "missing", log_format="json", err=err) == 2
    assert "guardians init" in err.getvalue()


def test_watch_help(run_cli: Callable[..., Any]) -> None:
    result = run_cli("watch", "--help")
    assert result.exit_code == 0
    for option in ("--root", "--http", "--http-allow-remote", "--log-format", "--rescan", "--poll"):
        assert option in result.output


def test_watchdog_source_reports_a_dead_observer(root: Path) -> None:
    source = WatchdogSource(root)
    source.start()
    try:
        assert source.alive()
        observer = source._observer
        observer.stop()
        observer.join(60)
        assert not source.alive()
        watcher = Watcher(root, source, threading.Event())
        assert watcher.run() == EXIT_WATCH_FAILED
        assert watcher.status()["live"] is False
    finally:
        source.stop()
