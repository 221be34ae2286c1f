"""Retained state snapshots built from the engine's state.

Each carries ``seq`` (the last event folded in) and ``epoch`` (the service boot),
so a client that has a snapshot applies only events with a higher seq.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from typing import Any

from broker.engine import Engine
from broker.state import ACTIVE


def stamp(engine: Engine, epoch: str, now: float) -> dict[str, Any]:
    """What every retained snapshot carries: ``seq``, ``epoch``, ``day``, ``at``."""
    return _stamp(engine, epoch, now)


def _stamp(engine: Engine, epoch: str, now: float) -> dict[str, Any]:
    return {
        "seq": engine.state.seq,
        "epoch": epoch,
        "day": engine.state.day,
        "at": datetime.fromtimestamp(now, engine.config.tz).isoformat(timespec="milliseconds"),
    }


def board(engine: Engine, epoch: str, now: float) -> dict[str, Any]:
    """What the lobby display shows: the latest calls and every window's current number."""
    s = engine.state
    windows = {}
    for w in engine.config.windows:
        state = s.window(w.id)
        current = s.tickets.get(state.current) if state.current else None
        windows[w.id] = {
            "status": state.status,
            "after_hours": state.after_hours,
            "current": current.number if current else None,
            "current_status": current.status if current else None,
        }
    calls = [
        {"ticket": c.ticket, "number": c.number, "window": c.window, "at": c.at, "calls": c.calls}
        for c in s.recent_calls
    ]
    return {**_stamp(engine, epoch, now), "recent_calls": calls, "windows": windows}


def queues(
    engine: Engine, epoch: str, now: float, waiting: Callable[[], int] | None = None
) -> dict[str, Any] | None:
    """Per ticket prefix: waiting, open windows, estimated wait; per item: waiting, and the
    wait a new ticket of it would be told now (the same estimate as the ``ticket.issue``
    reply). ``waiting``: how many commands wait; None (not worked out) as soon as it is not
    0, so a command is not held up by a snapshot."""
    waits = engine.new_ticket_waits(now, waiting)
    if waits is None:
        return None
    counts = {code: engine.state.waiting_of_item(code) for code in engine.config.item_by_code}
    # Items served by the same windows share one estimate (and one dict in the JSON).
    told: dict[int, dict[str, Any]] = {}
    items_wait = {}
    for code, est in waits.items():
        shown = told.get(id(est))
        if shown is None:
            shown = told[id(est)] = {"est_wait_min": est.minutes, "est_wait": est.public()}
        items_wait[code] = shown
    return {
        **_stamp(engine, epoch, now),
        "prefixes": {p: engine.queue_summary(p, waits, counts) for p in engine.prefixes()},
        "items_waiting": {code: n for code, n in counts.items() if n},
        "items_wait": items_wait,
    }


def window(engine: Engine, epoch: str, now: float, window_id: str) -> dict[str, Any]:
    """One window terminal's view: its status and the ticket at the counter."""
    s = engine.state
    w = s.window(window_id)
    current = s.tickets.get(w.current) if w.current else None
    return {
        **_stamp(engine, epoch, now),
        "window": w.public(),
        "ticket": current.public() if current and current.status in ("called", "serving") else None,
    }


def service(
    engine: Engine,
    epoch: str,
    now: float,
    started_at: float,
    storage_error: str | None = None,
    clock_step: dict[str, Any] | None = None,
) -> dict[str, Any]:
    s = engine.state
    return {
        **_stamp(engine, epoch, now),
        "started_at": started_at,
        "tickets_today": len(s.tickets),
        "waiting": sum(len(q) for ranks in s.waiting.values() for q in ranks.values())
        + sum(len(q) for q in s.targeted.values()),
        "storage": {"ok": storage_error is None, "error": storage_error},
        "clock": {"behind_business_day": engine.clock_behind, "last_step": clock_step},
    }


WAITING_MAX = 400
"""Tickets listed in ``state/waiting`` (oldest first): the packet stays far below 256 kB."""


WAITING_FIELDS = ("id", "number", "item", "priority", "rank", "order_key", "issued_at", "kiosk",
                  "printed", "status", "window", "target_window", "case_no")  # fmt: skip
"""A ``state/waiting`` row's fields, in the order they are published."""
_row_values = attrgetter(*WAITING_FIELDS)
_issued_at = attrgetter("issued_at")


def _waiting_tickets(engine: Engine) -> tuple[list[Any], int]:
    """The tickets ``state/waiting`` lists (oldest first, at most :data:`WAITING_MAX`) and how
    many more there are."""
    keep = [t for t in engine.state.tickets.values() if t.status in ACTIVE or t.printed == "failed"]
    keep.sort(key=_issued_at)
    return keep[:WAITING_MAX], max(0, len(keep) - WAITING_MAX)


def waiting(engine: Engine, epoch: str, now: float) -> dict[str, Any]:
    """Today's active tickets (waiting, called, serving) and those whose print failed, for the
    guide console: a console started mid-day lists everyone, not only what it saw issued."""
    shown, more = _waiting_tickets(engine)
    rows = [dict(zip(WAITING_FIELDS, _row_values(t), strict=True)) for t in shown]
    return {**_stamp(engine, epoch, now), "tickets": rows, "more": more}


class WaitingJson:
    """``state/waiting`` as the JSON text :func:`waiting` would be dumped to (compact, not
    ASCII-escaped), made without dumping every row again: a row's text is kept while its
    fields are unchanged, so a snapshot costs the rows that changed since the last one (with
    600 tickets waiting, a full dump took ~2.3 ms under load)."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[tuple[Any, ...], str]] = {}

    def text(self, engine: Engine, epoch: str, now: float) -> str:
        shown, more = _waiting_tickets(engine)
        kept = self._rows
        rows: dict[str, tuple[tuple[Any, ...], str]] = {}
        parts = []
        for t in shown:
            values = _row_values(t)
            row = kept.get(t.id)
            if row is None or row[0] != values:
                row = (values, dumps(dict(zip(WAITING_FIELDS, values, strict=True))))
            rows[t.id] = row
            parts.append(row[1])
        self._rows = rows  # only the rows shown now: a ticket that left is forgotten
        head = dumps(_stamp(engine, epoch, now))
        return f'{head[:-1]},"tickets":[{",".join(parts)}],"more":{more}}}'


def dumps(body: dict[str, Any]) -> str:
    """The service's JSON text for what it publishes and logs: compact, not ASCII-escaped
    (:class:`WaitingJson` builds the same text piece by piece)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def catalog(engine: Engine, epoch: str, now: float) -> dict[str, Any]:
    """The hall's names, so a display or LED strip written from the contract can label calls."""
    c = engine.config
    return {
        **_stamp(engine, epoch, now),
        "hall": {"code": c.code, "name": c.hall_file.hall.name.model_dump(by_alias=True)},
        "items": {
            i.code: {
                "name": i.name.model_dump(by_alias=True),
                "prefix": i.prefix,
                "unit": i.unit,
                "windows": list(i.windows),
            }
            for i in c.items
        },
        "windows": {
            w.id: {
                "number": int(w.id[1:]),
                "name": w.name.model_dump(by_alias=True),
                "unit": w.unit,
            }
            for w in c.windows
        },
    }
