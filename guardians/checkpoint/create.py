"""``checkpoint create``: build every part in a hidden partial folder, write
metadata.json last, then rename the folder into place (atomic on one filesystem).
A failure at any step, disk full included, removes the partial folder.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from guardians.checkpoint import metadata as md
from guardians.checkpoint import store
from guardians.checkpoint.errors import CheckpointError, DiskFull


@dataclass
class CreateRequest:
    root: Path
    folder: Path
    name: str
    database: str | None = None
    redis: str | None = None
    include: list[str] = field(default_factory=list)
    compress: bool = False
    retention: str = "development"
    description: str = ""


def create(req: CreateRequest) -> md.Metadata:
    store.check_name(req.name)
    if not (req.database or req.redis or req.include):
        raise CheckpointError("nothing to checkpoint: give --include-database, --include-redis or --include")
    with store.locked(req.folder):
        final = req.folder / req.name
        if final.exists() or final.is_symlink():
            raise CheckpointError(f"checkpoint {req.name} already exists in {req.folder}")
        partial = req.folder / f".{req.name}.partial-{secrets.token_hex(4)}"
        partial.mkdir(mode=0o700)
        try:
            meta = _build(req, partial)
            store.write_metadata(partial, meta)
            os.rename(partial, final)
            _fsync_dir(req.folder)
        except OSError as exc:
            shutil.rmtree(partial, ignore_errors=True)
            if exc.errno == errno.ENOSPC:
                raise DiskFull(
                    f"disk full while writing checkpoint {req.name} in {req.folder}; nothing was kept"
                ) from None
            raise CheckpointError(
                f"checkpoint {req.name}: {exc.strerror or exc} ({exc.filename or req.folder})"
            ) from None
        except BaseException as exc:
            shutil.rmtree(partial, ignore_errors=True)
            if isinstance(exc, DiskFull):
                raise DiskFull(f"{exc}; checkpoint {req.name} was not kept") from None
            raise
    return meta


def _fsync_dir(path: Path) -> None:
    from guardians.store.atomic import fsync_dir

    fsync_dir(path)


def _build(req: CreateRequest, partial: Path) -> md.Metadata:
    from guardians import __version__

    started = time.time()
    parts: list[md.Part] = []
    tools: dict[str, str] = {"guardians": __version__}
    if req.database:
        parts.append(_database(req.database, partial, req.compress, tools))
    if req.redis:
        parts.append(_redis(req.redis, partial, tools))
    if req.include:
        from guardians.checkpoint.files import copy_files

        for rec in copy_files(req.root, req.include, partial):
            size = (partial / rec["part"]).stat().st_size
            parts.append(
                md.Part(
                    name=rec["path"],
                    kind="file",
                    file=rec["part"],
                    sha256=rec["sha256"],
                    size=size,
                    settings=rec["settings"],
                )
            )
    creator, host = md.who()
    return md.Metadata(
        format=md.FORMAT,
        name=req.name,
        description=req.description,
        retention=req.retention,
        created_at=datetime.fromtimestamp(started, UTC).strftime("%Y_%m_%d_%H_%M_%S"),
        created_unix=started,
        creator=creator,
        host=host,
        git=md.git_state(req.root),
        tools=tools,
        parts=parts,
        complete=True,
    )


def _database(url: str, partial: Path, compress: bool, tools: dict[str, str]) -> md.Part:
    from guardians.checkpoint import pg
    from guardians.checkpoint.urls import parse_pg

    target = parse_pg(url, env_password=os.environ.get("PGPASSWORD"))
    out = partial / "database.dump"
    result = pg.dump(target, out, compress=compress)
    tools["pg_dump"] = result.tool.version
    digest, size = md.sha256_file(out)
    extra: dict[str, Any] = {
        "url": target.shown,
        "server_major": result.server_major,
        "dump_major": result.tool.major,
        "tables": result.tables,
        "rows": sum(result.tables.values()),
        "compressed": compress,
    }
    return md.Part(name="database", kind="database", file="database.dump", sha256=digest, size=size, **extra)


def _redis(url: str, partial: Path, tools: dict[str, str]) -> md.Part:
    from guardians.checkpoint import redis_part
    from guardians.checkpoint.urls import parse_redis

    target = parse_redis(url, env_password=os.environ.get("REDISCLI_AUTH"))
    out = partial / "redis.rdb"
    info = redis_part.snapshot(target, out)
    tools["redis-cli"] = str(info["tool"])
    digest, size = md.sha256_file(out)
    return md.Part(
        name="redis",
        kind="redis",
        file="redis.rdb",
        sha256=digest,
        size=size,
        url=target.shown,
        keys=info["keys"],
        server_version=info["server_version"],
    )
