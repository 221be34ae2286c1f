"""Mosquitto 2 password file entries (PBKDF2-SHA512, ``$7$`` format), written in Python.

Same format ``mosquitto_passwd`` writes: ``user:$7$<iterations>$<salt b64>$<hash b64>``.
"""

from __future__ import annotations

import base64
import hashlib
import os

ITERATIONS = 101
SALT_BYTES = 12


def hash_entry(username: str, password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS, 64)
    b64 = base64.b64encode
    return f"{username}:$7${ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"


def password_file(passwords: dict[str, str]) -> str:
    return "".join(hash_entry(user, pw) + "\n" for user, pw in sorted(passwords.items()))
