"""Throughput of the migration analysis engine, compared with squawk on the same file.

Generates a SQL migration of N mixed, realistic statements in a temporary
directory, then measures the full path (read file -> parse -> rules ->
findings):

* in-process: ``analyze_paths`` (best of --repeat runs),
* the CLI as a subprocess: ``python -m guardians lint-migrations --format json``,
* ``squawk --reporter json`` (the squawk-cli package in the same venv),
* ``pgparse.parse`` alone, as the floor set by the parser.

Peak memory and CPU time of each child process come from ``os.wait4``
(ru_maxrss, ru_utime + ru_stime; CPU includes the worker processes the CLI
waited for).

``--mode files`` measures many small files instead: N SQL files of 5-20
statements each, and reports the CPU each tool spends per file beyond its
start-up (a run over N files minus a run over one), side by side with squawk,
in json and text output, plus the wall time (where worker processes help).
``--mode python`` measures the Django and Alembic front ends: a Django
migration of N AddField operations and an Alembic revision of N operations
(in-process and through the CLI), at N/10 and N to show the growth.

The CLI runs with its bytecode cached (in a private ``PYTHONPYCACHEPREFIX``,
filled by one unmeasured warm-up run), as after ``pip install``: otherwise
every run would also compile the package's sources, which an installed
command never does (``--no-bytecode`` measures that case: no .pyc written).

Usage: .venv/bin/python bench/bench_migrations.py [--statements 10000] [--repeat 7] [--no-bytecode]
       .venv/bin/python bench/bench_migrations.py --mode files [--files 1000] [--repeat 5]
       .venv/bin/python bench/bench_migrations.py --mode python [--operations 4000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
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
cpu = usage.ru_utime + usage.ru_stime
print(time.perf_counter() - start, os.waitstatus_to_exitcode(status), usage.ru_maxrss, cpu)
"""


def run_child_cpu(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int, float]:
    """(wall seconds, exit status, peak RSS in KiB, CPU seconds) of one child process."""
    out = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], capture_output=True, text=True, check=True, env=env)
    seconds, status, rss, cpu = out.stdout.split()
    return float(seconds), int(status), int(rss), float(cpu)


def run_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """(wall seconds, exit status, peak RSS in KiB) of one child process."""
    seconds, status, rss, _cpu = run_child_cpu(cmd, env)
    return seconds, status, rss


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def generate_files(directory: Path, count: int) -> int:
    """``count`` SQL migrations of 5-20 statements each; returns the number of statements."""
    rng = random.Random(20240302)
    total = 0
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        size = rng.randint(5, 20)
        body = [_statement(n * 20 + i, rng) for i in range(size)]
        (directory / f"{n:05d}_step.sql").write_text("\n".join(body) + "\n", encoding="utf-8")
        if n % 2 == 0:
            (directory / f"{n:05d}_step.down.sql").write_text("SELECT 1;\n", encoding="utf-8")
        total += size
    return total


def _cli(fmt: str, *paths: Path) -> list[str]:
    return [sys.executable, "-m", "guardians", "lint-migrations", "--no-config", "--format", fmt, *map(str, paths)]


