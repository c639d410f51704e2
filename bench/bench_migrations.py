"""Throughput of the migration analysis engine, compared with squawk on the same file.

Generates a SQL migration of N mixed, realistic statements in a temporary
directory, then measures the full path (read file -> parse -> rules ->
findings):

* in-process: ``analyze_paths`` (best of --repeat runs),
* the CLI as a subprocess: ``python -m guardians lint-migrations --format json``,
* ``squawk --reporter json`` (the squawk-cli package in the same venv),
* ``pgparse.parse`` alone, as the floor set by the parser.

Peak memory of each child process comes from ``os.wait4`` (ru_maxrss).

The CLI runs with its bytecode cached (in a private ``PYTHONPYCACHEPREFIX``,
filled by one unmeasured warm-up run), as after ``pip install``: otherwise
every run would also compile the package's sources, which an installed
command never does (``--no-bytecode`` measures that case: no .pyc written).

Usage: .venv/bin/python bench/bench_migrations.py [--statements 10000] [--repeat 7] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TABLES = ("users", "orders", "invoices", "accounts", "products", "events", "sessions", "payments")


def _statement(i: int, rng: random.Random) -> str:
    t = rng.choice(TABLES)
    c = f"col_{i}"
    templates: list[Callable[[], str]] = [
        lambda: f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {c} text",
        lambda: f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {t}_{c}_idx ON {t} ({c})",
        lambda: f"ALTER TABLE {t} DROP COLUMN {c}",
        lambda: f"UPDATE {t} SET {c} = 'x' WHERE id BETWEEN {i} AND {i + 1000}",
        lambda: f"ALTER TABLE {t} ALTER COLUMN {c} TYPE varchar(64)",
        lambda: (
            f"CREATE TABLE IF NOT EXISTS t_{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
            "name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        ),
        lambda: f"ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_fk FOREIGN KEY ({c}) REFERENCES accounts (id) NOT VALID",
        lambda: f"ALTER TABLE {t} VALIDATE CONSTRAINT {t}_{c}_fk",
        lambda: f"INSERT INTO {t} (id, {c}) VALUES ({i}, 'v')",
        lambda: f"CREATE INDEX {t}_{c}_plain ON {t} ({c})",
        lambda: f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL",
        lambda: f"ALTER TABLE {t} RENAME COLUMN {c} TO {c}_new",
        lambda: f"ALTER TABLE {t} ADD COLUMN {c}_u uuid DEFAULT gen_random_uuid()",
        lambda: f"DELETE FROM {t} WHERE created_at < now() - interval '90 days'",
        lambda: f"COMMENT ON COLUMN {t}.{c} IS 'note {i}'",
        lambda: f"ALTER TABLE {t} ADD COLUMN {c}_n integer NOT NULL DEFAULT 0",
        lambda: f"DROP INDEX CONCURRENTLY IF EXISTS {t}_{c}_old",
        lambda: f"CREATE TABLE t2_{i} (id serial PRIMARY KEY, label varchar(20), at timestamp)",
        lambda: f"ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_chk CHECK ({c} <> '') NOT VALID",
        lambda: "SET lock_timeout = '5s'",
    ]
    return templates[i % len(templates)]() + ";"


def generate(path: Path, count: int) -> None:
    rng = random.Random(20240301)
    lines = ["-- generated benchmark migration"]
    for i in range(count):
        if i % 500 == 0:
            lines.append(f"-- section {i // 500}")
        lines.append(_statement(i, rng))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# A small, fresh interpreter starts each measured command, so that the child's
# peak RSS (ru_maxrss survives exec) does not include a copy of this process.
_LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_pid, status, usage = os.wait4(proc.pid, 0)
print(time.perf_counter() - start, os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def run_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """(wall seconds, exit status, peak RSS in KiB) of one child process."""
    out = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], capture_output=True, text=True, check=True, env=env)
    seconds, status, rss = out.stdout.split()
    return float(seconds), int(status), int(rss)


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--no-bytecode", action="store_true", help="CLI compiles its sources at every start (no .pyc files)"
    )
    args = parser.parse_args(argv)

    import pgparse

    from guardians.migrations.analyze import analyze_paths

    bindir = Path(sys.executable).parent
    squawk = bindir / "squawk"
    with tempfile.TemporaryDirectory() as tmp:
        sql = Path(tmp) / "0001_bench.sql"
        generate(sql, args.statements)
        text = sql.read_text(encoding="utf-8")
        report = analyze_paths([sql])
        statements = report.files[0].statements
        findings = len(report.findings())
        assert statements == args.statements, statements

        cli_cmd = [sys.executable, "-m", "guardians", "lint-migrations", "--format", "json", str(sql)]
        cli_env = dict(os.environ)
        if args.no_bytecode:
            cli_env["PYTHONDONTWRITEBYTECODE"] = "1"
            cli_env.pop("PYTHONPYCACHEPREFIX", None)
        else:
            cli_env.pop("PYTHONDONTWRITEBYTECODE", None)
            cli_env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
            run_child(cli_cmd, cli_env)  # warm-up: writes the bytecode
        squawk_cmd = [str(squawk), "--reporter", "json", str(sql)] if squawk.exists() else None
        # interleave the contenders so that background load affects them alike
        timings: dict[str, list[float]] = {"parse": [], "engine": [], "cli": [], "squawk": []}
        peak: dict[str, int] = {"cli": 0, "squawk": 0}
        for _ in range(args.repeat):
            timings["parse"].append(best(lambda: pgparse.parse(text), 1))
            timings["engine"].append(best(lambda: analyze_paths([sql]), 1))
            seconds, _rc, rss = run_child(cli_cmd, cli_env)
            timings["cli"].append(seconds)
            peak["cli"] = max(peak["cli"], rss)
            if squawk_cmd:
                seconds, _rc, rss = run_child(squawk_cmd)
                timings["squawk"].append(seconds)
                peak["squawk"] = max(peak["squawk"], rss)
        parse_s, engine_s, cli_s = min(timings["parse"]), min(timings["engine"]), min(timings["cli"])
        rows: list[tuple[str, float, int | None]] = [
            ("pgparse.parse only (in-process)", parse_s, None),
            ("guardians engine (in-process, analyze_paths)", engine_s, None),
            (
                "guardians lint-migrations (CLI subprocess" + (", no bytecode)" if args.no_bytecode else ")"),
                cli_s,
                peak["cli"],
            ),
        ]
        squawk_s = min(timings["squawk"]) if timings["squawk"] else None
        if squawk_s is not None:
            rows.append(("squawk --reporter json (subprocess)", squawk_s, peak["squawk"]))

    print(f"file: {statements} statements, {len(text) / 1e6:.2f} MB, {findings} findings; best of {args.repeat}")
    print()
    print("| run | seconds | statements/s | peak RSS (MiB) |")
    print("|---|---:|---:|---:|")
    for label, seconds, peak_kib in rows:
        mem = f"{peak_kib / 1024:.0f}" if peak_kib is not None else "-"
        print(f"| {label} | {seconds:.3f} | {statements / seconds:,.0f} | {mem} |")
    if squawk_s is not None:
        print()
        print(f"engine / squawk throughput: {squawk_s / engine_s:.2f}x (in-process engine vs squawk process)")
        print(f"CLI / squawk throughput:    {squawk_s / cli_s:.2f}x (both as processes, goal >= 0.5)")
    else:
        print("\nsquawk not found next to the Python interpreter: comparison skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
