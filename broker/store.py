"""The event log: SQLite in WAL mode with full fsync, the source of truth of the hall.

One writer (the queue service) appends events and the replies of the commands
that caused them in one transaction per batch. ``ticket_numbers`` carries a
unique key per (day, number) as a last guard against a duplicate ticket.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from broker.engine import EmittedEvent

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq   INTEGER PRIMARY KEY,
    at    TEXT NOT NULL,
    day   TEXT NOT NULL,
    type  TEXT NOT NULL,
    data  TEXT NOT NULL,
    epoch TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_day_opened ON events(type) WHERE type = 'day.opened';
CREATE TABLE IF NOT EXISTS commands (
    client TEXT NOT NULL,
    id     TEXT NOT NULL,
    type   TEXT NOT NULL,
    at     TEXT NOT NULL,
    reply  TEXT NOT NULL,
    PRIMARY KEY (client, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ticket_numbers (
    day    TEXT NOT NULL,
    number TEXT NOT NULL,
    ticket TEXT NOT NULL,
    PRIMARY KEY (day, number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    """Append-only event log with idempotency records."""

    def __init__(self, path: str | Path, durable: bool = True):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)
        self._in_txn = False

    def close(self) -> None:
        if self._in_txn:
            self.db.execute("ROLLBACK")
        self.db.close()

    # ------------------------------------------------------------- writing

    def begin(self) -> None:
        if not self._in_txn:
            self.db.execute("BEGIN IMMEDIATE")
            self._in_txn = True

    def commit(self) -> None:
        """Make the batch durable (fsync of the WAL)."""
        if self._in_txn:
            self.db.execute("COMMIT")
            self._in_txn = False

    def rollback(self) -> None:
        if self._in_txn:
            self.db.execute("ROLLBACK")
            self._in_txn = False

    def append(self, events: list[EmittedEvent], epoch: str) -> None:
        self.begin()
        self.db.executemany(
            "INSERT INTO events(seq, at, day, type, data, epoch) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (e.seq, e.at, e.day, e.type, json.dumps(e.data, ensure_ascii=False), epoch)
                for e in events
            ],
        )
        numbers = [
            (e.data["ticket"]["day"], e.data["ticket"]["number"], e.data["ticket"]["id"])
            for e in events
            if e.type == "ticket.issued"
        ]
        if numbers:
            self.db.executemany(
                "INSERT INTO ticket_numbers(day, number, ticket) VALUES (?, ?, ?)", numbers
            )

    def record_command(self, client: str, cmd_id: str, ctype: str, at: str, reply: str) -> None:
        self.begin()
        self.db.execute(
            "INSERT INTO commands(client, id, type, at, reply) VALUES (?, ?, ?, ?, ?)",
            (client, cmd_id, ctype, at, reply),
        )

    # ------------------------------------------------------------- reading

    def stored_reply(self, client: str, cmd_id: str) -> str | None:
        row = self.db.execute(
            "SELECT reply FROM commands WHERE client = ? AND id = ?", (client, cmd_id)
        ).fetchone()
        return row[0] if row else None

    def last_seq(self) -> int:
        row = self.db.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def replay_start(self) -> int:
        """Seq of the last ``day.opened`` event: replay starts there (1 when none)."""
        row = self.db.execute("SELECT MAX(seq) FROM events WHERE type = 'day.opened'").fetchone()
        return int(row[0] or 1)

    def events_from(self, seq: int) -> Iterator[tuple[int, str, dict[str, Any]]]:
        cursor = self.db.execute(
            "SELECT seq, type, data FROM events WHERE seq >= ? ORDER BY seq", (seq,)
        )
        for row_seq, etype, data in cursor:
            yield row_seq, etype, json.loads(data)

    def events_between(self, first: int, last: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT seq, at, day, type, data, epoch FROM events WHERE seq BETWEEN ? AND ? "
            "ORDER BY seq",
            (first, last),
        ).fetchall()
        return [
            {"seq": s, "at": at, "day": d, "type": t, "data": json.loads(data), "epoch": ep}
            for s, at, d, t, data, ep in rows
        ]

    def count(self, table: str) -> int:
        if table not in ("events", "commands", "ticket_numbers"):
            raise ValueError(table)
        return int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
