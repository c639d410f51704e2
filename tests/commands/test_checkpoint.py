"""guardians checkpoint against a real PostgreSQL and Redis: create, verify with a
restore test, corruption, recovery of dropped data, and clear errors."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.realservers import Postgres, Redis


@pytest.fixture
def db(postgres: Postgres) -> str:
    """A fresh database with real data: two tables, a foreign key, 2500 rows."""
    name = f"app_{secrets.token_hex(4)}"
    postgres.sql("postgres", f"CREATE DATABASE {name}")
    postgres.sql(
        name,
        "CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL)",
        "CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers, total numeric, note text)",
        "INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 500) g",
        "INSERT INTO orders (customer_id, total, note) SELECT 1 + g % 500, g * 1.5, md5(g::text) "
        "FROM generate_series(1, 2000) g",
    )
    return name


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".env").write_text("DATABASE_URL=postgresql://app:hunter2@db/app\nAPI_TOKEN=tok-123\nLOG_LEVEL=info\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"], check=True
    )
    return root


def _snapshot(postgres: Postgres, db: str) -> dict[str, list]:
    return {t: postgres.sql(db, f"SELECT * FROM {t} ORDER BY id") for t in ("customers", "orders")}


def test_create_verify_corrupt_recover(tmp_path, run_cli, postgres: Postgres, redis_server: Redis, db: str):
    root = _repo(tmp_path)
    r = redis_server.client()
    r.flushall()
    r.set("session:1", "alice")
    r.set("session:2", "bob", ex=3600)
    r.hset("cart:9", mapping={"sku": "A1", "qty": "2"})
    before = _snapshot(postgres, db)
    url = postgres.url(db)

    made = run_cli(
        "checkpoint",
        "create",
        "pre-drop",
        "--root",
        str(root),
        "--include-database",
        url,
        "--include-redis",
        redis_server.url,
        "--include",
        ".env",
        "--retention",
        "production",
    )
    assert made.exit_code == 0, made.output
    assert "2500 row(s)" in made.output and "3 key(s)" in made.output
    assert postgres.password not in made.output
    folder = root / "data" / "checkpoints" / "pre-drop"
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["complete"] is True and meta["retention"] == "production"
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert meta["git"] == {
        "commit": head,
        "branch": meta["git"]["branch"],
        "dirty": False,
        "commit_time": meta["git"]["commit_time"],
    }
    parts = {p["kind"]: p for p in meta["parts"]}
    assert parts["database"]["tables"] == {"public.customers": 500, "public.orders": 2000}
    assert parts["redis"]["keys"] == 3
    assert parts["file"]["settings"] == {
        "DATABASE_URL": "postgresql://app:***@db/app",
        "API_TOKEN": "***",
        "LOG_LEVEL": "info",
    }
    text = (folder / "metadata.json").read_text()
    assert postgres.password not in text and "hunter2" not in text and "tok-123" not in text
    assert {"guardians", "pg_dump", "redis-cli"} <= set(meta["tools"])
    assert meta["creator"] and meta["host"]

    status = run_cli("checkpoint", "status", "--root", str(root))
    assert status.exit_code == 1  # nothing verified yet

    ok = run_cli("checkpoint", "verify", "pre-drop", "--root", str(root), "--restore-test", "--database", url)
    assert ok.exit_code == 0, ok.output
    assert "2 table(s), 2500 row(s) match" in ok.output and "3 Redis key(s) match" in ok.output
    listed = json.loads(run_cli("checkpoint", "list", "--root", str(root), "--format", "json").output)
    assert listed[0]["verified"] and listed[0]["restore_tested"]
    assert json.loads(run_cli("checkpoint", "list", "--root", str(root), "--json").output) == listed  # the old flag
    assert run_cli("checkpoint", "status", "--root", str(root)).exit_code == 0
    # The scratch database is gone again.
    dbs = {row[0] for row in postgres.sql("postgres", "SELECT datname FROM pg_database")}
    assert not [d for d in dbs if d.startswith("guardians_restore_")]

    # Disaster: rows deleted, a table dropped, the cache flushed, the env file edited.
    postgres.sql(db, "DELETE FROM orders WHERE id % 3 = 0", "DROP TABLE orders", "DELETE FROM customers")
    r.flushall()
    r.set("junk", "x")
    (root / ".env").write_text("LOG_LEVEL=debug\n")
    rec = run_cli(
        "checkpoint",
        "recover",
        "pre-drop",
        "--root",
        str(root),
        "--force",
        "--database",
        url,
        "--redis",
        redis_server.url,
    )
    assert rec.exit_code == 0, rec.output
    assert _snapshot(postgres, db) == before
    assert r.get("session:1") == b"alice" and r.hgetall("cart:9") == {b"sku": b"A1", b"qty": b"2"}
    assert 0 < r.ttl("session:2") <= 3600 and r.get("junk") is None
    assert "hunter2" in (root / ".env").read_text()
    assert f"git checkout {head}" in rec.output
    safety = [n for n in os.listdir(root / "data" / "checkpoints") if n.startswith("safety-")]
    assert len(safety) == 1  # the broken state was saved before it was replaced

    # Corrupt one byte of the dump: verification fails and the restore test no longer counts.
    dump = folder / "database.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    bad = run_cli("checkpoint", "verify", "pre-drop", "--root", str(root))
    assert bad.exit_code == 1
    assert "database: database.dump sha256" in bad.output
    listed = json.loads(run_cli("checkpoint", "list", "--root", str(root), "--json").output)
    assert not next(x for x in listed if x["name"] == "pre-drop")["restore_tested"]
    refused = run_cli("checkpoint", "recover", "pre-drop", "--root", str(root), "--force", "--database", url)
    assert refused.exit_code == 2 and "does not verify" in refused.output


def test_recover_asks_for_confirmation(tmp_path, run_cli):
    root = _repo(tmp_path)
    assert run_cli("checkpoint", "create", "files-only", "--root", str(root), "--include", ".env").exit_code == 0
    (root / ".env").write_text("changed\n")
    no = run_cli("checkpoint", "recover", "files-only", "--root", str(root), input="n\n")
    assert no.exit_code == 1 and "aborted" in no.output
    assert (root / ".env").read_text() == "changed\n"
    yes = run_cli("checkpoint", "recover", "files-only", "--root", str(root), input="y\n")
    assert yes.exit_code == 0, yes.output
    assert "hunter2" in (root / ".env").read_text()


def test_unreachable_database_hides_password(tmp_path, run_cli, postgres: Postgres):
    root = _repo(tmp_path)
    closed = f"postgresql://guardians:{postgres.password}@127.0.0.1:1/app"
    res = run_cli("checkpoint", "create", "x", "--root", str(root), "--include-database", closed)
    assert res.exit_code == 2
    assert "cannot reach database postgresql://guardians:***@127.0.0.1:1/app" in res.output
    assert postgres.password not in res.output and "Traceback" not in res.output
    assert not (root / "data" / "checkpoints" / "x").exists()
    assert not list((root / "data" / "checkpoints").glob(".x.partial-*"))


def test_pg_dump_missing_or_too_old(tmp_path, run_cli, postgres: Postgres, db: str, monkeypatch):
    root = _repo(tmp_path)
    empty = tmp_path / "nobin"
    empty.mkdir()
    monkeypatch.setenv("GUARDIANS_PG_BIN", str(empty))
    res = run_cli("checkpoint", "create", "x", "--root", str(root), "--include-database", postgres.url(db))
    assert res.exit_code == 2 and "pg_dump not found" in res.output and "Traceback" not in res.output
    # An old client: a real program that reports an older major version.
    old = tmp_path / "oldbin"
    old.mkdir()
    fake = old / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("GUARDIANS_PG_BIN", str(old))
    res = run_cli("checkpoint", "create", "x", "--root", str(root), "--include-database", postgres.url(db))
    assert res.exit_code == 2
    assert "pg_dump is too old for a PostgreSQL" in res.output and "version 9" in res.output
    assert not (root / "data" / "checkpoints" / "x").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="a small tmpfs needs root to mount")
def test_disk_full_leaves_no_checkpoint(tmp_path, run_cli, postgres: Postgres, db: str):
    postgres.sql(
        db,
        "INSERT INTO orders (customer_id, total, note) SELECT 1, g, repeat(md5(g::text), 20) "
        "FROM generate_series(1, 5000) g",
    )  # ~3 MB uncompressed
    root = _repo(tmp_path)
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(small)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        res = run_cli(
            "checkpoint",
            "create",
            "big",
            "--root",
            str(root),
            "--folder",
            str(small),
            "--include-database",
            postgres.url(db),
        )
        assert res.exit_code == 2, res.output
        assert "disk full" in res.output and "Traceback" not in res.output
        assert os.listdir(small) == [".lock"]
        assert "no checkpoints" in run_cli("checkpoint", "list", "--folder", str(small)).output
    finally:
        subprocess.run(["umount", str(small)], check=False)


def _backdate(folder: Path, name: str, days: float, verified: bool = False) -> None:
    path = folder / name / "metadata.json"
    meta = json.loads(path.read_text())
    meta["created_unix"] = time.time() - days * 86400
    if verified:
        meta["verification"] = {"checked_at": "2026_01_01_00_00_00", "checksums_ok": True, "restore_test": None}
    path.write_text(json.dumps(meta))


def test_prune_applies_retention_with_guards(tmp_path, run_cli):
    root = _repo(tmp_path)
    folder = root / "data" / "checkpoints"
    plan = {  # name: (class, age in days, verified)
        "prod-young": ("production", 10, False),
        "prod-old": ("production", 31, False),
        "dev-old": ("development", 8, False),
        "dev-new": ("development", 2, False),
        "test-old": ("test", 2, True),  # the newest verified one: kept
        "test-older": ("test", 3, True),
        "mile": ("milestone", 900, False),
    }
    for name, (cls, days, verified) in plan.items():
        res = run_cli("checkpoint", "create", name, "--root", str(root), "--include", ".env", "--retention", cls)
        assert res.exit_code == 0, res.output
        _backdate(folder, name, days, verified)
    (folder / ".crashed.partial-1234").mkdir()
    dry = run_cli("checkpoint", "prune", "--root", str(root), "--dry-run")
    assert "would delete dev-old" in dry.output and len(os.listdir(folder)) == 9
    res = run_cli("checkpoint", "prune", "--root", str(root))
    assert res.exit_code == 0
    left = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    assert left == ["dev-new", "mile", "prod-young", "test-old"]
    assert not (folder / ".crashed.partial-1234").exists()
    shutil.rmtree(folder)


@pytest.mark.parametrize(
    ("url", "shown", "env"),
    [
        ("postgresql://app:p%40ss@db.example.com:5433/orders?sslmode=require",
         "postgresql://app:***@db.example.com:5433/orders?sslmode=require",
         {"PGPASSWORD": "p@ss", "PGSSLMODE": "require", "PGPORT": "5433"}),
        ("postgres://app@10.0.0.5/orders", "postgresql://app@10.0.0.5:5432/orders", {"PGUSER": "app"}),
    ],
)  # fmt: skip
def test_database_urls_keep_passwords_off_screen(url, shown, env):
    from guardians.checkpoint.urls import parse_pg

    target = parse_pg(url)
    assert target.shown == shown
    assert env.items() <= target.libpq_env().items()


def test_bad_database_url_is_a_clear_error(tmp_path, run_cli):
    res = run_cli("checkpoint", "create", "x", "--root", str(tmp_path), "--include-database",
                  "postgresql://u:topsecret@h/db?sslmode=sometimes")  # fmt: skip
    assert res.exit_code == 2 and "unknown sslmode 'sometimes'" in res.output and "topsecret" not in res.output


def test_kill_9_mid_checkpoint_leaves_nothing_that_looks_complete(tmp_path, run_cli, postgres: Postgres, db: str):
    """A checkpoint killed while pg_dump waits for a table lock is never listed, and prune cleans it up."""
    import signal
    import sys

    from tests.localservers import wait_until

    root = _repo(tmp_path)
    folder = root / "data" / "checkpoints"
    blocker = postgres.conn(db)
    blocker.run("BEGIN")
    blocker.run("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")  # pg_dump's ACCESS SHARE lock must wait
    env = {**os.environ, "PGPASSWORD": postgres.password}
    args = [sys.executable, "-m", "guardians", "checkpoint", "create", "killed", "--root", str(root)]
    proc = subprocess.Popen([*args, "--include-database", postgres.url(db, password=False)], env=env,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted"
        wait_until(lambda: int(postgres.sql(db, waiting)[0][0]) > 0, "pg_dump to wait for the lock")
        assert list(folder.glob(".killed.partial-*"))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        blocker.run("ROLLBACK")
        blocker.close()
    assert not (folder / "killed").exists()
    assert "no checkpoints" in run_cli("checkpoint", "list", "--root", str(root)).output
    pruned = run_cli("checkpoint", "prune", "--root", str(root))
    assert "deleted unfinished .killed.partial-" in pruned.output
    assert not list(folder.glob(".killed.partial-*"))


def test_include_refuses_paths_leaving_the_root(tmp_path, run_cli):
    root = _repo(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.env").write_text("TOKEN=x\n")
    (root / "linked").symlink_to(outside)
    (root / "direct.env").symlink_to(outside / "secret.env")
    for path in ("../outside/secret.env", "linked/secret.env", "direct.env", str(outside / "secret.env")):
        res = run_cli("checkpoint", "create", "x", "--root", str(root), "--include", path)
        assert res.exit_code == 2, (path, res.output)
        assert "--include" in res.output and "Traceback" not in res.output
    assert not (root / "data" / "checkpoints" / "x").exists()


# --- signed checkpoints (trust anchor) ---------------------------------------------------------


def test_checkpoint_metadata_is_signed_under_an_anchor_and_checked(tmp_path, run_cli, monkeypatch):
    from tests.trust_keys import SSH_KEYGEN, make_keys, ssh_verify

    if SSH_KEYGEN is None:
        import pytest

        pytest.skip("ssh-keygen (openssh-client) is not installed")
    keys = make_keys(tmp_path / "keys")
    root = _repo(tmp_path)
    keys.env(monkeypatch)
    made = run_cli("checkpoint", "create", "signed", "--root", str(root), "--include", ".env")
    assert made.exit_code == 0, made.output
    where = root / "data" / "checkpoints" / "signed"
    metadata = (where / "metadata.json").read_bytes()
    signature = (where / "metadata.json.sig").read_text()
    # stock OpenSSH agrees that the guardians signed exactly these bytes
    assert ssh_verify(keys.allowed, "guardians", "guardians-decision", signature, metadata, tmp_path)
    assert run_cli("checkpoint", "verify", "signed", "--root", str(root)).exit_code == 0

    # an agent edits the metadata (say, to claim a restore test): the signature no longer verifies
    (where / "metadata.json").write_bytes(metadata.replace(b'"complete"', b'"complete" ', 1))
    tampered = run_cli("checkpoint", "verify", "signed", "--root", str(root))
    assert tampered.exit_code != 0 and "signature does not verify" in tampered.output

    # a checkpoint written without the key (by hand, or by an agent) is not evidence under the anchor
    (where / "metadata.json").write_bytes(metadata)
    (where / "metadata.json.sig").unlink()
    unsigned = run_cli("checkpoint", "verify", "signed", "--root", str(root))
    assert unsigned.exit_code != 0 and "not signed by the guardians" in unsigned.output


def test_checkpoint_commands_that_sign_refuse_to_start_without_the_key(tmp_path, run_cli, monkeypatch):
    from tests.trust_keys import SSH_KEYGEN, make_keys

    if SSH_KEYGEN is None:
        import pytest

        pytest.skip("ssh-keygen (openssh-client) is not installed")
    keys = make_keys(tmp_path / "keys")
    root = _repo(tmp_path)
    keys.env(monkeypatch, sign=False)
    refused = run_cli("checkpoint", "create", "x", "--root", str(root), "--include", ".env")
    assert refused.exit_code == 2 and "no signing key" in refused.output
    assert not (root / "data" / "checkpoints" / "x").exists()
