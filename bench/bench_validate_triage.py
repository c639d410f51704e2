"""`guardians validate --statistics` and `--baseline` on a tree with many known problems.

Generates EPICS epics (the tree of bench_validate.py) and plants 10 problems in
each (unknown and drifted keys, a missing key, a wrong enum value, a number for
a string, an agent's message nested under `header:`, a blank line and a line of
prose in the log), then times, as separate processes (warm cache, one
discarded warm-up, median of RUNS): plain `validate`, `validate --statistics`,
the run that writes `--baseline FILE`, and the run with the baseline, which
must report zero problems.

    .venv/bin/python bench/bench_validate_triage.py [--epics 300] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_validate as base  # the generator and the measuring helper

PER_EPIC = 10
HEADER_MESSAGE = """header:
  from: developer
  to: migration
  epic_id: {epic}
  iteration: 1
  type: handoff
  subject: ready
  timestamp: '2026_11_24_14_30_00'
content: {{}}
"""


def plant(root: Path, epics: int) -> None:
    """10 problems per epic: an agent's message nested under `header:` (7 missing keys, each named),
    a blank line and a line of prose in the log (2), a drifted plan key (1, a warning)."""
    for n in range(1, epics + 1):
        epic = f"epic_{n}"
        cons = root / "docs" / "specs" / epic / "consensus"
        plan_path = cons / "artifacts" / "plan.json"
        plan = json.loads(plan_path.read_text())
        plan["rollback_strategy"] = plan.pop("rollback_plan")
        plan_path.write_text(json.dumps(plan, indent=2))
        inbox = cons / "messages" / "inbox" / "migration"
        (inbox / "note.yaml").write_text(HEADER_MESSAGE.format(epic=epic))
        log = cons / "decision_log.jsonl"
        log.write_bytes(log.read_bytes() + b"\nagents finished\n")


def measure(cmd: list[str], out: Path) -> tuple[float, float]:
    base.LAST_CPU.clear()
    _, wall, _ = base.measure(cmd, out)
    return wall, base.LAST_CPU[-1]


def timed(runs: int, cmd: list[str], out: Path) -> tuple[float, float]:
    measure(cmd, out)  # warm-up
    results = [measure(cmd, out) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epics", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="guardians-triage-"))
    try:
        root = tmp / "tree"
        t = time.perf_counter()
        base.generate(root, args.epics, invalid_every=10**9)
        plant(root, args.epics)
        print(f"generated {args.epics} epics in {time.perf_counter() - t:.1f}s", file=sys.stderr)
        guardians = str(base.BIN / "guardians")
        plain = [guardians, "validate", "--root", str(root)]
        out = tmp / "out.txt"
        problems = json.loads(subprocess.run([*plain, "--format", "json"], capture_output=True, text=True).stdout)[
            "problems"
        ]
        rows = [
            ("validate (text)", *timed(args.runs, plain, out)),
            ("validate --statistics", *timed(args.runs, [*plain, "--statistics"], out)),
        ]
        stats = out.read_text()
        baseline = tmp / "baseline.json"
        write = measure([*plain, "--baseline", str(baseline)], out)
        rows.append(("validate --baseline FILE (writes it)", *write))
        rows.append(
            ("validate --baseline FILE (known problems)", *timed(args.runs, [*plain, "--baseline", str(baseline)], out))
        )
        after = json.loads(
            subprocess.run(
                [*plain, "--baseline", str(baseline), "--format", "json"], capture_output=True, text=True
            ).stdout
        )
        assert after["problems"] == [], len(after["problems"])
        print(
            f"\n{args.epics} epics, {len(problems)} problems ({len(problems) / args.epics:.1f} per epic); "
            f"median of {args.runs} runs\n"
        )
        print("| command | wall (s) | CPU (s) | vs plain (wall) |")
        print("|---|---:|---:|---:|")
        for name, wall, cpu in rows:
            print(f"| {name} | {wall:.3f} | {cpu:.3f} | {wall / rows[0][1]:.2f}x |")
        print(f"\nwith the baseline: {len(after['problems'])} problems reported")
        print("\n--statistics output:\n" + stats)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
