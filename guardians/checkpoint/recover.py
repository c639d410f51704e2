"""``checkpoint recover``: safety checkpoint of the current state first, then
restore database, Redis and files from a checkpoint that still verifies."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from guardians.checkpoint import metadata as md
from guardians.checkpoint import store
from guardians.checkpoint.create import CreateRequest, create
from guardians.checkpoint.errors import CheckpointError


@dataclass
class RecoverResult:
    name: str
    safety: str | None
    restored: list[str] = field(default_factory=list)
    git_commit: str | None = None


def recover(root: Path, folder: Path, name: str, *, database: str | None, redis: str | None) -> RecoverResult:
    """Recover ``name``; ``database``/``redis`` override the recorded servers (passwords from the env)."""
    found = store.assess(folder, store.check_name(name))
    if not found.intact or found.meta is None:
        raise CheckpointError(
            f"checkpoint {name} does not verify, refusing to recover from it: {'; '.join(found.problems)}"
        )
    meta = found.meta
    db_part, redis_part_ = meta.part("database"), meta.part("redis")
    db_url = _db_url(db_part, database)
    redis_url = _redis_url(redis_part_, redis)
    files = [str(p.name) for p in meta.parts if p.kind == "file" and (root / p.name).is_file()]
    safety = None
    if db_url or redis_url or files:
        safety = f"safety-{datetime.now(UTC):%Y%m%d-%H%M%S}-{name}"[:100]
        create(
            CreateRequest(
                root,
                folder,
                safety,
                db_url,
                redis_url,
                files,
                retention="development",
                description=f"taken automatically before recovering {name}",
            )
        )
    out = RecoverResult(name, safety, git_commit=meta.git.commit)
    if db_part is not None and db_url:
        from guardians.checkpoint import pg
        from guardians.checkpoint.verify import pg_target

        target = pg_target(db_part, db_url)
        pg.restore_into(
            target,
            target.database,
            found.folder / db_part.file,
            pg.restore_tool(int(getattr(db_part, "dump_major", 0) or 0)),
            clean=True,
        )
        out.restored.append(f"database {target.shown}")
    if redis_part_ is not None and redis_url:
        from guardians.checkpoint import redis_part
        from guardians.checkpoint.urls import parse_redis

        rt = parse_redis(redis_url, env_password=os.environ.get("REDISCLI_AUTH"))
        keys = redis_part.restore(found.folder / redis_part_.file, rt)
        out.restored.append(f"redis {rt.shown} ({keys} keys)")
    file_parts = [p.model_dump() for p in meta.parts if p.kind == "file"]
    if file_parts:
        from guardians.checkpoint.files import restore_files

        recs = [{"path": p["name"]} for p in file_parts]
        out.restored += [f"file {f}" for f in restore_files(found.folder, root, recs)]
    return out


def _db_url(part: md.Part | None, override: str | None) -> str | None:
    if part is None:
        return None
    return override or str(getattr(part, "url", "")).replace(":***@", "@") or None


def _redis_url(part: md.Part | None, override: str | None) -> str | None:
    if part is None:
        return None
    return override or str(getattr(part, "url", "")).replace(":***@", "@") or None
