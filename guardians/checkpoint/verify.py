"""``checkpoint verify``: re-hash every part; with a restore test, restore the
dump into a scratch database and the RDB into a scratch redis-server and compare
row and key counts with those recorded at capture time. The outcome is written
back into metadata.json (and sealed, under a trust anchor).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from guardians.checkpoint import metadata as md
from guardians.checkpoint import store
from guardians.checkpoint.errors import CheckpointError
from guardians.checkpoint.urls import PgTarget, parse_pg


@dataclass
class VerifyResult:
    name: str
    problems: list[str] = field(default_factory=list)
    restore: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def pg_target(part: md.Part, override: str | None) -> PgTarget:
    """Where to restore: the URL given, or the one recorded (its password comes from PGPASSWORD)."""
    recorded = str(getattr(part, "url", "") or "")
    url = override or recorded.replace(":***@", "@")
    if not url:
        raise CheckpointError("the database part records no server: pass --database URL")
    return parse_pg(url, env_password=os.environ.get("PGPASSWORD"))


def verify(folder: Path, name: str, *, restore_test: bool = False, database: str | None = None) -> VerifyResult:
    store.check_name(name)
    if not (folder / name / md.METADATA).is_file():
        raise CheckpointError(f"no checkpoint {name} in {folder}")
    with store.locked(folder):
        found, details, problems = _checked(folder, name, restore_test, database)
        result = VerifyResult(name, list(found.problems))
        meta = found.meta
        if meta is None:
            return result
        now = datetime.now(UTC).strftime("%Y_%m_%d_%H_%M_%S")
        test: md.RestoreTest | None = meta.verification.restore_test if meta.verification else None
        if not result.ok:
            test = None  # a checkpoint whose bytes changed has no valid restore test any more
        elif details is not None:
            result.restore = details
            result.problems.extend(problems)
            test = md.RestoreTest(at=now, ok=not problems, problems=problems, **details)
        meta.verification = md.Verification(checked_at=now, checksums_ok=not found.problems, restore_test=test)
        store.write_metadata(found.folder, meta)
    return result


def _checked(
    folder: Path, name: str, restore_test: bool, database: str | None
) -> tuple[store.Assessment, dict[str, Any] | None, list[str]]:
    """Re-hash every part; with a restore test, hash while restoring (both only read the dump).

    The restore goes into a scratch database, so restoring bytes that then fail
    their checksum harms nothing: the outcome is simply not recorded.
    """
    if not restore_test:
        return store.assess(folder, name), None, []
    light = store.assess(folder, name, checksums=False)
    if light.meta is None or light.problems:
        return light, None, []
    box: list[store.Assessment] = []
    hasher = threading.Thread(target=lambda: box.append(store.assess(folder, name)), name="checksums")
    hasher.start()
    started = time.monotonic()
    try:
        details, problems = _restore_test(light.folder, light.meta, database)
    finally:
        hasher.join()
    details["seconds"] = round(time.monotonic() - started, 3)
    return box[0], details, problems


def _restore_test(where: Path, meta: md.Metadata, database: str | None) -> tuple[dict[str, Any], list[str]]:
    details: dict[str, Any] = {}
    problems: list[str] = []
    db = meta.part("database")
    if db is not None:
        details["database"], more = _restore_database(where, db, database)
        problems += more
    rd = meta.part("redis")
    if rd is not None:
        details["redis"], more = _restore_redis(where, rd)
        problems += more
    if db is None and rd is None:
        problems.append("nothing to restore-test: the checkpoint has no database or Redis part")
    return details, problems


def _restore_database(where: Path, part: md.Part, override: str | None) -> tuple[dict[str, Any], list[str]]:
    from guardians.checkpoint import pg

    target = pg_target(part, override)
    expected: dict[str, int] = dict(getattr(part, "tables", {}) or {})
    tool = pg.restore_tool(int(getattr(part, "dump_major", 0) or 0))
    with pg.scratch_database(target) as scratch:
        pg.restore_into(target, scratch, where / part.file, tool, clean=False)
        got = pg.counts_in(target, scratch)
    problems = [
        f"table {t}: {expected.get(t, 'absent')} row(s) recorded, {got.get(t, 'absent')} restored"
        for t in sorted(set(expected) | set(got))
        if expected.get(t) != got.get(t)
    ]
    return {"tables": len(got), "rows": sum(got.values()), "server": target.shown}, problems


def _restore_redis(where: Path, part: md.Part) -> tuple[dict[str, Any], list[str]]:
    from guardians.checkpoint import redis_part

    expected = int(getattr(part, "keys", -1))
    with redis_part.scratch_server(where / part.file) as scratch:
        got = sum(redis_part.key_counts(scratch).values())
    problems = [] if got == expected else [f"redis: {expected} key(s) recorded, {got} loaded"]
    return {"keys": got}, problems
