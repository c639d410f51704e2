"""Run every benchmark in turn with its defaults (``make bench``), or the ones named.

Each script prints its own figures and the command that reproduces them;
``docs/performance.md`` records the results. The list is explicit so a new
benchmark is added here on purpose, with its cost in mind: the full set takes
a long time (the checkpoint benchmark builds a 1 GB database), so name the
ones you need: ``python bench/run_all.py validate drain``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES: tuple[str, ...] = (
    "startup",
    "agents",
    "validate",
    "validate_log",
    "validate_triage",
    "migrations",
    "drain",
    "watch",
    "checkpoint",  # needs PostgreSQL (make servers); builds a 1 GB database
)


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    available = {p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py")}
    unknown = [n for n in names if n not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(sorted(available))}")
        return 2
    failed = []
    for name in names:
        print(f"\n=== bench_{name}.py", flush=True)
        start = time.monotonic()
        code = subprocess.call([sys.executable, str(HERE / f"bench_{name}.py")])
        print(f"=== bench_{name}.py: exit {code} after {time.monotonic() - start:.0f} s", flush=True)
        if code:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
