"""Benchmark draining one big inbox with `guardians run`: is it linear?

    .venv/bin/python bench/bench_drain.py [--sizes 1000,10000] [--json OUT] [--code CHECKOUT]

One epic, N messages in the deploy inbox, delivered like `guardians send`
(mode 0444, so no settle wait). Every message is a schema-invalid handoff the
deploy guardian vetoes back to its sender, so the figures measure the drain
(listing, claiming, commit: journal, veto file, log append, moves, fsyncs),
not a rule set. For each N: wall time of one `guardians run` (a real
process), time per message, and the child's peak RSS. Linear means the time
per message at the largest N is within 1.5x of the smallest.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def fill(root: Path, count: int) -> Path:
    inbox = root / "docs" / "specs" / "epic_1" / "consensus" / "messages" / "inbox" / "deploy"
    inbox.mkdir(parents=True)
    for i in range(count):
        path = inbox / f"m{i:06d}.json"
        path.write_bytes(json.dumps({"from": "developer", "to": "deploy", "n": i, "pad": "x" * 200}).encode())
        os.chmod(path, 0o444)
    return inbox


def drain(count: int, code: Path = REPO) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="guardians-drain-") as tmp:
        root = Path(tmp)
        inbox = fill(root, count)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "guardians", "run", "--root", str(root)],
            cwd=code,
            env={**os.environ, "PYTHONPATH": str(code)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        seconds = time.perf_counter() - start
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if proc.returncode != 0:
            raise SystemExit(f"run failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
        left = sum(1 for e in os.scandir(inbox) if e.is_file())
        decided = sum(1 for _ in (root / "docs/specs/epic_1/consensus/decision_log.jsonl").open())
        assert left == 0 and decided == count, (left, decided)
        return {
            "messages": count,
            "seconds": round(seconds, 2),
            "ms_per_message": round(1000 * seconds / count, 3),
            # ru_maxrss of children is the largest child so far: only meaningful when it grew.
            "peak_rss_mib": round(peak_kib / 1024, 1) if peak_kib > before else None,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--code", type=Path, default=REPO, help="checkout whose guardians package is run")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = [drain(n, args.code) for n in sizes]
    for row in rows:
        print(
            f"{row['messages']:>7} messages: {row['seconds']:>8.2f} s, {row['ms_per_message']:.3f} ms/message, "
            f"peak RSS {row['peak_rss_mib']} MiB"
        )
    ratio = rows[-1]["ms_per_message"] / rows[0]["ms_per_message"]
    print(f"time per message at {sizes[-1]} / at {sizes[0]}: {ratio:.2f}x (linear: <= 1.5x)")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "ratio": round(ratio, 3)}, indent=2) + "\n")


if __name__ == "__main__":
    main()