def _pure_python_env(env: dict[str, str], tmp: Path) -> dict[str, str] | None:
    """An environment that runs a copy of the package without its compiled modules
    (None in a pure-Python checkout: nothing to compare)."""
    package = Path(__file__).resolve().parent.parent / "guardians"
    if not any(package.rglob("*.so")):
        return None
    pure = tmp / "pure"
    if not pure.exists():
        shutil.copytree(package, pure / "guardians", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    return {**env, "PYTHONPATH": str(pure)}


def files_mode(args: argparse.Namespace) -> int:
    """Per-file CPU beyond start-up, guardians vs squawk, on many small files (and 10x that)."""
    squawk = Path(sys.executable).parent / "squawk"
    if not squawk.exists():
        print("squawk not found next to the Python interpreter")
        return 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        os.chdir(tmp)  # `python -m` puts the working directory first on sys.path: not the checkout's package
        for count in (args.files, args.files * 10):
            directory = Path(tmp) / f"m{count}"
            statements = generate_files(directory, count)
            one = sorted(directory.glob("*_step.sql"))[0]
            many = sorted(p for p in directory.glob("*.sql") if not p.name.endswith(".down.sql"))
            contenders = {
                "guardians json": (_cli("json", one), _cli("json", directory)),
                "guardians json --jobs 1": (_cli("json", one), [*_cli("json", directory), "--jobs", "1"]),
                "guardians text": (_cli("text", one), _cli("text", directory)),
                "squawk json": (
                    [str(squawk), "--reporter", "json", str(one)],
                    [str(squawk), "--reporter", "json", *map(str, many)],
                ),
                "squawk text": ([str(squawk), str(one)], [str(squawk), *map(str, many)]),
            }
            pure_env = _pure_python_env(env, Path(tmp))
            if pure_env is not None:  # a compiled checkout: its pure-Python sources too, same run
                contenders["guardians json, pure Python"] = (_cli("json", one), _cli("json", directory))
            run_child(contenders["guardians json"][0], env)  # warm-up: writes the bytecode
            if pure_env is not None:
                run_child(contenders["guardians json, pure Python"][0], pure_env)
            measured: dict[str, dict[str, list[float]]] = {
                k: {"cpu1": [], "cpuN": [], "wall1": [], "wallN": [], "rss": []} for k in contenders
            }
            for _ in range(args.repeat):
                for name, (single, full) in contenders.items():  # interleaved: background load hits all alike
                    child_env = pure_env if name.endswith("pure Python") and pure_env is not None else env
                    wall1, _rc, _rss, cpu1 = run_child_cpu(single, child_env)
                    wall_n, _rc, rss, cpu_n = run_child_cpu(full, child_env)
                    m = measured[name]
                    m["cpu1"].append(cpu1)
                    m["cpuN"].append(cpu_n)
                    m["wall1"].append(wall1)
                    m["wallN"].append(wall_n)
                    m["rss"].append(rss)
            for name, m in measured.items():
                cpu1, cpu_n = min(m["cpu1"]), min(m["cpuN"])
                per_file_us = (cpu_n - cpu1) / (count - 1) * 1e6
                rows.append(
                    (count, statements, name, min(m["wall1"]), cpu1, min(m["wallN"]), cpu_n, per_file_us, max(m["rss"]))
                )
    print(
        f"{args.files} and {args.files * 10} SQL files of 5-20 statements; "
        f"best of {args.repeat}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the end"
    )
    print()
    print(
        "| files | tool | start-up wall (s) | start-up CPU (s) | all files wall (s) | all files CPU (s) "
        "| CPU per file beyond start-up (µs) | peak RSS (MiB) |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for count, _statements, name, wall1, cpu1, wall_n, cpu_n, per_file_us, rss in rows:
        print(
            f"| {count:,} | {name} | {wall1:.3f} | {cpu1:.3f} | {wall_n:.3f} | {cpu_n:.3f} "
            f"| {per_file_us:.0f} | {rss / 1024:.0f} |"
        )
    return 0


def _django(count: int) -> str:
    ops = "\n".join(
        f"        migrations.AddField(model_name='book', name='f{i}', field=models.IntegerField(default=0)),"
        for i in range(count)
    )
    head = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
    return f"{head}    operations = [\n{ops}\n    ]\n"


def _alembic(count: int) -> str:
    kinds = [
        "    op.add_column('t{t}', sa.Column('c{i}', sa.Integer(), nullable=True))",
        "    op.create_index('ix_{i}', 't{t}', ['c{i}'])",
        "    op.alter_column('t{t}', 'c{i}', type_=sa.BigInteger(), existing_type=sa.Integer())",
        "    op.drop_column('t{t}', 'old{i}')",
        '    op.execute("UPDATE t{t} SET c{i} = 0 WHERE c{i} IS NULL")',
    ]
    body = "\n".join(kinds[i % len(kinds)].format(i=i, t=i % 7) for i in range(count))
    return (
        f"import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n{body}\n\n\ndef downgrade():\n    pass\n"
    )


def python_mode(args: argparse.Namespace) -> int:
    """Django AddField x N and Alembic x N operations, in-process and through the CLI."""
    from guardians.migrations.analyze import analyze_paths

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed command has its bytecode
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        for count in (args.operations // 10, args.operations):
            django = Path(tmp) / f"d{count}" / "shop" / "migrations" / "0002_many.py"
            django.parent.mkdir(parents=True)
            django.write_text(_django(count), encoding="utf-8")
            alembic = Path(tmp) / f"a{count}" / "versions" / "abc_many.py"
            alembic.parent.mkdir(parents=True)
            alembic.write_text(_alembic(count), encoding="utf-8")
            for label, path in (("Django AddField", django), ("Alembic operations", alembic)):
                engine = best(lambda p=path: analyze_paths([p]), args.repeat)
                engine_cpu = min(_cpu_of(lambda p=path: analyze_paths([p])) for _ in range(args.repeat))
                run_child(_cli("json", path), env)  # warm-up
                runs = [run_child_cpu(_cli("json", path), env) for _ in range(args.repeat)]
                rows.append((label, count, engine, engine_cpu, min(r[0] for r in runs), min(r[3] for r in runs)))
    print(f"best of {args.repeat}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print()
    print("| file | operations | engine wall (s) | engine CPU (s) | CLI wall (s) | CLI CPU (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, count, engine, engine_cpu, cli, cli_cpu in rows:
        print(f"| {label} | {count:,} | {engine:.3f} | {engine_cpu:.3f} | {cli:.3f} | {cli_cpu:.3f} |")
    return 0


def _cpu_of(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", choices=("single", "files", "python"), default="single")
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=1_000)
    parser.add_argument("--operations", type=int, default=4_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--no-bytecode", action="store_true", help="CLI compiles its sources at every start (no .pyc files)"
    )
    args = parser.parse_args(argv)
    if args.mode == "files":
        return files_mode(args)
    if args.mode == "python":
        return python_mode(args)

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

        cli_cmd = _cli("json", sql)
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
