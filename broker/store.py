"""The event log: SQLite in WAL mode with full fsync, the source of truth of the hall.

One writer (the queue service) appends events and the replies of the commands
that caused them in one transaction per batch. ``ticket_numbers`` carries a
unique key per (day, number) as a last guard against a duplicate ticket.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

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
CREATE TABLE IF NOT EXISTS checkpoints (
    domain TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    data   TEXT NOT NULL,
    PRIMARY KEY (domain, seq)
) WITHOUT ROWID;
"""


class StoreError(RuntimeError):
    """The event log cannot be used as it is; the message says what the operator should do."""


class StorageUnavailable(RuntimeError):
    """A write failed (disk full, I/O error); nothing of the batch was kept."""


class Store:
    """Append-only event log with idempotency records.

    A hall's log is created once (:meth:`create`, ``hall init``); its identity
    (``hall_id``) is kept in the log and in a small file beside it
    (``<db>.id``), so a log that vanished or was emptied is told apart from a
    first start. One writer at a time: an exclusive lock on ``<db>.lock``.
    """

    def __init__(self, path: str | Path, durable: bool = True, *, hall_code: str | None = None):
        self.path = Path(path)
        self.id_file = identity_file(self.path)
        self._in_txn = False
        self._lock: TextIO | None = _acquire_lock(lock_file(self.path))
        try:
            self._check_present()
            self.db = _connect(self.path, durable)
            _check_integrity(self.db, self.path)
            self.db.executescript(SCHEMA)
            self.hall_id = self._check_identity(hall_code)
        except BaseException:
            self._release()
            raise

    @classmethod
    def reader(cls, path: str | Path) -> Store:
        """A read-only view of a log (reports, checks) beside a running writer; takes no lock."""
        self = cls.__new__(cls)
        self.path = Path(path)
        self.id_file = identity_file(self.path)
        self._in_txn = False
        self._lock = None
        self._check_present()
        try:
            self.db = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
            self.db.execute("PRAGMA busy_timeout=5000")
            meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None
        self.hall_id = meta.get("hall_id", "")
        return self

    @classmethod
    def create(cls, path: str | Path, hall_code: str, durable: bool = True) -> Store:
        """Start a new hall's log; refuse when this hall already has (or had) one."""
        path = Path(path)
        if identity_file(path).exists():
            raise StoreError(
                f"{identity_file(path)} exists: this hall already has an event log. "
                f"Nothing was created."
            )
        if path.exists() and path.stat().st_size > 0:
            raise StoreError(f"{path} exists: nothing was created")
        path.parent.mkdir(parents=True, exist_ok=True)
        db = _connect(path, durable)
        db.executescript(SCHEMA)
        hall_id = uuid.uuid4().hex
        created = datetime.now(UTC).isoformat(timespec="seconds")
        db.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?)",
            [("hall_id", hall_id), ("hall_code", hall_code), ("created_at", created)],
        )
        db.close()
        _write_identity(identity_file(path), hall_id, hall_code, created)
        return cls(path, durable, hall_code=hall_code)

    @classmethod
    def open_or_create(cls, path: str | Path, hall_code: str, durable: bool = True) -> Store:
        """Create the log on a first start (no log, no identity file), else open it."""
        path = Path(path)
        if not identity_file(path).exists() and not (path.exists() and path.stat().st_size):
            return cls.create(path, hall_code, durable)
        return cls(path, durable, hall_code=hall_code)

    def _check_present(self) -> None:
        size = self.path.stat().st_size if self.path.exists() else None
        if size:
            return
        what = "is missing" if size is None else "is empty (0 bytes)"
        if self.id_file.exists():
            raise StoreError(
                f"the event log {self.path} {what}, but this hall had one "
                f"({self.id_file}): the tickets applicants hold would be issued again. "
                f"Restore {self.path.name} from the backup. Only to start the hall over from "
                f"nothing, remove {self.id_file} and run `hall init`."
            )
        raise StoreError(f"no event log at {self.path}: to start a new hall run `hall init`")

    def _check_identity(self, hall_code: str | None) -> str:
        meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        hall_id = meta.get("hall_id")
        file_id = _read_identity(self.id_file)
        if hall_id is None:
            if file_id is not None or self.last_seq() == 0:
                raise StoreError(
                    f"{self.path} holds no hall identity: it is not this hall's event log "
                    f"(or it was replaced by an empty one). Restore it from the backup."
                )
            # A log written before identities existed: adopt it once.
            hall_id = uuid.uuid4().hex
            self.db.execute("INSERT INTO meta(key, value) VALUES ('hall_id', ?)", (hall_id,))
        if file_id is not None and file_id != hall_id:
            raise StoreError(
                f"{self.path} belongs to another hall ({hall_id}, expected {file_id} "
                f"from {self.id_file}): put this hall's own log back"
            )
        code = meta.get("hall_code")
        if hall_code is not None and code is not None and code != hall_code:
            raise StoreError(
                f"{self.path} is the log of hall {code}, but the config is hall {hall_code}"
            )
        if hall_code is not None and code is None:
            self.db.execute("INSERT INTO meta(key, value) VALUES ('hall_code', ?)", (hall_code,))
        if file_id is None:
            _write_identity(
                self.id_file, hall_id, hall_code or code or "", meta.get("created_at", "")
            )
        return hall_id

    def close(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self.db.close()
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # ------------------------------------------------------------- writing

    def begin(self) -> None:
        if not self._in_txn:
            self.db.execute("BEGIN IMMEDIATE")
            self._in_txn = True

    def commit(self) -> bool:
        """Make the batch durable (fsync of the WAL); :class:`StorageUnavailable` if it can't.

        True when there was something to write.
        """
        if not self._in_txn:
            return False
        with self._writing():
            self.db.execute("COMMIT")
        self._in_txn = False
        return True

    def rollback(self) -> None:
        # SQLite may have rolled back already (SQLITE_FULL, I/O error): don't ask twice.
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self._in_txn = False

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A failed write (disk full, I/O error) drops the batch: :class:`StorageUnavailable`.

        An ``IntegrityError`` is not a storage problem (a duplicate number would be a
        bug) and passes through.
        """
        try:
            yield
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as exc:
            try:
                self.rollback()
            except sqlite3.Error:
                self._in_txn = False
            raise StorageUnavailable(str(exc)) from exc

    def append(
        self, events: list[EmittedEvent], epoch: str, datas: list[str] | None = None
    ) -> None:
        """Add events to the batch's transaction; ``datas``: their data already as JSON
        (the queue service dumps it once, for the log and for the published event)."""
        with self._writing():
            self._append(events, epoch, datas)

    def _append(self, events: list[EmittedEvent], epoch: str, datas: list[str] | None) -> None:
        self.begin()
        if datas is None:
            datas = [json.dumps(e.data, ensure_ascii=False) for e in events]
        self.db.executemany(
            "INSERT INTO events(seq, at, day, type, data, epoch) VALUES (?, ?, ?, ?, ?, ?)",
            [(e.seq, e.at, e.day, e.type, d, epoch) for e, d in zip(events, datas, strict=True)],
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
        with self._writing():
            self.begin()
            self.db.execute(
                "INSERT INTO commands(client, id, type, at, reply) VALUES (?, ?, ?, ?, ?)",
                (client, cmd_id, ctype, at, reply),
            )

    def write_checkpoints(self, rows: list[tuple[str, int, dict[str, Any]]]) -> None:
        """Record domains' states as of a seq, in the batch's transaction."""
        with self._writing():
            self.begin()
            self.db.executemany(
                "INSERT OR REPLACE INTO checkpoints(domain, seq, data) VALUES (?, ?, ?)",
                [(name, seq, json.dumps(data, ensure_ascii=False)) for name, seq, data in rows],
            )

    # ------------------------------------------------------------- reading

    def latest_checkpoints(self) -> dict[str, tuple[int, dict[str, Any]]]:
        """Each record domain's newest checkpoint: ``{domain: (seq, data)}``."""
        rows = self.db.execute(
            "SELECT c.domain, c.seq, c.data FROM checkpoints c JOIN "
            "(SELECT domain, MAX(seq) AS seq FROM checkpoints GROUP BY domain) m "
            "ON c.domain = m.domain AND c.seq = m.seq"
        ).fetchall()
        return {domain: (seq, json.loads(data)) for domain, seq, data in rows}

    def stored_reply(self, client: str, cmd_id: str) -> str | None:
        with self._writing():
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
        if table not in ("events", "commands", "ticket_numbers", "checkpoints"):
            raise ValueError(table)
        return int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


# ---------------------------------------------------------------- helpers


def identity_file(db: Path) -> Path:
    return db.with_name(db.name + ".id")


def lock_file(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def _connect(path: Path, durable: bool) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout=5000")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from None
    return db


def _check_integrity(db: sqlite3.Connection, path: Path) -> None:
    """``PRAGMA quick_check``: every page readable, the b-trees well formed."""
    try:
        rows = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        db.close()
        raise _damaged(path, exc) from None
    if rows != [("ok",)]:
        db.close()
        raise _damaged(path, "; ".join(str(r[0]) for r in rows[:3]))


def _damaged(path: Path, cause: object) -> StoreError:
    return StoreError(
        f"the event log {path} is damaged ({cause}). The queue service will not start on it. "
        f"Keep a copy of {path.name} (and any {path.name}-wal), then restore the log from the "
        f"backup; `sqlite3 {path.name} .recover` can salvage what is readable."
    )


def _acquire_lock(path: Path) -> TextIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held for the store's lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StoreError(
            f"the event log {path.with_suffix('')} is already open by a queue service "
            f"(pid {holder}): one writer only. Stop that one first (or `hall up` elsewhere)."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _write_identity(path: Path, hall_id: str, hall_code: str, created: str) -> None:
    path.write_text(
        f"# the identity of this hall's event log; do not delete\n"
        f"hall_id = {json.dumps(hall_id)}\nhall_code = {json.dumps(hall_code)}\n"
        f"created_at = {json.dumps(created)}\n"
    )


def _read_identity(path: Path) -> str | None:
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "hall_id":
            return json.loads(value.strip())
    return None
