"""Benchmark `guardians checkpoint` against plain pg_dump / pg_restore run by hand.

    .venv/bin/python bench/bench_checkpoint.py [--sizes-mb 100,1024] [--repeat 2] [--json OUT]

For each size, a throwaway PostgreSQL (loopback, temp dir, fsync on) is filled
with an `events` table until pg_database_size reaches the size. Then, in
alternating order so neither side always runs on a warm cache:

* dump:    `pg_dump -Fc -f X DB` by hand  vs  `guardians checkpoint create --include-database URL --compress`
           (same compression level; guardians also counts every table's rows in the
           dump's snapshot, hashes the dump and writes metadata.json)
* restore: `createdb` + `pg_restore --no-owner --no-acl --exit-on-error -d scratch X` + `dropdb` by hand
           vs `guardians checkpoint verify NAME --restore-test` (re-hashes the dump, restores
           into a scratch database, counts rows per table, drops it)

Before each timed command the server is CHECKPOINTed and the page cache synced, so
that no command pays for the writeback of the one before. Reports the median wall
time, throughput (database MB/s) and the peak RSS of each command's process tree
(wait4's ru_maxrss: the largest single process).
Goal: guardians within 1.2x of the manual commands.
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
sys.path.insert(0, str(REPO))

from tests.localservers import Postgres, start_postgres  # noqa: E402

GUARDIANS = str(REPO / ".venv" / "bin" / "guardians")


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one command; fails loudly on a non-zero exit."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{args[0]} failed ({proc.returncode}): {err[-500:]}")
    return elapsed, int(usage.ru_maxrss)


def settle(pg: Postgres) -> None:
    """Flush what the previous step left dirty, so no command pays for another's writeback."""
    pg.sql("postgres", "CHECKPOINT")
    os.sync()


def fill(pg: Postgres, db: str, size_mb: int) -> tuple[int, int]:
    pg.sql("postgres", f"CREATE DATABASE {db}")
    pg.sql(
        db,
        "CREATE TABLE events (id bigserial PRIMARY KEY, account int, kind text, payload text, at timestamptz)",
        "CREATE TABLE accounts (id int PRIMARY KEY, name text)",
        "INSERT INTO accounts SELECT g, 'account ' || g FROM generate_series(1, 10000) g",
    )
    batch = 500_000
    while int(pg.sql(db, f"SELECT pg_database_size('{db}')")[0][0]) < size_mb * 1024 * 1024:
        pg.sql(
            db,
            "INSERT INTO events (account, kind, payload, at) SELECT 1 + g % 10000, "
            "(ARRAY['click','view','buy'])[1 + g % 3], md5(g::text) || md5((g * 7)::text), "
            f"now() - g * interval '1 second' FROM generate_series(1, {batch}) g",
        )
    pg.sql(db, "VACUUM ANALYZE")
    size = int(pg.sql(db, f"SELECT pg_database_size('{db}')")[0][0])
    rows = int(pg.sql(db, "SELECT count(*) FROM events")[0][0])
    return size, rows


def bench_size(pg: Postgres, size_mb: int, repeat: int, work: Path) -> dict[str, Any]:
    db = f"bench_{size_mb}"
    size, rows = fill(pg, db, size_mb)
    env = {**os.environ, "PGHOST": pg.host, "PGPORT": str(pg.port), "PGUSER": pg.user, "PGPASSWORD": pg.password}
    bindir = pg.bin
    url = pg.url(db, password=False)
    root = work / f"root-{size_mb}"
    root.mkdir()
    results: dict[str, list[tuple[float, int]]] = {k: [] for k in ("dump_manual", "dump_guardians")}
    results |= {"restore_manual": [], "restore_guardians": []}
    for i in range(repeat):
        manual_dump = work / f"manual-{size_mb}-{i}.dump"
        name = f"bench-{i}"
        dump_manual = [str(bindir / "pg_dump"), "-Fc", "-f", str(manual_dump), db]
        dump_guardians = [GUARDIANS, "checkpoint", "create", name, "--root", str(root)]
        dump_guardians += ["--include-database", url, "--compress"]
        order = [("dump_manual", dump_manual), ("dump_guardians", dump_guardians)]
        for key, args in order if i % 2 == 0 else order[::-1]:
            settle(pg)
            results[key].append(timed(args, env))

        def manual_restore(dump: Path = manual_dump) -> tuple[float, int]:
            scratch = f"scratch_{os.getpid()}"
            t1, m1 = timed([str(bindir / "createdb"), scratch], env)
            restore = [str(bindir / "pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "-d", scratch]
            t2, m2 = timed([*restore, str(dump)], env)
            t3, m3 = timed([str(bindir / "dropdb"), scratch], env)
            return t1 + t2 + t3, max(m1, m2, m3)

        verify = [GUARDIANS, "checkpoint", "verify", name, "--root", str(root), "--restore-test"]
        steps = [("restore_manual", manual_restore), ("restore_guardians", lambda a=verify: timed(a, env))]
        for key, fn in steps if i % 2 == 0 else steps[::-1]:
            settle(pg)
            results[key].append(fn())
        manual_dump.unlink()
        shutil.rmtree(root / "data" / "checkpoints" / name)
    pg.sql("postgres", f"DROP DATABASE {db}")
    out: dict[str, Any] = {"size_mb": round(size / 2**20, 1), "rows": rows, "load_avg_1m": os.getloadavg()[0]}
    for key, runs in results.items():
        secs = statistics.median(t for t, _ in runs)
        out[key] = {"seconds": round(secs, 2), "mb_per_s": round(size / 2**20 / secs, 1),
                    "peak_rss_mib": round(max(m for _, m in runs) / 1024, 1),
                    "runs": [round(t, 2) for t, _ in runs]}  # fmt: skip
    out["dump_ratio"] = round(out["dump_guardians"]["seconds"] / out["dump_manual"]["seconds"], 3)
    out["restore_ratio"] = round(out["restore_guardians"]["seconds"] / out["restore_manual"]["seconds"], 3)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes-mb", default="100,1024")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    pg = start_postgres(fsync=True, extra="-c shared_buffers=256MB -c max_wal_size=4GB")
    work = Path(tempfile.mkdtemp(prefix="guardians-bench-"))
    os.chmod(work, 0o777)
    report: dict[str, Any] = {"postgres": subprocess.run([str(pg.bin / "pg_dump"), "--version"], capture_output=True,
                                                         text=True).stdout.strip(), "sizes": []}  # fmt: skip
    try:
        for size in (int(s) for s in opts.sizes_mb.split(",")):
            row = bench_size(pg, size, opts.repeat, work)
            report["sizes"].append(row)
            print(json.dumps(row), flush=True)
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    if opts.json:
        opts.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
