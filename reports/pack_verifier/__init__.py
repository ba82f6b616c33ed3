"""The offline verifier an inspection pack carries as `kiem-tra.py`.

kiem_tra.py runs with Python's standard library alone on the inspector's machine; the pack
copies its bytes unchanged, so its SHA-256 is the same in every pack and can be published.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

VERIFIER_NAME = "kiem-tra.py"


def verifier_source() -> bytes:
    """The verifier's source, byte for byte as the pack carries it."""
    return (Path(__file__).parent / "kiem_tra.py").read_bytes()


def verifier_sha256() -> str:
    """SHA-256 of kiem-tra.py: the same in every pack of this version (shown on the audit
    page, so an inspector can tell a substituted verifier)."""
    return hashlib.sha256(verifier_source()).hexdigest()
