"""The installation's Ed25519 key, which signs inspection packs (review 2026-12, M1).

The private key lives in the instance folder (`signing_key.ed25519`, mode 0600), generated
once the way config/secret_key.py generates SECRET_KEY: written to a private temporary
file and linked into place, so several workers starting together agree on one key. It is
never in the database: someone with database rights alone cannot sign a forged pack.
`SIGNING_KEY_FILE` in the app config points elsewhere (a mounted secret, for instance).

The public key and its fingerprint are published (the audit page, the README's production
section, every pack); an inspector compares the fingerprint a pack's verifier prints with
the published one, so a pack re-signed with some other key is recognised.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import current_app

KEY_FILE_NAME = "signing_key.ed25519"


def key_path() -> Path:
    """Where this installation's private signing key is kept."""
    configured = current_app.config.get("SIGNING_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / KEY_FILE_NAME


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The private key stored at `path` (32-byte seed, hex), generated once (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_bytes(32).hex() + "\n")
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another worker was first: use its key
        finally:
            tmp.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        # Anyone who can read the seed can sign packs in the installation's name.
        os.chmod(path, 0o600)
    seed = bytes.fromhex(path.read_text(encoding="ascii").strip())
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key() -> Ed25519PrivateKey:
    """This installation's signing key."""
    return load_or_create_key(key_path())


def public_key_bytes() -> bytes:
    """The raw 32-byte public key."""
    return private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(public: bytes) -> str:
    """SHA-256 of the raw public key in groups of four hex digits (what people compare).

    kiem-tra.py computes the same string with the standard library alone."""
    digest = hashlib.sha256(public).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def sign(data: bytes) -> bytes:
    """The 64-byte Ed25519 signature of `data` under the installation's key."""
    return private_key().sign(data)
