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
from collections.abc import Callable
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


def wait_until(check: Callable[[], bool], what: str, timeout: float = 120, pause: float = 0.02) -> None:
    """Poll a condition; the deadline only bounds a hang, it is never expected to be reached."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(pause)


def wait_drained(root: Path, timeout: float = 180) -> None:
    wait_until(lambda: pending_count(root) == 0, "every message to be decided", timeout, pause=0.1)


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 120) -> int:
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
    path = root / f"watch-{tag}.log"
    lines = path.read_text().splitlines() if path.exists() else []
    # the last line may still be being written: only whole JSON lines count
    return [json.loads(line) for line in lines if line.startswith("{") and line.endswith("}")]


def decided(root: Path, tag: str) -> int:
    return sum(1 for e in log_events(root, tag) if e.get("event") == "decision")


def wait_started(root: Path, tag: str) -> None:
    wait_until(lambda: any(e.get("event") == "watch_started" for e in log_events(root, tag)), f"watcher {tag} to start")


def journals(root: Path) -> bool:
    return any(epic.journal_path.exists() for epic in discover_epics(root))


def test_sigkill_at_random_points_loses_nothing_and_decides_nothing_twice(tmp_path: Path) -> None:
    """Each round kills -9 a watcher that is mid-drain, never after a fixed delay:
    once its log shows a random number of decisions, and on odd rounds at the
    first moment a commit journal exists (a kill inside a commit)."""
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

    rounds, interrupted = 5, []
    for round_ in range(rounds):
        drop(30)  # a backlog, so the kill lands mid-drain
        tag = f"r{round_}"
        proc = start_watch(root, tag, "--rescan", "1")
        dropper = threading.Thread(target=drop, args=(10,))  # and more arrive while it works
        dropper.start()
        target = rng.randint(1, 6)
        wait_until(
            lambda t=tag, n=target, p=proc: decided(root, t) >= n or p.poll() is not None,
            f"{target} decisions",
            pause=0.005,
        )
        if round_ % 2:  # until the next commit is under way (bounded: the backlog may drain first)
            deadline = time.monotonic() + 5
            while not journals(root) and pending_count(root) and time.monotonic() < deadline:
                time.sleep(0.0005)
        proc.kill()
        assert proc.wait(60) == -signal.SIGKILL
        interrupted.append(pending_count(root) > 0)
        dropper.join()
    final = start_watch(root, "final", "--rescan", "1")
    try:
        wait_drained(root)
    finally:
        assert stop(final) == 0
    outcomes = audit(root, names)
    assert len(names) == rounds * 40
    assert outcomes["reject"] == sum(1 for n in names if int(n[1:6]) % 5 == 0)
    # every round decided something before its kill, and kills left work behind for the next watcher
    assert all(decided(root, f"r{r}") > 0 for r in range(rounds))
    assert any(interrupted) and decided(root, "final") > 0


def test_several_watchers_and_runs_on_one_root(tmp_path: Path) -> None:
    """3 watchers + repeated `guardians run`, 400 messages dropped while they work."""
    root = tmp_path
    epics = make_epics(root, 12)
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
    per_dropper = 200

    def dropper(k: int) -> None:
        rng = random.Random(k)
        for i in range(per_dropper):
            name = f"d{k}-{i:04d}.json"
            deliver(root, rng.choice(epics), name, message(i))
            names.append(name)
            if i % 50 == 0:
                time.sleep(0.05)  # pacing, so deliveries overlap decisions

    threads = [threading.Thread(target=dropper, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        wait_drained(root)
    finally:
        done.set()
        runner.join(180)
        codes = [stop(w) for w in watchers]
    assert not runner.is_alive()
    assert codes == [0, 0, 0]
    assert runs and set(runs) <= {0}, runs
    audit(root, names)
    by_process = [decided(root, f"w{k}") for k in range(3)]
    assert sum(by_process) <= 2 * per_dropper  # the rest were decided by `guardians run`


def test_burst_across_100_epics_then_sigterm_mid_burst_and_restart(tmp_path: Path) -> None:
    root = tmp_path
    epics = make_epics(root, 100)
    proc = start_watch(root, "a")
    wait_started(root, "a")
    names = []
    for i in range(300):
        name = f"b{i:04d}.json"
        deliver(root, epics[i % 100], name, message(i))
        names.append(name)
    wait_until(lambda: decided(root, "a") > 0, "a first decision")
    assert stop(proc) == 0
    first = log_events(root, "a")
    assert first[-1]["event"] == "watch_stopped"
    decided_first = decided(root, "a")
    assert decided_first > 0
    again = start_watch(root, "b")
    try:
        wait_drained(root)
    finally:
        assert stop(again, signal.SIGINT) == 0
    audit(root, names)
    assert decided_first + decided(root, "b") == 300


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_idle_watcher_exits_0_on_signal(tmp_path: Path, sig: int) -> None:
    make_epics(tmp_path, 1)
    proc = start_watch(tmp_path, "idle", "--http", "127.0.0.1:0")
    wait_started(tmp_path, "idle")
    wait_until(lambda: any(e.get("event") == "http_listening" for e in log_events(tmp_path, "idle")), "http")
    url = next(e["url"] for e in log_events(tmp_path, "idle") if e.get("event") == "http_listening")
    import urllib.request

    with urllib.request.urlopen(url + "health", timeout=60) as resp:
        assert json.loads(resp.read())["observer_alive"] is True
    assert stop(proc, sig) == 0
    assert log_events(tmp_path, "idle")[-1]["event"] == "watch_stopped"
