"""Project settings of the gates from ``<root>/guardians.toml`` (optional; every key has a default).

    [checkpoints]
    folder = "data/checkpoints"     # relative to the root, outside docs/specs/
    max_age_hours = 24              # the backup gate's maximum checkpoint age (capped at 168)

    [probe]                         # see guardians/probe/config.py
    ...

The same file holds ``[lint-migrations]`` (guardians/migrations/config.py). It is
in the repository, so an agent can edit it: the backup gate caps the maximum
age, and every threshold used is written into the report it judged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from guardians.errors import InputError, Location

FILENAME = "guardians.toml"
MAX_AGE_CEILING_HOURS = 168.0


class CheckpointSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: str = Field(default="data/checkpoints", max_length=500)
    max_age_hours: float = Field(default=24.0, gt=0, le=MAX_AGE_CEILING_HOURS)


class Settings(BaseModel):
    model_config = ConfigDict(extra="allow")

    checkpoints: CheckpointSettings = Field(default_factory=CheckpointSettings)
    probe: dict[str, Any] | None = None

    def checkpoint_folder(self, root: Path) -> Path:
        rel = Path(self.checkpoints.folder)
        if rel.is_absolute() or ".." in rel.parts or rel.parts[:2] == ("docs", "specs"):
            raise InputError(
                Location(FILENAME, "$.checkpoints.folder"),
                "must be a relative path under the root, outside docs/specs/",
            )
        return root / rel


def load_settings(root: Path) -> Settings:
    """Defaults when the file is absent; a clear InputError (file, key path) when it is wrong."""
    import tomllib

    from guardians.store.loaders import read_bounded

    path = root / FILENAME
    if not path.exists() and not path.is_symlink():
        return Settings()
    data = read_bounded(path, display=FILENAME)
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(Location(FILENAME), f"not valid TOML: {exc}") from None
    try:
        return Settings.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise InputError(Location(FILENAME, where), err["msg"]) from None
