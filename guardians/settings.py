"""Project settings of the gates from ``<root>/guardians.toml`` (optional; every key has a default).

    [checkpoints]
    folder = "data/checkpoints"     # relative to the root, outside docs/specs/
    max_age_hours = 24              # the backup gate's maximum checkpoint age (capped at 168)

    [probe]                         # see guardians/probe/config.py
    ...

The same file holds ``[lint-migrations]`` (guardians/migrations/config.py). It is
in the repository, so an agent can edit it. Under a trust anchor the gates
therefore read it from where the anchor comes from (see ``load_settings``);
without one, the backup gate still caps the maximum age, and every threshold
used is written into the report it judged.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from guardians.errors import InputError, Location, UsageError

if TYPE_CHECKING:
    from guardians.trust.anchor import Trust

FILENAME = "guardians.toml"
SETTINGS_ENV = "GUARDIANS_SETTINGS"
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


def load_settings(root: Path, trust: Trust | None = None) -> Settings:
    """The settings in force; defaults when there is no file, a clear InputError (file, key path) when it is wrong.

    Without a trust anchor they come from the working tree. Under an anchor
    they come from where the anchor comes from, because an agent can edit the
    working tree: with a trust ref, ``guardians.toml`` as committed at that
    ref; with ``GUARDIANS_ALLOWED_SIGNERS``, the file ``GUARDIANS_SETTINGS``
    names (outside the root) or else the defaults.
    """
    import tomllib

    if trust is None:
        from guardians.trust.anchor import active

        trust = active()
    found = _source(root, trust)
    if found is None:
        return Settings()
    display, data = found
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(Location(display), f"not valid TOML: {exc}") from None
    try:
        return Settings.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise InputError(Location(display, where), err["msg"]) from None


def _source(root: Path, trust: Trust) -> tuple[str, bytes] | None:
    from guardians.store.loaders import MAX_BYTES, read_bounded

    if trust.anchor is None:
        path = root / FILENAME
        if not path.exists() and not path.is_symlink():
            return None
        return FILENAME, read_bounded(path, display=FILENAME)
    if trust.ref is not None:
        from guardians.store.git_ref import read_at_ref

        data = read_at_ref(root, trust.ref, FILENAME, option="--trust-ref")
        if data is None:
            return None
        display = f"{FILENAME} at {trust.ref}"
        if len(data) > MAX_BYTES:
            raise InputError(Location(display), f"larger than {MAX_BYTES} bytes")
        return display, data
    text = os.environ.get(SETTINGS_ENV)
    if not text:
        return None
    path = Path(text)
    if path.resolve().is_relative_to(root.resolve()):
        raise UsageError(
            f"{SETTINGS_ENV}={path} lies inside the repository root, where agents can change it; keep it outside"
        )
    return str(path), read_bounded(path, display=str(path))
