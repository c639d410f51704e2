"""``guardians schema list|show|export``: the catalog of :mod:`guardians.protocol.schemas`."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from guardians.errors import EXIT_OK, UsageError
from guardians.protocol.schemas import CATALOG, ID_BASE, dumps, schema


def list_schemas(out: IO[str], fmt: str = "text") -> int:
    if fmt == "json":
        import json

        rows = [{"name": e.name, "id": f"{ID_BASE}{e.name}.schema.json", "title": e.title} for e in CATALOG]
        out.write(json.dumps(rows) + "\n")
        return EXIT_OK
    for entry in CATALOG:
        out.write(f"{entry.name:<20} {ID_BASE}{entry.name}.schema.json  {entry.title}\n")
    return EXIT_OK


def show_schema(name: str, out: IO[str]) -> int:
    out.write(dumps(schema(name)))
    return EXIT_OK


def export_schemas(directory: Path, out: IO[str]) -> int:
    """Write DIRECTORY/<name>.schema.json for every schema (atomically, one file at a time)."""
    from guardians.store.atomic import atomic_write_text
    from guardians.store.safepaths import UnsafePathError, check_output_path

    try:
        directory.mkdir(parents=True, exist_ok=True)
        targets = [(entry.name, directory / f"{entry.name}.schema.json") for entry in CATALOG]
        for _name, target in targets:
            check_output_path(target)  # regular files only: a device or link there stays untouched
        for name, target in targets:
            atomic_write_text(target, dumps(schema(name)))
            out.write(f"wrote {target}\n")
    except UnsafePathError as exc:
        raise UsageError(f"cannot write schemas to {directory}: {exc}") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(f"cannot write schemas to {directory}: {reason}; pick a writable directory") from exc
    return EXIT_OK
