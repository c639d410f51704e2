"""Benchmark `guardians watch` against real processes.

    .venv/bin/python bench/bench_watch.py [--quick] [--json OUT]

Scenarios (every message is a schema-invalid handoff that the deploy
guardian vetoes back to its sender, so the numbers measure the watcher and
the commit path - lease, journal, fsyncs, log append, moves - not a rule set):

1. latency: an idle watcher, single messages delivered like `guardians send`
   (temp file, mode 0444, rename into the inbox), one at a time; time from the
   rename to the message landing in processed/. Then a few messages written
   directly into the inbox, to show the settle wait they pay.
2. burst: 1,000 messages across 100 epics dropped at once on a running
   watcher; decisions per second until the inboxes are empty.
3. run: the same burst decided by one `guardians run`.
4. memory: the watcher's RSS after warm-up and after 10,000 messages.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from guardians.store.layout import Epic  # noqa: E402


def message(i: int) -> bytes:
    return json.dumps({"from": "developer", "to": "deploy", "n": i, "pad": "x" * 200}).encode()


def make_epics(root: Path, count: int) -> list[Epic]:
    epics = [Epic(root, f"epic_{n}") for n in range(1, count + 1)]
    for epic in epics:
        (epic.inbox("deploy") / ".tmp").mkdir(parents=True, exist_ok=True)
    return epics


def send(epic: Epic, name: str, data: bytes) -> Path:
    box = epic.inbox("deploy")
    tmp = box / ".tmp" / name
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o444)
    os.replace(tmp, box / name)
    return box / "processed" / name


def pending(epics: list[Epic]) -> int:
    return sum(sum(1 for e in os.scandir(ep.inbox("deploy")) if e.is_file()) for ep in epics)


def wait_until(pred: Any, timeout: float, step: float = 0.0005) -> None:
    deadline = time.perf_counter() + timeout
    while not pred():
        if time.perf_counter() > deadline:
            raise TimeoutError("timed out")
        time.sleep(step)


def start_watch(root: Path, *extra: str) -> subprocess.Popen[bytes]:
    log = open(root / "watch.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "guardians", "watch", "--root", str(root), "--log-format", "json", *extra],
        stdout=subprocess.DEVNULL,
        stderr=log,
        cwd=REPO,
    )
    log.close()
    wait_until(lambda: b"watch_started" in (root / "watch.log").read_bytes(), 20, 0.01)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0


def rss_kib(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench_latency(base: Path, n: int, direct: int) -> dict[str, Any]:
    root = base / "latency"
    epics = make_epics(root, 10)
    proc = start_watch(root)
    try:
        for i in range(5):  # warm-up
            target = send(epics[i], f"warm{i}.json", message(i))
            wait_until(target.exists, 10)
        samples = []
        for i in range(n):
            time.sleep(0.02)  # idle between messages
            epic = epics[i % len(epics)]
            t0 = time.perf_counter()
            target = send(epic, f"lat{i:05d}.json", message(i))
            wait_until(target.exists, 10)
            samples.append((time.perf_counter() - t0) * 1000)
        settle = []
        for i in range(direct):
            box = epics[i].inbox("deploy")
            t0 = time.perf_counter()
            (box / f"direct{i}.json").write_bytes(message(i))
            wait_until((box / "processed" / f"direct{i}.json").exists, 10, 0.002)
            settle.append((time.perf_counter() - t0) * 1000)
    finally:
        stop(proc)
    return {
        "messages": n,
        "p50_ms": round(pct(samples, 50), 2),
        "p90_ms": round(pct(samples, 90), 2),
        "p99_ms": round(pct(samples, 99), 2),
        "max_ms": round(max(samples), 2),
        "direct_write_p50_ms": round(statistics.median(settle), 1) if settle else None,
        "direct_write_max_ms": round(max(settle), 1) if settle else None,
    }


def drop_burst(epics: list[Epic], count: int, tag: str) -> None:
    for i in range(count):
        send(epics[i % len(epics)], f"{tag}{i:05d}.json", message(i))


def bench_burst(base: Path, count: int, n_epics: int) -> dict[str, Any]:
    root = base / "burst"
    epics = make_epics(root, n_epics)
    proc = start_watch(root)
    try:
        t0 = time.perf_counter()
        drop_burst(epics, count, "b")
        dropped = time.perf_counter() - t0
        wait_until(lambda: pending(epics) == 0, 600, 0.01)
        total = time.perf_counter() - t0
        hwm = rss_kib(proc.pid)
    finally:
        stop(proc)
    return {
        "messages": count,
        "epics": n_epics,
        "drop_s": round(dropped, 2),
        "drained_s": round(total, 2),
        "decisions_per_s": round(count / total, 1),
        "rss_kib": hwm,
    }


def bench_run(base: Path, count: int, n_epics: int) -> dict[str, Any]:
    root = base / "run"
    epics = make_epics(root, n_epics)
    drop_burst(epics, count, "r")
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "guardians", "run", "--root", str(root)],
        stdout=subprocess.DEVNULL,
        check=True,
        cwd=REPO,
    )
    total = time.perf_counter() - t0
    assert pending(epics) == 0
    return {"messages": count, "epics": n_epics, "seconds": round(total, 2), "decisions_per_s": round(count / total, 1)}


def bench_memory(base: Path, total: int, batch: int) -> dict[str, Any]:
    root = base / "memory"
    epics = make_epics(root, 100)
    proc = start_watch(root)
    try:
        drop_burst(epics, 200, "warm")
        wait_until(lambda: pending(epics) == 0, 120, 0.01)
        start = rss_kib(proc.pid)
        samples = []
        done = 0
        while done < total:
            drop_burst(epics, batch, f"m{done:06d}_")
            wait_until(lambda: pending(epics) == 0, 600, 0.01)
            done += batch
            samples.append((done, rss_kib(proc.pid)["VmRSS"]))
        end = rss_kib(proc.pid)
    finally:
        stop(proc)
    return {
        "messages": total,
        "rss_start_kib": start["VmRSS"],
        "rss_end_kib": end["VmRSS"],
        "peak_rss_kib": end["VmHWM"],
        "rss_curve_kib": samples,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller runs (smoke test)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--only", choices=["latency", "burst", "run", "memory"], action="append")
    args = parser.parse_args()
    quick = args.quick
    chosen = set(args.only or ["latency", "burst", "run", "memory"])
    results: dict[str, Any] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        base = Path(tmp)
        if "latency" in chosen:
            results["latency"] = bench_latency(base, 50 if quick else 300, 3 if quick else 10)
            print("latency", results["latency"], flush=True)
        if "burst" in chosen:
            results["burst"] = bench_burst(base, 200 if quick else 1000, 20 if quick else 100)
            print("burst  ", results["burst"], flush=True)
        if "run" in chosen:
            results["run"] = bench_run(base, 200 if quick else 1000, 20 if quick else 100)
            print("run    ", results["run"], flush=True)
        if "memory" in chosen:
            results["memory"] = bench_memory(base, 1000 if quick else 10_000, 500)
            print("memory ", {k: v for k, v in results["memory"].items() if k != "rss_curve_kib"}, flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
