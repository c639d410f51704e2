"""Config and env files in a checkpoint: exact copies (mode 0600, they hold
secrets and are needed to recover), with secret values redacted in the metadata.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Any

from guardians.checkpoint.errors import CheckpointError

SECRET_KEY_RE = re.compile(r"(pass|secret|token|key|credential|auth|private|dsn|cert)", re.IGNORECASE)
_ASSIGN_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*?)\s*$")
_URL_PASSWORD_RE = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
REDACTED = "***"


def redact_value(key: str, value: str) -> str:
    if SECRET_KEY_RE.search(key):
        return REDACTED
    return _URL_PASSWORD_RE.sub(rf"\g<1>{REDACTED}@", value)


def settings(text: str) -> dict[str, str]:
    """KEY=VALUE / key: value lines of an env or config file, secrets redacted."""
    out: dict[str, str] = {}
    for line in text.splitlines()[:5000]:
        if line.lstrip().startswith(("#", ";", "[")):
            continue
        match = _ASSIGN_RE.match(line)
        if match:
            key, value = match.group(1), match.group(2).strip("\"'")
            out[key] = redact_value(key, value)
    return out


def _rel(root: Path, path: str) -> Path:
    rel = Path(path)
    if rel.is_absolute():
        try:
            rel = rel.resolve().relative_to(root.resolve())
        except ValueError:
            raise CheckpointError(f"--include {path}: not under the repository root {root}") from None
    if ".." in rel.parts:
        raise CheckpointError(f"--include {path}: '..' is not allowed")
    if not (root / rel).resolve().is_relative_to(root.resolve()):
        raise CheckpointError(f"--include {path}: leads outside the repository root through a symbolic link")
    return rel


def copy_files(root: Path, paths: list[str], dest: Path) -> list[dict[str, Any]]:
    """Copy each file under ``dest/files/``; refuse symlinks, non-files and paths outside the root."""
    records: list[dict[str, Any]] = []
    for path in paths:
        rel = _rel(root, path)
        src = root / rel
        try:
            fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            raise CheckpointError(f"--include {rel}: file not found") from None
        except OSError as exc:
            raise CheckpointError(
                f"--include {rel}: cannot open ({exc.strerror}; symbolic links are refused)"
            ) from None
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise CheckpointError(f"--include {rel}: not a regular file")
            data = fh.read()
        out = dest / "files" / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        text = data.decode("utf-8", "replace") if b"\0" not in data[:8192] else ""
        records.append(
            {
                "path": rel.as_posix(),
                "part": f"files/{rel.as_posix()}",
                "sha256": hashlib.sha256(data).hexdigest(),
                "settings": settings(text),
            }
        )
    return records


def restore_files(checkpoint_dir: Path, root: Path, records: list[dict[str, Any]]) -> list[str]:
    """Write each saved file back to its place under the root, atomically; symlinked targets are replaced."""
    from guardians.store.atomic import atomic_write_bytes

    done = []
    for rec in records:
        rel = _rel(root, str(rec["path"]))
        data = (checkpoint_dir / "files" / rel).read_bytes()
        atomic_write_bytes(root / rel, data, mode=0o600)
        done.append(rel.as_posix())
    return done
