"""How `guardians validate` scales with the length of one epic's decision log.

Builds examples/clean after `guardians run` (one pipeline pass: four approvals and
`operational`), then stretches its decision log to each size in --entries by
repeating that pass with increasing iterations (a valid hash chain throughout, the
same recorded outputs), and times, as separate processes in the same run (one
discarded warm-up, median of RUNS, peak RSS of the child):

* guardians validate --root TREE --format json (schema, chain, iteration order,
  approvals before operational, outputs);
* guardians log verify --root TREE (the hash chain alone, same verifier);
* the floor: one Python process reading the log line by line, json.loads and a
  sha256 of each line.

Log checks are linear when the time per entry stays flat from 10k to 100k entries.

    .venv/bin/python bench/bench_validate_log.py [--entries 10000 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOG = Path("docs/specs/epic_1/consensus/decision_log.jsonl")
MAX_ITERATION = 1000

FLOOR = r"""
import hashlib, json, sys, time
t = time.perf_counter()
n = 0
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        json.loads(line)
        hashlib.sha256(line).hexdigest()
        n += 1
print(n, time.perf_counter() - t)
"""


def base_tree(tmp: Path) -> Path:
    root = tmp / "base"
    shutil.copytree(REPO / "examples" / "clean", root)
    subprocess.run([str(BIN / "guardians"), "run", "--root", str(root)], check=True, capture_output=True)
    return root


def stretch(base: Path, dest: Path, entries: int) -> None:
    """A copy of ``base`` whose log repeats the pipeline pass up to ``entries`` lines."""
    from guardians.store.chain import canonical, entry_hash, genesis_hash

    shutil.copytree(base, dest)
    templates = [json.loads(line) for line in (base / LOG).read_bytes().splitlines()]
    head = genesis_hash("epic_1")
    with open(dest / LOG, "wb") as out:
        for seq in range(1, entries + 1):
            entry: dict[str, Any] = dict(templates[(seq - 1) % len(templates)])
            # Iterations rise through the schema's range (at most 1000), never backwards.
            # One pass (four approvals, operational) shares its iteration.
            passes = entries // len(templates) + 1
            entry["iteration"] = 1 + ((seq - 1) // len(templates)) * MAX_ITERATION // passes
            entry["seq"] = seq
            entry["prev_hash"] = head
            entry.pop("hash", None)
            entry["hash"] = head = entry_hash(entry)
            out.write(canonical(entry) + b"\n")


def timed(cmd: list[str]) -> tuple[float, int, bytes]:
    """Wall time, peak RSS (KiB) and stdout of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, int(usage.ru_maxrss), out


def median_of(runs: int, cmd: list[str]) -> tuple[float, int, bytes]:
    timed(cmd)  # warm-up: page cache, imports
    results = [timed(cmd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base = base_tree(tmp)
        floor_script = tmp / "floor.py"
        floor_script.write_text(FLOOR)
        for entries in args.entries:
            root = tmp / f"log{entries}"
            stretch(base, root, entries)
            size = (root / LOG).stat().st_size
            validate = [str(BIN / "guardians"), "validate", "--root", str(root), "--format", "json"]
            secs, rss, out = median_of(args.runs, validate)
            doc = json.loads(out)
            assert doc["valid"] and doc["summary"]["log_lines"] == entries, doc["summary"]
            verify = [str(BIN / "guardians"), "log", "verify", "--root", str(root)]
            v_secs, v_rss, v_out = median_of(args.runs, verify)
            assert b"ok, " in v_out, v_out
            f_secs, f_rss, _ = median_of(args.runs, [sys.executable, str(floor_script), str(root / LOG)])
            rows.append((entries, size, secs, rss, v_secs, v_rss, f_secs, f_rss))
            shutil.rmtree(root)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, median of {args.runs} runs\n")
    print("| log entries | log size (MB) | tool | seconds | entries/s | peak RSS (MB) |")
    print("|---:|---:|---|---:|---:|---:|")
    for entries, size, secs, rss, v_secs, v_rss, f_secs, f_rss in rows:
        for tool, s, r in (
            ("guardians validate", secs, rss),
            ("guardians log verify", v_secs, v_rss),
            ("floor: read + json.loads + sha256", f_secs, f_rss),
        ):
            print(f"| {entries:,} | {size / 1e6:.1f} | {tool} | {s:.2f} | {entries / s:,.0f} | {r / 1024:.0f} |")
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        ratio = large[2] / small[2]
        scale = large[0] / small[0]
        print(f"\nvalidate: {large[0]:,} entries take {ratio:.1f}x the time of {small[0]:,} ({scale:.0f}x input)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
