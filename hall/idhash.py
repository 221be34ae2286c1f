"""Keyed hash of a resident ID number (實名取號), so the service can count a person's
tickets without ever receiving the number.

The key is the hall's secret (``<var>/id-key``, 32 random bytes, made once by
:func:`ensure_key` and copied to every kiosk); without it the hash cannot be
reversed by trying the small space of ID numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "id-key"
HASH_RE = r"^[0-9a-f]{64}$"


def ensure_key(path: str | Path) -> bytes:
    """The hall's ID-hash key at ``path``, made (mode 0600) when missing."""
    path = Path(path)
    if path.exists():
        key = bytes.fromhex(path.read_text().strip())
        if len(key) < 16:
            raise ValueError(f"{path}: key too short")
        return key
    key = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key.hex() + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return key


def id_hash(number: str, key: bytes) -> str:
    """HMAC-SHA256 of the normalised 18-character ID number, hex."""
    return hmac.new(key, number.strip().upper().encode("ascii"), hashlib.sha256).hexdigest()
