"""``guardians schema example NAME`` and ``guardians schema catalog DIR``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from guardians.errors import EXIT_OK, EXIT_USAGE


def schema_example(name: str, fmt: str, out: IO[str]) -> int:
    from guardians.protocol.examples import example

    value = example(name)
    if fmt == "yaml":
        import yaml

        out.write(yaml.safe_dump(value, sort_keys=False, allow_unicode=True))
    else:
        out.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    return EXIT_OK


def schema_catalog(directory: Path, out: IO[str]) -> int:
    """Export every schema into DIRECTORY and write DIRECTORY/catalog.json pointing at them."""
    from guardians.commands.schema import export_schemas
    from guardians.protocol.examples import catalog
    from guardians.store.atomic import atomic_write_text

    code = export_schemas(directory, out)
    if code != EXIT_OK:
        return code
    base = directory.resolve()
    data = catalog(lambda name: (base / f"{name}.schema.json").as_uri())
    try:
        atomic_write_text(directory / "catalog.json", json.dumps(data, indent=2) + "\n")
    except OSError as exc:
        out.write(f"error: cannot write {directory / 'catalog.json'}: {exc.strerror or exc}\n")
        return EXIT_USAGE
    out.write(f"wrote {directory / 'catalog.json'}\n")
    return EXIT_OK
