"""The guide officer's desk (導辦員): move, prioritise, reprint and void tickets, open or close
windows, set the lobby notice. Only a signed-in guide officer may; every event names them.

The ticket events (``ticket.moved``, ``ticket.prioritised``, ``ticket.reprint``) change the
day's queue, so their folds join :class:`broker.state.HallState`'s; the notice lives on.
"""

from __future__ import annotations

from typing import Any, ClassVar

from broker.domains.staff import require_actor
from broker.records import Handler, RecordDomain
from broker.state import HallState, Ticket
from hall.conf.model import Client, Role
from hall.contract import guide as g
from hall.contract.queue import ACTIVE_STATUSES, TicketStatus
from hall.protocol import CommandRejected


def _fold_moved(state: HallState, d: dict[str, Any]) -> None:
    t = state.tickets[d["ticket"]]
    state._dequeue(t)
    t.item = d["item"]
    t.target_window = d.get("target_window")
    t.transfers += 1
    state._enqueue(t)


def _fold_prioritised(state: HallState, d: dict[str, Any]) -> None:
    t = state.tickets[d["ticket"]]
    state._dequeue(t)  # keeps waiting_per_prefix right: it is keyed by (prefix, rank)
    t.priority, t.rank = d["priority"], d["rank"]
    state._enqueue(t)


def _fold_reprint(state: HallState, d: dict[str, Any]) -> None:
    t = state.tickets[d["ticket"]]
    t.printed = "pending"
    t.print_error = ""


HallState.add_folds(
    {
        "ticket.moved": _fold_moved,
        "ticket.prioritised": _fold_prioritised,
        "ticket.reprint": _fold_reprint,
    }
)


class GuideDesk(RecordDomain):
    """The guide's commands; its only own state is the lobby notice."""

    name = "guide"
    event_types: ClassVar[frozenset[str]] = frozenset({"notice.set"})

    def __init__(self) -> None:
        super().__init__()
        self.notice: dict[str, Any] = {"text": {}, "until": None, "by": None}

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        self.notice = {"text": data["text"], "until": data.get("until"), "by": data.get("by")}
        self.dirty.add("notice")

    def checkpoint(self) -> dict[str, Any]:
        return {"notice": self.notice}

    def restore(self, data: dict[str, Any]) -> None:
        self.notice = data["notice"]

    def snapshot_names(self) -> list[str]:
        return ["notice"]

    def snapshot(self, name: str) -> dict[str, Any]:
        return dict(self.notice)

    # ------------------------------------------------------------------ commands

    def handlers(self) -> dict[str, Handler]:
        return {
            "guide.move": self._move,
            "guide.prioritise": self._prioritise,
            "guide.reprint": self._reprint,
            "guide.void": self._void,
            "guide.window": self._window,
            "guide.notice": self._notice,
        }

    def _waiting(self, client: Client, key: str) -> Ticket:
        require_actor(self.engine, client)
        t = self.engine._find_ticket(key)
        if t.status != TicketStatus.WAITING:
            raise CommandRejected(
                "ticket_not_waiting", f"ticket {t.number} is {t.status}", status=t.status
            )
        return t

    def _move(self, client: Client, a: g.MoveTicket, now: float) -> dict[str, Any]:
        t = self._waiting(client, a.ticket)
        config = self.engine.config
        if a.to_item is None and a.to_window is None:
            raise CommandRejected("invalid_args", "move needs to_item or to_window")
        item = t.item
        if a.to_item is not None:
            target = config.item_by_code.get(a.to_item)
            if target is None:
                raise CommandRejected("unknown_item", f"no service item {a.to_item!r}")
            item = target.code
        if a.to_window is not None:
            if a.to_window not in config.window_by_id:
                raise CommandRejected("unknown_window", f"no window {a.to_window!r}")
            if item not in config.items_by_window.get(a.to_window, ()):
                raise CommandRejected(
                    "not_served_here", f"window {a.to_window} does not serve item {item}"
                )
        data = {"ticket": t.id, "item": item, "target_window": a.to_window, "note": a.note}
        self.engine.emit("ticket.moved", data, now)
        return {"ticket": self.engine.state.tickets[t.id].public()}

    def _prioritise(self, client: Client, a: g.Prioritise, now: float) -> dict[str, Any]:
        t = self._waiting(client, a.ticket)
        rank = self.engine.config.priority_rank.get(a.priority)
        if rank is None:
            raise CommandRejected("unknown_priority", f"no priority class {a.priority!r}")
        data = {"ticket": t.id, "priority": a.priority, "rank": rank, "note": a.note}
        self.engine.emit("ticket.prioritised", data, now)
        return {"ticket": self.engine.state.tickets[t.id].public()}

    def _reprint(self, client: Client, a: g.Reprint, now: float) -> dict[str, Any]:
        require_actor(self.engine, client)
        t = self.engine._find_ticket(a.ticket)
        if t.status not in ACTIVE_STATUSES:
            raise CommandRejected("ticket_not_active", f"ticket {t.number} is {t.status}")
        kiosk = self.engine.config.client_by_id.get(a.kiosk)
        if kiosk is None or kiosk.role is not Role.KIOSK:
            raise CommandRejected("unknown_kiosk", f"no kiosk {a.kiosk!r}")
        self.engine.emit("ticket.reprint", {"ticket": t.id, "kiosk": kiosk.id}, now)
        return {"ticket": self.engine.state.tickets[t.id].public()}

    def _void(self, client: Client, a: g.VoidTicket, now: float) -> dict[str, Any]:
        require_actor(self.engine, client)
        t = self.engine._find_ticket(a.ticket)
        if t.status not in ACTIVE_STATUSES:
            raise CommandRejected("ticket_not_active", f"ticket {t.number} is {t.status}")
        data = {"ticket": t.id, "reason": "guide", "note": a.reason}
        self.engine.emit("ticket.voided", data, now)
        return {"ticket": self.engine.state.tickets[t.id].public()}

    def _window(self, client: Client, a: g.SetWindow, now: float) -> dict[str, Any]:
        require_actor(self.engine, client)
        if a.window not in self.engine.config.window_by_id:
            raise CommandRejected("unknown_window", f"no window {a.window!r}")
        w = self.engine.state.window(a.window)
        if w.status != a.status:
            if a.status in ("closed", "paused"):
                self.engine._require_idle(a.window)
            self.engine.emit("window.changed", {"window": a.window, "status": a.status}, now)
        return {"window": self.engine.state.window(a.window).public()}

    def _notice(self, client: Client, a: g.SetNotice, now: float) -> dict[str, Any]:
        require_actor(self.engine, client)
        text = {k: v for k, v in a.text.model_dump(by_alias=True).items() if v}
        if a.until is not None and a.until <= now:
            raise CommandRejected("invalid_args", "until is in the past")
        self.engine.emit("notice.set", {"text": text, "until": a.until}, now)
        return {"notice": self.notice}
