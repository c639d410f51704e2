"""`guardians watch` as real processes: SIGKILL at random points, several
watchers and `guardians run` on one root, a burst across 100 epics, graceful
shutdown. Every test ends with the same audit: each message decided exactly
once, every decision log chain verifies, no torn line, no journal left.

Messages are invalid on purpose (the pipeline vetoes or rejects them without
reading artifacts), so a decision costs a few milliseconds and thousands fit
in the default test run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from guardians.store.decision_log import verify_file
from guardians.store.layout import Epic, discover_epics

REPO = Path(__file__).resolve().parent.parent


def deliver(root: Path, epic: str, name: str, data: bytes, *, sent: bool = True) -> None:
    box = Epic(root, epic).inbox("deploy")
    if not sent:  # written in place, in two chunks, like an agent with a text editor
        with open(box / name, "wb") as fh:
            fh.write(data[:7])
            fh.flush()
            fh.write(data[7:])
        return
    tmp = box / ".tmp"
    tmp.mkdir(exist_ok=True)
    (tmp / name).write_bytes(data)
    os.chmod(tmp / name, 0o444)
    os.replace(tmp / name, box / name)


def message(i: int) -> bytes:
    if i % 5 == 0:
        return b"{unparseable " + str(i).encode()  # rejected
    return json.dumps({"from": "developer", "to": "deploy", "n": i}).encode()  # vetoed back


def make_epics(root: Path, count: int) -> list[str]:
    ids = [f"epic_{n}" for n in range(1, count + 1)]
    for epic in ids:
        (Epic(root, epic).inbox("deploy") / ".tmp").mkdir(parents=True)
    return ids


def start_watch(root: Path, tag: str, *extra: str) -> subprocess.Popen[bytes]:
    err = open(root / f"watch-{tag}.log", "ab")  # noqa: SIM115 - the child owns it
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "guardians", "watch", "--root", str(root), "--log-format", "json", *extra],
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=REPO,
        )
    finally:
        err.close()


def pending_count(root: Path) -> int:
    total = 0
    for epic in discover_epics(root):
        box = epic.inbox("deploy")
        total += sum(1 for e in os.scandir(box) if e.is_file())
        total += epic.journal_path.exists()
    return total


def wait_drained(root: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while pending_count(root) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pending_count(root) == 0, "messages still pending"


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 20) -> int:
    proc.send_signal(sig)
    return proc.wait(timeout)


def audit(root: Path, names: list[str]) -> Counter[str]:
    """Every message decided exactly once; chains verify; outputs not duplicated."""
    decided: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    vetoes_written = 0
    for epic in discover_epics(root):
        raw = epic.log_path.read_bytes() if epic.log_path.exists() else b""
        assert raw == b"" or raw.endswith(b"\n"), f"{epic.epic_id}: torn last line"
        result = verify_file(epic.log_path, epic.epic_id)
        assert result.ok, (epic.epic_id, result)
        keys: Counter[str] = Counter()
        for line in raw.splitlines():
            entry = json.loads(line)
            keys[entry["message_key"]] += 1
            decided[entry["source_document"].rsplit("/", 1)[-1]] += 1
            outcomes[entry["decision"]] += 1
        assert set(keys.values()) <= {1}, f"{epic.epic_id}: a message_key logged twice"
        assert not epic.journal_path.exists()
        dev = epic.inbox("developer")
        # (a SIGKILL inside an atomic write may leave a ".veto_*.tmp" temp file: not a veto)
        vetoes_written += sum(1 for n in os.listdir(dev) if n.startswith("veto_")) if dev.exists() else 0
    assert sorted(decided) == sorted(names), "some message not decided, or decided under another name"
    assert set(decided.values()) == {1}, [n for n, c in decided.items() if c > 1][:5]
    assert vetoes_written == outcomes["veto"], "a veto file written twice, or lost"
    cli = subprocess.run(
        [sys.executable, "-m", "guardians", "log", "verify", "--root", str(root)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    return outcomes


def log_events(root: Path, tag: str) -> list[dict[str, Any]]:
    lines = (root / f"watch-{tag}.log").read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_sigkill_at_random_points_loses_nothing_and_decides_nothing_twice(tmp_path: Path) -> None:
    rng = random.Random(4)
    root = tmp_path
    epics = make_epics(root, 6)
    names: list[str] = []
    counter = iter(range(10**6))

    def drop(n: int) -> None:
        for _ in range(n):
            i = next(counter)
            name = f"m{i:05d}.json"
            deliver(root, rng.choice(epics), name, message(i), sent=i % 7 != 3)
            names.append(name)

    kills = 0
    for round_ in range(10):
        drop(40)  # a backlog, so the kill often lands mid-drain
        proc = start_watch(root, f"r{round_}", "--rescan", "1")
        dropper = threading.Thread(target=drop, args=(20,))
        dropper.start()
        time.sleep(rng.uniform(0.25, 0.9))
        proc.kill()
        assert proc.wait(10) == -signal.SIGKILL
        dropper.join()
        kills += 1
    final = start_watch(root, "final", "--rescan", "1")
    try:
        wait_drained(root, 60)
    finally:
        assert stop(final) == 0
    outcomes = audit(root, names)
    assert kills == 10 and len(names) == 600
    assert outcomes["reject"] == sum(1 for n in names if int(n[1:6]) % 5 == 0)
    # the kills did interrupt work: earlier rounds decided some, the last one the rest
    decided_before = sum(1 for r in range(10) for e in log_events(root, f"r{r}") if e.get("event") == "decision")
    assert 0 < decided_before < 600


def test_several_watchers_and_runs_on_one_root(tmp_path: Path) -> None:
    """3 watchers + repeated `guardians run`, 2,000 messages dropped while they work."""
    root = tmp_path
    epics = make_epics(root, 20)
    watchers = [start_watch(root, f"w{k}", "--rescan", "2") for k in range(3)]
    runs: list[int] = []
    done = threading.Event()

    def run_loop() -> None:
        while not done.is_set():
            proc = subprocess.run(
                [sys.executable, "-m", "guardians", "run", "--root", str(root)],
                capture_output=True,
                cwd=REPO,
            )
            runs.append(proc.returncode)

    runner = threading.Thread(target=run_loop)
    runner.start()
    names: list[str] = []

    def dropper(k: int) -> None:
        rng = random.Random(k)
        for i in range(1000):
            name = f"d{k}-{i:04d}.json"
            deliver(root, rng.choice(epics), name, message(i))
            names.append(name)
            if i % 100 == 0:
                time.sleep(0.05)

    threads = [threading.Thread(target=dropper, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        wait_drained(root, 90)
    finally:
        done.set()
        runner.join(60)
        codes = [stop(w) for w in watchers]
    assert codes == [0, 0, 0]
    assert runs and set(runs) <= {0}, runs
    audit(root, names)
    by_process = [sum(1 for e in log_events(root, f"w{k}") if e.get("event") == "decision") for k in range(3)]
    assert sum(by_process) <= 2000  # the rest were decided by `guardians run`


def test_burst_across_100_epics_then_sigterm_mid_burst_and_restart(tmp_path: Path) -> None:
    root = tmp_path
    epics = make_epics(root, 100)
    proc = start_watch(root, "a")
    deadline = time.monotonic() + 10
    while not any(e.get("event") == "watch_started" for e in log_events(root, "a")):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    names = []
    for i in range(1000):
        name = f"b{i:04d}.json"
        deliver(root, epics[i % 100], name, message(i))
        names.append(name)
    time.sleep(1.0)
    started = time.monotonic()
    assert stop(proc) == 0
    assert time.monotonic() - started < 5
    first = log_events(root, "a")
    assert first[-1]["event"] == "watch_stopped"
    decided_first = sum(1 for e in first if e.get("event") == "decision")
    assert decided_first > 0
    again = start_watch(root, "b")
    try:
        wait_drained(root, 60)
    finally:
        assert stop(again, signal.SIGINT) == 0
    audit(root, names)
    decided_second = sum(1 for e in log_events(root, "b") if e.get("event") == "decision")
    assert decided_first + decided_second == 1000


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_idle_watcher_exits_0_on_signal(tmp_path: Path, sig: int) -> None:
    make_epics(tmp_path, 1)
    proc = start_watch(tmp_path, "idle", "--http", "127.0.0.1:0")
    deadline = time.monotonic() + 10
    while not any(e.get("event") == "watch_started" for e in log_events(tmp_path, "idle")):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    url = next(e["url"] for e in log_events(tmp_path, "idle") if e.get("event") == "http_listening")
    import urllib.request

    with urllib.request.urlopen(url + "health", timeout=5) as resp:
        assert json.loads(resp.read())["observer_alive"] is True
    started = time.monotonic()
    assert stop(proc, sig) == 0
    assert time.monotonic() - started < 3
