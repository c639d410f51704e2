"""Retention classes and ``checkpoint prune``.

production 30 days, development 7, test 1, milestone never. Two guards hold
whatever the class says: a production checkpoint younger than 30 days is never
deleted, nor is the newest verified checkpoint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from guardians.checkpoint import store

RETENTION_DAYS: dict[str, int | None] = {"production": 30, "development": 7, "test": 1, "milestone": None}
PRODUCTION_FLOOR_DAYS = 30


@dataclass
class PrunePlan:
    delete: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    keep: list[tuple[str, str]] = field(default_factory=list)
    leftovers: list[Path] = field(default_factory=list)


def plan(folder: Path, now: float | None = None) -> PrunePlan:
    now = now or time.time()
    out = PrunePlan(leftovers=store.partial_leftovers(folder))
    found = [store.assess(folder, n, checksums=False) for n in store.names(folder)]
    verified = [a for a in found if a.meta and a.meta.verification and a.meta.verification.checksums_ok]
    newest = max(verified, key=lambda a: a.meta.created_unix if a.meta else 0).name if verified else None
    for item in found:
        meta = item.meta
        if meta is None:
            out.keep.append((item.name, "unreadable metadata: left for a human"))
            continue
        days = store.age_hours(meta, now) / 24
        limit = RETENTION_DAYS[meta.retention]
        if item.name == newest:
            out.keep.append((item.name, "newest verified checkpoint"))
        elif limit is None:
            out.keep.append((item.name, "milestone: kept forever"))
        elif meta.retention == "production" and days < PRODUCTION_FLOOR_DAYS:
            out.keep.append((item.name, f"production, {days:.1f} day(s) old"))
        elif days > limit:
            out.delete.append((item.name, f"{meta.retention}, {days:.1f} day(s) old > {limit}"))
        else:
            out.keep.append((item.name, f"{meta.retention}, {days:.1f} day(s) old <= {limit}"))
    return out


def prune(folder: Path, *, dry_run: bool) -> PrunePlan:
    import shutil

    with store.locked(folder):
        todo = plan(folder)
        if not dry_run:
            for name, _ in todo.delete:
                store.remove(folder / name)
            for left in todo.leftovers:
                shutil.rmtree(left, ignore_errors=True)
    return todo
