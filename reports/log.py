"""Read the queue service's event log (SQLite) without the service: read-only, no lock.

Only the ``events`` table is read (``seq, at, day, type, data, epoch``; see
``docs/protocol.md``): the report never imports the queue service and never writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any


class LogUnavailable(RuntimeError):
    """The event log cannot be read (missing, not a hall log, damaged)."""


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    at: str
    """ISO time with the hall's offset."""
    day: str
    """The business day (``YYYY-MM-DD``) the event belongs to."""
    type: str
    data: dict[str, Any]


def connect(path: str | Path) -> sqlite3.Connection:
    """A read-only connection; works beside the running writer (WAL)."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise LogUnavailable(f"no event log at {path}")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        db.execute("PRAGMA busy_timeout=5000")
        db.execute("SELECT seq, at, day, type, data FROM events LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:
        raise LogUnavailable(f"{path} is not a readable hall event log: {exc}") from None
    return db


def events(db: sqlite3.Connection, first: date, last: date) -> Iterator[Event]:
    """The events of business days ``first``..``last`` (both included), in log order."""
    cursor = db.execute(
        "SELECT seq, at, day, type, data FROM events WHERE day BETWEEN ? AND ? ORDER BY seq",
        (first.isoformat(), last.isoformat()),
    )
    for seq, at, day, etype, data in cursor:
        yield Event(int(seq), at, day, etype, json.loads(data))


def event_types(db: sqlite3.Connection, first: date, last: date) -> set[str]:
    rows = db.execute(
        "SELECT DISTINCT type FROM events WHERE day BETWEEN ? AND ?",
        (first.isoformat(), last.isoformat()),
    ).fetchall()
    return {r[0] for r in rows}
