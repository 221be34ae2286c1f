"""The complaint log (零投訴): who complained, about which window, what; the follow-up and its
result; closed by whom. Long-lived: a complaint stays open across days until it is closed."""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any, ClassVar

from broker.domains.staff import require_actor
from broker.records import Handler, RecordDomain
from hall.conf.model import Client
from hall.contract import guide as g
from hall.protocol import CommandRejected

CLOSED_KEPT = 20
"""Closed complaints kept in the live state (all of them stay in the log)."""


class Complaints(RecordDomain):
    name = "complaints"
    event_types: ClassVar[frozenset[str]] = frozenset(
        {"complaint.opened", "complaint.followed", "complaint.closed"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.open: dict[str, dict[str, Any]] = {}
        self.closed: deque[dict[str, Any]] = deque(maxlen=CLOSED_KEPT)
        self.serials: dict[str, int] = {}
        """YYYYMMDD -> complaints opened that day (for their ids); only the latest day kept."""
        self.per_month: dict[str, int] = {}

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        if etype == "complaint.opened":
            day = data["id"][1:9]
            self.serials = {day: int(data["id"][-3:])}
            month = f"{day[:4]}-{day[4:6]}"
            self.per_month[month] = self.per_month.get(month, 0) + 1
            self.open[data["id"]] = {
                "id": data["id"],
                "opened_at": data["at"],
                "applicant": data["applicant"],
                "what": data["what"],
                "window": data.get("window"),
                "ticket": data.get("ticket"),
                "by": data.get("by"),
                "status": "open",
                "follow_up": [],
                "result": None,
                "closed_at": None,
                "closed_by": None,
            }
        elif etype == "complaint.followed":
            self.open[data["id"]]["follow_up"].append(
                {"at": data["at"], "by": data.get("by"), "note": data["note"]}
            )
        else:
            entry = self.open.pop(data["id"])
            entry.update(
                status="closed",
                result=data["result"],
                closed_at=data["at"],
                closed_by=data.get("by"),
            )
            self.closed.appendleft(entry)
        self.dirty.add("complaints")

    def checkpoint(self) -> dict[str, Any]:
        return {
            "open": self.open,
            "closed": list(self.closed),
            "serials": self.serials,
            "per_month": self.per_month,
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.open = data["open"]
        self.closed = deque(data["closed"], maxlen=CLOSED_KEPT)
        self.serials = data["serials"]
        self.per_month = data["per_month"]

    def snapshot_names(self) -> list[str]:
        return ["complaints"]

    def snapshot(self, name: str) -> dict[str, Any]:
        month = (self.engine.state.day or "")[:7]
        return {
            "open": sorted(self.open.values(), key=lambda c: c["opened_at"]),
            "closed_recently": list(self.closed),
            "opened_this_month": self.per_month.get(month, 0),
        }

    # ------------------------------------------------------------------ commands

    def handlers(self) -> dict[str, Handler]:
        return {
            "complaint.open": self._open,
            "complaint.follow": self._follow,
            "complaint.close": self._close,
        }

    def _open(self, client: Client, a: g.OpenComplaint, now: float) -> dict[str, Any]:
        require_actor(self.engine, client)
        config = self.engine.config
        if a.window is not None and a.window not in config.window_by_id:
            raise CommandRejected("unknown_window", f"no window {a.window!r}")
        ticket = self.engine._find_ticket(a.ticket).id if a.ticket else None
        day = datetime.fromtimestamp(now, config.tz).strftime("%Y%m%d")
        serial = self.serials.get(day, 0) + 1
        if serial > 999:
            raise CommandRejected("too_many", "999 complaints today")
        cid = f"C{day}-{serial:03d}"
        data = {
            "id": cid,
            "at": now,
            "applicant": a.applicant,
            "what": a.what,
            "window": a.window,
            "ticket": ticket,
        }
        self.engine.emit("complaint.opened", data, now)
        return {"complaint": self.open[cid]}

    def _find_open(self, cid: str) -> dict[str, Any]:
        entry = self.open.get(cid)
        if entry is None:
            closed = any(c["id"] == cid for c in self.closed)
            raise CommandRejected(
                "complaint_closed" if closed else "unknown_complaint",
                f"complaint {cid} is {'closed' if closed else 'unknown'}",
            )
        return entry

    def _follow(self, client: Client, a: g.FollowComplaint, now: float) -> dict[str, Any]:
        require_actor(self.engine, client)
        self._find_open(a.complaint)
        self.engine.emit("complaint.followed", {"id": a.complaint, "at": now, "note": a.note}, now)
        return {"complaint": self.open[a.complaint]}

    def _close(self, client: Client, a: g.CloseComplaint, now: float) -> dict[str, Any]:
        require_actor(self.engine, client)
        self._find_open(a.complaint)
        self.engine.emit(
            "complaint.closed", {"id": a.complaint, "at": now, "result": a.result}, now
        )
        return {"complaint": self.closed[0]}
