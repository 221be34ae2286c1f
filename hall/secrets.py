"""Per-client MQTT passwords, kept out of the repository.

``hall up`` (or ``hall secrets``) writes ``<var>/secrets.toml`` once, with a
random password for every client in ``clients.toml``; each app reads its own.
On a real hall every device gets a copy holding only its own entry.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Iterable
from pathlib import Path


class SecretsError(Exception):
    """The secrets file is missing, unreadable or lacks a client."""


def load(path: str | Path) -> dict[str, str]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SecretsError(f"{path}: missing; run `hall secrets` or `hall up` first") from None
    except tomllib.TOMLDecodeError as exc:
        raise SecretsError(f"{path}: not valid TOML: {exc}") from None
    passwords = data.get("passwords", {})
    if not isinstance(passwords, dict):
        raise SecretsError(f"{path}: [passwords] must be a table")
    return {str(k): str(v) for k, v in passwords.items()}


def ensure(path: str | Path, client_ids: Iterable[str]) -> dict[str, str]:
    """Load the secrets file, adding a random password for each client that has none."""
    path = Path(path)
    passwords = load(path) if path.exists() else {}
    missing = [c for c in client_ids if c not in passwords]
    if missing or not path.exists():
        for client in missing:
            passwords[client] = secrets.token_urlsafe(18)
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = ["# MQTT passwords of this hall's clients. Keep private.", "[passwords]"]
        lines += [f'"{client}" = "{pw}"' for client, pw in sorted(passwords.items())]
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return passwords


def password_for(path: str | Path, client_id: str) -> str:
    passwords = load(path)
    if client_id not in passwords:
        raise SecretsError(f"{path}: no password for client {client_id!r}")
    return passwords[client_id]
