"""``guardians checkpoint``: create, list, status, verify, prune and recover checkpoints."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from guardians.checkpoint import store
from guardians.checkpoint.create import CreateRequest
from guardians.errors import EXIT_PROBLEMS


def folder_for(root: Path, folder: Path | None) -> Path:
    from guardians.settings import load_settings

    return folder if folder is not None else load_settings(root).checkpoint_folder(root)


def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def create_checkpoint(req: CreateRequest, out: IO[str]) -> int:
    from guardians.checkpoint.create import create

    meta = create(req)
    total = sum(p.size for p in meta.parts)
    out.write(f"checkpoint {meta.name}: {len(meta.parts)} part(s), {_human_size(total)} in {req.folder / meta.name}\n")
    db = meta.part("database")
    if db is not None:
        out.write(f"  database: {len(getattr(db, 'tables', {}))} table(s), {getattr(db, 'rows', 0)} row(s)\n")
    rd = meta.part("redis")
    if rd is not None:
        out.write(f"  redis: {getattr(rd, 'keys', 0)} key(s)\n")
    out.write(f"  git: {meta.git.commit or 'not a git repository'}{' (dirty)' if meta.git.dirty else ''}\n")
    return 0


def list_checkpoints(folder: Path, out: IO[str], *, as_json: bool = False) -> int:
    rows: list[dict[str, Any]] = []
    for name in store.names(folder):
        item = store.assess(folder, name, checksums=False)
        meta = item.meta
        if meta is None:
            rows.append({"name": name, "problem": "; ".join(item.problems)})
            continue
        ver = meta.verification
        rows.append(
            {
                "name": name,
                "age_hours": round(store.age_hours(meta), 2),
                "size": sum(p.size for p in meta.parts),
                "retention": meta.retention,
                "verified": bool(ver and ver.checksums_ok),
                "restore_tested": item.restore_tested,
                "git_commit": meta.git.commit,
            }
        )
    if as_json:
        out.write(json.dumps(rows, indent=2) + "\n")
        return 0
    if not rows:
        out.write(f"no checkpoints in {folder}\n")
    for row in rows:
        if "problem" in row:
            out.write(f"{row['name']:<40} unreadable: {row['problem']}\n")
            continue
        out.write(
            f"{row['name']:<40} {row['age_hours']:>8.1f} h {_human_size(int(row['size'])):>10} "
            f"{row['retention']:<11} verified={'yes' if row['verified'] else 'no '} "
            f"restore-tested={'yes' if row['restore_tested'] else 'no'}\n"
        )
    return 0


def checkpoint_status(folder: Path, max_age_hours: float, out: IO[str]) -> int:
    """Newest verified checkpoint per class; exit 1 when none is younger than the maximum age."""
    newest: dict[str, store.Assessment] = {}
    for name in store.names(folder):
        item = store.assess(folder, name, checksums=False)
        meta = item.meta
        if meta is None or not (meta.verification and meta.verification.checksums_ok):
            continue
        prev = newest.get(meta.retention)
        if prev is None or (prev.meta is not None and meta.created_unix > prev.meta.created_unix):
            newest[meta.retention] = item
    fresh = False
    for cls in ("production", "development", "test", "milestone"):
        best = newest.get(cls)
        if best is None or best.meta is None:
            out.write(f"{cls:<11} none verified\n")
            continue
        age = store.age_hours(best.meta)
        test = best.meta.verification.restore_test if best.meta.verification else None
        fresh = fresh or age <= max_age_hours
        tested = f"restore test {'passed' if test.ok else 'FAILED'} at {test.at}" if test else "never restore-tested"
        out.write(f"{cls:<11} {best.name} {age:.1f} h old, {tested}\n")
    if not fresh:
        out.write(f"no verified checkpoint is younger than {max_age_hours:g} h\n")
        return EXIT_PROBLEMS
    return 0


def verify_checkpoint(folder: Path, name: str, out: IO[str], *, restore_test: bool, database: str | None) -> int:
    from guardians.checkpoint.verify import verify

    result = verify(folder, name, restore_test=restore_test, database=database)
    for problem in result.problems:
        out.write(f"{name}: {problem}\n")
    if result.ok:
        extra = ""
        if result.restore:
            db = result.restore.get("database")
            rd = result.restore.get("redis")
            if db:
                extra += f"; restored {db['tables']} table(s), {db['rows']} row(s) match"
            if rd:
                extra += f"; {rd['keys']} Redis key(s) match"
            extra += f" ({result.restore['seconds']:.1f} s)"
        out.write(f"{name}: checksums verified{extra}\n")
    return 0 if result.ok else EXIT_PROBLEMS


def prune_checkpoints(folder: Path, out: IO[str], *, dry_run: bool) -> int:
    from guardians.checkpoint.retention import prune

    todo = prune(folder, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for name, reason in todo.delete:
        out.write(f"{verb} {name}: {reason}\n")
    for name, reason in todo.keep:
        out.write(f"kept {name}: {reason}\n")
    for left in todo.leftovers:
        out.write(f"{verb} unfinished {left.name}\n")
    return 0


def recover_checkpoint(
    root: Path,
    folder: Path,
    name: str,
    out: IO[str],
    *,
    database: str | None,
    redis: str | None,
    confirm: Callable[[str], bool] | None,
) -> int:
    from guardians.checkpoint.recover import recover

    found = store.assess(folder, store.check_name(name), checksums=False)
    if found.meta is None:
        out.write(f"no readable checkpoint {name} in {folder}\n")
        return EXIT_PROBLEMS
    what = ", ".join(p.name for p in found.meta.parts)
    if confirm is not None and not confirm(f"Replace the current state with checkpoint {name} ({what})?"):
        out.write("aborted; nothing changed\n")
        return EXIT_PROBLEMS
    started = time.monotonic()
    result = recover(root, folder, name, database=database, redis=redis)
    if result.safety:
        out.write(f"safety checkpoint {result.safety} taken first\n")
    for item in result.restored:
        out.write(f"restored {item}\n")
    out.write(f"recovered {name} in {time.monotonic() - started:.1f} s\n")
    if result.git_commit:
        out.write(f"check out the code of that moment with: git checkout {result.git_commit}\n")
    return 0
