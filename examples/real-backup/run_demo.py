"""The real-backup flow end to end against throwaway local servers (`make demo-real`).

1. start PostgreSQL and Redis on free loopback ports (temp dirs) and a small
   orders-api HTTP service; fill the orders database and the cache;
2. commit the epic (its destructive migration drops orders.legacy_discount);
3. `guardians checkpoint create` (database, Redis, config/app.env), then
   `guardians checkpoint verify --restore-test`;
4. `guardians probe --watch`: three samples of api, database and cache;
5. `guardians run`: the migration waits for and gets the tech-lead approval,
   deploy approves, backup approves on the checkpoint it re-checks itself,
   process runs the canary analysis: operational;
6. apply the migration for real, then `guardians checkpoint recover` and check
   that the dropped column and its values are back.

Everything is stopped and removed at the end, whatever happens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

from tests.localservers import git_commit_all, start_postgres, start_redis, toml_text  # noqa: E402

GUARDIANS = str(Path(sys.executable).parent / "guardians")


class Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"ready" if self.path == "/health/ready" else b"not found"
        self.send_response(200 if self.path == "/health/ready" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def sh(*args: str, ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None) -> str:
    shown = " ".join(a if "://" not in a else a.split("://")[0] + "://…" for a in args)
    print(f"\n$ guardians {shown}", flush=True)
    proc = subprocess.run([GUARDIANS, *args], capture_output=True, text=True, env=env)
    print(proc.stdout + proc.stderr, end="", flush=True)
    if proc.returncode not in ok:
        raise SystemExit(f"demo failed: guardians {args[0]} exited {proc.returncode}")
    return proc.stdout


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="guardians-demo-real-"))
    root = work / "repo"
    shutil.copytree(HERE, root, ignore=shutil.ignore_patterns("run_demo.py", "README.md"))
    pg = start_postgres()
    cache = start_redis(work / "redis")
    api = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    try:
        return demo(root, pg, cache, api.server_address[1])
    finally:
        api.shutdown()
        api.server_close()
        cache.stop()
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


def demo(root: Path, pg, cache, api_port: int) -> int:
    pg.sql("postgres", "CREATE DATABASE orders")
    pg.sql(
        "orders",
        "CREATE TABLE orders (id serial PRIMARY KEY, total numeric NOT NULL, legacy_discount numeric)",
        "INSERT INTO orders (total, legacy_discount) SELECT g * 2.5, g / 100.0 FROM generate_series(1, 5000) g",
    )
    cache.client().set("orders:count", "5000")
    # As a user would: the password in the environment, never in metadata or on a command line.
    os.environ["PGPASSWORD"] = pg.password
    db, redis_url = pg.url("orders", password=False), cache.url
    probe = {
        "timeout_seconds": 3,
        "host": False,  # host CPU/memory of a shared demo machine is not the service's health
        "services": [
            {
                "name": "orders-api",
                "http": {"url": f"http://127.0.0.1:{api_port}/health/ready", "body_contains": "ready"},
            },
            {"name": "orders-db", "postgres": {"url": db}},
            {"name": "orders-cache", "redis": {"url": redis_url}},
        ],
    }
    (root / "guardians.toml").write_text(toml_text({"checkpoints": {"max_age_hours": 2}, "probe": probe}))
    git_commit_all(root, "epic_3: drop orders.legacy_discount")
    name = "pre-drop-legacy-discount"
    parts = ["--include-database", db, "--include-redis", redis_url, "--include", "config/app.env"]
    sh("checkpoint", "create", name, "--root", str(root), *parts, "--retention", "production", "--compress")
    sh("checkpoint", "verify", name, "--root", str(root), "--restore-test")
    sh("checkpoint", "list", "--root", str(root))
    sh("probe", "epic_3", "--root", str(root), "--watch", "--interval", "1", "--count", "3")
    sh("run", "--root", str(root))
    out = sh("log", "--root", str(root), "--format", "table")
    if "operational" not in out or "backup" not in out:
        raise SystemExit("demo failed: the epic did not become operational")
    # The guardians said yes: apply the destructive migration for real, then prove it can be undone.
    sql = (root / "docs/specs/epic_3/consensus/artifacts/migrations/003_drop_legacy_discount.sql").read_text()
    pg.sql("orders", *[s for s in sql.split(";") if s.strip() and not s.strip().startswith("--")])
    print("\napplied 003_drop_legacy_discount.sql: orders.legacy_discount is gone")
    sh("checkpoint", "recover", "pre-drop-legacy-discount", "--root", str(root), "--force")
    total = pg.sql("orders", "SELECT count(*), sum(legacy_discount) FROM orders")[0]
    print(f"\nrecovered: {total[0]} orders, sum(legacy_discount) = {total[1]}")
    if int(total[0]) != 5000 or Decimal(total[1]) != Decimal("125025"):
        raise SystemExit("demo failed: recovery did not bring every row back")
    print("\nreal-backup demo: checkpoint, approval, probe, operational, recovery - all real")
    return 0


if __name__ == "__main__":
    sys.exit(main())
