"""SSHSIG signatures, byte for byte the format of ``ssh-keygen -Y sign``.

A signature made here verifies with stock OpenSSH::

    ssh-keygen -Y verify -f allowed_signers -I guardians -n guardians-decision -s FILE.sig < FILE

Only Ed25519 keys are supported (``ssh-keygen -t ed25519``); the message is
hashed with SHA-512 as ssh-keygen does by default. See OpenSSH's
PROTOCOL.sshsig for the layout.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MAGIC = b"SSHSIG"
VERSION = 1
HASH_ALG = "sha512"
KEY_TYPE = "ssh-ed25519"
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
MAX_ARMOR = 4096  # an Ed25519 signature is ~300 bytes armored

NS_DECISION = "guardians-decision"
NS_APPROVAL = "guardians-approval"


class SignatureError(ValueError):
    """A signature that cannot be parsed or does not verify; the message says why."""


def ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def ed25519_blob(raw_public: bytes) -> bytes:
    """The OpenSSH wire encoding of an Ed25519 public key."""
    return ssh_string(KEY_TYPE.encode()) + ssh_string(raw_public)


def signed_data(namespace: str, message: bytes) -> bytes:
    """What the private key actually signs: the namespace and SHA-512 of the message."""
    digest = hashlib.sha512(message).digest()
    return MAGIC + ssh_string(namespace.encode()) + ssh_string(b"") + ssh_string(HASH_ALG.encode()) + ssh_string(digest)


def armor(public_blob: bytes, namespace: str, raw_signature: bytes) -> str:
    blob = (
        MAGIC
        + struct.pack(">I", VERSION)
        + ssh_string(public_blob)
        + ssh_string(namespace.encode())
        + ssh_string(b"")
        + ssh_string(HASH_ALG.encode())
        + ssh_string(ssh_string(KEY_TYPE.encode()) + ssh_string(raw_signature))
    )
    text = base64.b64encode(blob).decode()
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return "\n".join([BEGIN, *lines, END]) + "\n"


@dataclass(frozen=True)
class Parsed:
    public_blob: bytes
    raw_public: bytes
    namespace: str
    hash_alg: str
    raw_signature: bytes


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise SignatureError("signature is truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def uint32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def string(self) -> bytes:
        return self.take(self.uint32())


def parse(armored: str) -> Parsed:
    """Decode an armored SSHSIG; raises SignatureError when it is not one we can check."""
    if not isinstance(armored, str) or len(armored) > MAX_ARMOR:
        raise SignatureError("signature is not an armored SSH signature")
    text = armored.strip()
    if not (text.startswith(BEGIN) and text.endswith(END)):
        raise SignatureError("signature is not an armored SSH signature")
    body = "".join(text[len(BEGIN) : -len(END)].split())
    try:
        blob = base64.b64decode(body, validate=True)
    except ValueError:
        raise SignatureError("signature is not valid base64") from None
    r = _Reader(blob)
    if r.take(6) != MAGIC or r.uint32() != VERSION:
        raise SignatureError("not an SSHSIG version 1 signature")
    public_blob = r.string()
    namespace = r.string().decode("ascii", "replace")
    r.string()  # reserved
    hash_alg = r.string().decode("ascii", "replace")
    sig = _Reader(r.string())
    key = _Reader(public_blob)
    if key.string() != KEY_TYPE.encode() or sig.string() != KEY_TYPE.encode():
        raise SignatureError("only ssh-ed25519 signatures are accepted")
    raw_public, raw_signature = key.string(), sig.string()
    if len(raw_public) != 32 or len(raw_signature) != 64:
        raise SignatureError("malformed ssh-ed25519 key or signature")
    return Parsed(public_blob, raw_public, namespace, hash_alg, raw_signature)


def check(parsed: Parsed, message: bytes, namespace: str) -> None:
    """Verify the signature itself (not who made it); raises SignatureError."""
    if parsed.namespace != namespace:
        raise SignatureError(f"signature is for namespace {parsed.namespace!r}, not {namespace!r}")
    if parsed.hash_alg not in ("sha512", "sha256"):
        raise SignatureError(f"unsupported hash algorithm {parsed.hash_alg!r}")
    digest = hashlib.new(parsed.hash_alg, message).digest()
    data = (
        MAGIC
        + ssh_string(namespace.encode())
        + ssh_string(b"")
        + ssh_string(parsed.hash_alg.encode())
        + ssh_string(digest)
    )
    from cryptography.exceptions import InvalidSignature

    try:
        _public_key(parsed.raw_public).verify(parsed.raw_signature, data)
    except InvalidSignature:
        raise SignatureError("signature does not match the signed bytes") from None


_KEYS: dict[bytes, Ed25519PublicKey] = {}


def _public_key(raw: bytes) -> Ed25519PublicKey:
    key = _KEYS.get(raw)
    if key is None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        key = _KEYS[raw] = Ed25519PublicKey.from_public_bytes(raw)
    return key
