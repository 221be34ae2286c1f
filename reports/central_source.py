"""The reports' events from the central PostgreSQL record instead of one hall's SQLite log.

``hall report daily|monthly --central`` computes the same statistics per hall (``--hall``) or
for all halls together. Across halls a ticket id (``20261127-A012``) and a window id (``W01``)
repeat, so with more than one hall they are scoped by the hall code (``HA:20261127-A012``,
``HA/W01``); items are the county's catalogue and stay shared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from central.db import hall_events
from reports.log import Event, LogUnavailable


def _scoped(hall: str, data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    ticket = out.get("ticket")
    if isinstance(ticket, dict):
        out["ticket"] = {**ticket, "id": f"{hall}:{ticket.get('id', '')}"}
    elif isinstance(ticket, str):
        out["ticket"] = f"{hall}:{ticket}"
    for key in ("window", "target_window"):
        if isinstance(out.get(key), str):
            out[key] = f"{hall}/{out[key]}"
    return out


def central_source(
    url: str, halls: Sequence[str] | None = None
) -> Callable[[date, date], list[Event]]:
    """A reader of the events of ``first``..``last`` of ``halls`` (all when none)."""
    scoped = not halls or len(halls) != 1

    def read(first: date, last: date) -> list[Event]:
        import psycopg

        try:
            return [
                Event(seq, at, day, etype, _scoped(hall, data) if scoped else data)
                for hall, seq, at, day, etype, data in hall_events(url, first, last, halls)
            ]
        except psycopg.Error as exc:
            raise LogUnavailable(f"central record at {url} cannot be read: {exc}") from None

    return read
