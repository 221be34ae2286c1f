"""The central record in PostgreSQL: schema by migrations (yoyo), idempotent batch writes.

Every event is kept once per (hall, seq): the primary key, and ``ON CONFLICT DO NOTHING`` so a
redelivered or resynced event changes nothing. ``halls.frontier`` is the highest seq up to
which the centre holds every event of that hall; it moves in the same transaction as the rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

MIGRATIONS = Path(__file__).with_name("migrations")


def yoyo_url(url: str) -> str:
    """yoyo's name for a psycopg 3 connection of ``url`` (URL or key=value conninfo)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    user = info.get("user", "postgres")
    password = f":{info['password']}" if info.get("password") else ""
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    return f"postgresql+psycopg://{user}{password}@{host}:{port}/{info.get('dbname', 'postgres')}"


def migrate(url: str) -> list[str]:
    """Apply the migrations not yet applied; the ids applied now."""
    from yoyo import get_backend, read_migrations

    backend = get_backend(yoyo_url(url))
    try:
        todo = backend.to_apply(read_migrations(str(MIGRATIONS)))
        with backend.lock():
            backend.apply_migrations(todo)
        return [m.id for m in todo]
    finally:
        backend.connection.close()


@dataclass(frozen=True, slots=True)
class Row:
    hall: str
    seq: int
    epoch: str
    at: str
    day: str
    type: str
    data: dict[str, Any]

    @classmethod
    def of(cls, hall: str, event: dict[str, Any]) -> Row:
        return cls(
            hall,
            int(event["seq"]),
            str(event["epoch"]),
            str(event["at"]),
            str(event["day"]),
            str(event["type"]),
            event.get("data") or {},
        )


class CentralDB:
    """One connection of the collector (or a report) to the central database."""

    def __init__(self, url: str, connect_timeout: int = 5):
        self.url = url
        self.conn = psycopg.connect(url, connect_timeout=connect_timeout)

    def close(self) -> None:
        self.conn.close()

    @property
    def broken(self) -> bool:
        return self.conn.broken or self.conn.closed

    def frontiers(self) -> dict[str, tuple[int, set[int]]]:
        """Each hall's frontier and the seqs it holds above it (the far side of gaps)."""
        with self.conn.transaction():
            halls = dict(self.conn.execute("SELECT code, frontier FROM halls").fetchall())
            above: dict[str, set[int]] = {h: set() for h in halls}
            rows = self.conn.execute(
                "SELECT e.hall, e.seq FROM events e JOIN halls h ON h.code = e.hall "
                "WHERE e.seq > h.frontier"
            ).fetchall()
        for hall, seq in rows:
            above[hall].add(int(seq))
        return {h: (int(f), above[h]) for h, f in halls.items()}

    def write(self, rows: Sequence[Row], frontiers: dict[str, tuple[int, str | None]]) -> None:
        """Insert ``rows`` (existing ones are left alone) and set the halls' frontiers, in one
        transaction; raises on any failure, nothing kept then."""
        with self.conn.transaction():
            if frontiers:
                self.conn.cursor().executemany(
                    "INSERT INTO halls (code, frontier, last_epoch) VALUES (%s, %s, %s) "
                    "ON CONFLICT (code) DO UPDATE SET frontier = GREATEST(halls.frontier, "
                    "EXCLUDED.frontier), last_epoch = COALESCE(EXCLUDED.last_epoch, "
                    "halls.last_epoch), updated_at = now()",
                    [(h, f, ep) for h, (f, ep) in sorted(frontiers.items())],
                )
            if rows:  # COPY into a scratch table, then one INSERT .. ON CONFLICT DO NOTHING
                self._scratch()
                with self.conn.cursor() as cur:
                    with cur.copy(COPY) as copy:
                        for r in rows:
                            copy.write_row(
                                (
                                    r.hall,
                                    r.seq,
                                    r.epoch,
                                    r.at,
                                    r.day,
                                    r.type,
                                    json.dumps(r.data, ensure_ascii=False),
                                )
                            )
                    cur.execute(FROM_SCRATCH)

    def _scratch(self) -> None:
        """The session's scratch table (made in the transaction: gone again if it fails)."""
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS incoming (hall TEXT, seq BIGINT, epoch TEXT, "
            "at TEXT, day DATE, type TEXT, data JSONB) ON COMMIT DELETE ROWS"
        )


COPY = "COPY incoming (hall, seq, epoch, at, day, type, data) FROM STDIN"
FROM_SCRATCH = (
    "INSERT INTO events (hall, seq, epoch, at, day, type, data) "
    "SELECT DISTINCT ON (hall, seq) hall, seq, epoch, at, day, type, data FROM incoming "
    "ORDER BY hall, seq ON CONFLICT (hall, seq) DO NOTHING"
)


def hall_events(
    url: str, first: date, last: date, halls: Iterable[str] | None = None
) -> Iterator[tuple[str, int, str, str, str, dict[str, Any]]]:
    """``(hall, seq, at, day, type, data)`` of business days ``first``..``last``, per hall in
    seq order; only ``halls`` when given."""
    wanted = sorted(halls) if halls else None
    with psycopg.connect(url) as conn:
        cursor = conn.execute(
            "SELECT hall, seq, at, day::text, type, data FROM events "
            "WHERE day BETWEEN %s AND %s AND (%s::text[] IS NULL OR hall = ANY(%s::text[])) "
            "ORDER BY hall, seq",
            (first, last, wanted, wanted),
        )
        for hall, seq, at, day, etype, data in cursor:
            yield hall, int(seq), at, day, etype, data
