"""OpenSSH ``allowed_signers``: who may sign what, by namespace.

The subset we read: ``principals [namespaces="a,b"] [valid-after=T] [valid-before=T]
ssh-ed25519 KEY [comment]``. Lines with ``cert-authority`` or other key types
are skipped (we never trust certificates), so a file that works for us also
works unchanged with ``ssh-keygen -Y verify``.
"""

from __future__ import annotations

import base64
import fnmatch
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime

from guardians.trust import sshsig


@dataclass(frozen=True)
class Entry:
    principals: str
    public_blob: bytes
    namespaces: tuple[str, ...] | None  # None: every namespace
    valid_after: datetime | None = None
    valid_before: datetime | None = None

    def allows(self, namespace: str, now: datetime) -> bool:
        if self.namespaces is not None and not any(fnmatch.fnmatchcase(namespace, p) for p in self.namespaces):
            return False
        if self.valid_after is not None and now < self.valid_after:
            return False
        return self.valid_before is None or now <= self.valid_before


@dataclass(frozen=True)
class AllowedSigners:
    entries: tuple[Entry, ...]
    source: str  # where it was read from, for messages

    def principal(self, public_blob: bytes, namespace: str, now: datetime | None = None) -> str | None:
        """Who this key is, when the file allows it to sign in ``namespace``."""
        when = now or datetime.now(UTC)
        for entry in self.entries:
            if entry.public_blob == public_blob and entry.allows(namespace, when):
                return entry.principals
        return None

    def verify(self, armored: str, message: bytes, namespace: str) -> str:
        """The principal that signed ``message``; raises SignatureError otherwise."""
        parsed = sshsig.parse(armored)
        sshsig.check(parsed, message, namespace)
        who = self.principal(parsed.public_blob, namespace)
        if who is None:
            raise sshsig.SignatureError(f"signed by a key that {self.source} does not allow for {namespace}")
        return who


def parse_allowed_signers(text: str, source: str) -> AllowedSigners:
    entries: list[Entry] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        entry = _parse_line(line)
        if entry is not None:
            entries.append(entry)
    return AllowedSigners(tuple(entries), source)


def _parse_line(line: str) -> Entry | None:
    try:
        words = shlex.split(line, posix=True)
    except ValueError:
        return None
    if len(words) < 3:
        return None
    principals, rest = words[0], words[1:]
    options: dict[str, str] = {}
    if rest[0] != sshsig.KEY_TYPE and not rest[0].startswith(("ssh-", "ecdsa-", "sk-")):
        for opt in rest[0].split(","):
            name, _, value = opt.partition("=")
            options[name.lower()] = value
        rest = rest[1:]
    if len(rest) < 2 or rest[0] != sshsig.KEY_TYPE or "cert-authority" in options:
        return None
    try:
        blob = base64.b64decode(rest[1], validate=True)
    except ValueError:
        return None
    namespaces = tuple(n for n in options["namespaces"].split(",") if n) if "namespaces" in options else None
    try:
        after, before = _when(options.get("valid-after")), _when(options.get("valid-before"))
    except ValueError:
        return None  # a validity we cannot read is not a validity we can honour
    return Entry(principals, blob, namespaces, after, before)


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    digits = text.rstrip("Zz")
    fmt = {14: "%Y%m%d%H%M%S", 12: "%Y%m%d%H%M", 8: "%Y%m%d"}.get(len(digits))
    if fmt is None:
        raise ValueError(text)
    return datetime.strptime(digits, fmt).replace(tzinfo=UTC)
