"""The rating pad (好差評): after ``finish`` the applicant rates the service at the counter.

One rating per finished ticket, from the pad of the window that served it, the same day.
The events stay in the log (reports count them); the live state is today's (day-scoped):
counts per level and the low ratings the guide console shows.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

from broker.records import Handler, RecordDomain
from hall.conf.model import Client
from hall.contract import guide as g
from hall.contract.queue import TicketStatus
from hall.protocol import CommandRejected

LOW = 2
"""Levels at or below this (不滿意, 非常不滿意) are shown to the guide officer."""


class Ratings(RecordDomain):
    name = "ratings"
    event_types: ClassVar[frozenset[str]] = frozenset({"rating.given"})
    day_scoped = True

    def __init__(self) -> None:
        super().__init__()
        self.rated: dict[str, dict[str, Any]] = {}
        self.levels: Counter[int] = Counter()

    def reset(self) -> None:
        self.rated, self.levels = {}, Counter()

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        entry = {
            "ticket": data["ticket"],
            "number": data["number"],
            "window": data["window"],
            "staff": data.get("staff"),
            "level": data["level"],
            "reason": data.get("reason", ""),
            "at": data["at"],
        }
        self.rated[data["ticket"]] = entry
        self.levels[data["level"]] += 1
        self.dirty.add("ratings")

    def snapshot_names(self) -> list[str]:
        return ["ratings"]

    def snapshot(self, name: str) -> dict[str, Any]:
        low = [r for r in self.rated.values() if r["level"] <= LOW]
        return {
            "today": {str(level): self.levels.get(level, 0) for level in range(1, 6)},
            "low": sorted(low, key=lambda r: -r["at"])[:20],
        }

    def handlers(self) -> dict[str, Handler]:
        return {"rating.submit": self._rate}

    def _rate(self, client: Client, a: g.Rate, now: float) -> dict[str, Any]:
        t = self.engine._find_ticket(a.ticket)
        if t.status != TicketStatus.DONE:
            raise CommandRejected("not_finished", f"ticket {t.number} is {t.status}")
        if t.window != client.window:
            raise CommandRejected(
                "not_served_here", f"ticket {t.number} was served at {t.window}, not here"
            )
        if t.id in self.rated:
            raise CommandRejected("already_rated", f"ticket {t.number} has been rated")
        staff = self.engine.staff_at_window(client.window or "")
        data = {
            "ticket": t.id,
            "number": t.number,
            "window": t.window,
            "staff": staff["staff"] if staff else None,
            "level": a.level,
            "reason": a.reason,
            "at": now,
        }
        self.engine.emit("rating.given", data, now)
        return {"rating": self.rated[t.id]}
