"""Cold start of the CLI: `guardians --help` and `guardians validate` on one epic.

Each command runs as a fresh process N times (after one discarded warm-up);
the median wall time is compared with `python -c pass` and with the goals
(150 ms for --help, 300 ms for validate on one epic). Also prints the
heaviest imports of `guardians validate` from `python -X importtime`.

    .venv/bin/python bench/bench_startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(cmd: list[str], runs: int, cwd: Path) -> tuple[float, int]:
    rc = subprocess.run(cmd, capture_output=True, cwd=cwd).returncode  # warm-up
    walls = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, cwd=cwd)
        walls.append(time.perf_counter() - t)
    return statistics.median(walls), rc


def heaviest_imports(cmd: list[str], cwd: Path, top: int = 8) -> list[tuple[int, str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *cmd], capture_output=True, text=True, cwd=cwd)
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
            if parts[1].isdigit():
                rows.append((int(parts[1]), parts[2]))
    return sorted(rows, reverse=True)[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "bench"))
    from bench_validate import generate

    with tempfile.TemporaryDirectory(prefix="guardians-startup-") as tmp:
        root = Path(tmp)
        generate(root, 1, invalid_every=10**9)
        guardians = str(BIN / "guardians")
        cases = [
            ("python -c pass", [sys.executable, "-c", "pass"], None),
            ("guardians --help", [guardians, "--help"], 0.150),
            ("guardians validate (1 epic, 11 files)", [guardians, "validate"], 0.300),
        ]
        print(f"median of {args.runs} runs\n")
        print("| command | median (ms) | goal (ms) | exit |")
        print("|---|---:|---:|---:|")
        for name, cmd, goal in cases:
            wall, rc = timed(cmd, args.runs, root)
            goal_text = f"{goal * 1000:.0f}" if goal else "-"
            print(f"| {name} | {wall * 1000:.0f} | {goal_text} | {rc} |")
        print("\nheaviest imports of `guardians validate` (cumulative us):")
        for us, mod in heaviest_imports(["-m", "guardians", "validate"], root):
            print(f"  {us:>8}  {mod}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
