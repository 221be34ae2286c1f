"""Fold queue events into one fact record per ticket (what statistics are computed from).

Event types and payloads: ``docs/protocol.md`` (``ticket.*``). Times are epoch seconds.
- wait: from issue to the first call, counted for the window of that call and the item issued;
- service: from ``ticket.started`` to ``ticket.finished`` (a ticket finished without a start
  has no service sample), counted for the finishing window and the item at finish;
- reprints: every ``ticket.printed`` after the first one of a ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reports.log import Event


@dataclass(slots=True)
class TicketFacts:
    id: str
    day: str
    number: str
    item: str
    """The item the ticket was issued for."""
    priority: str
    issued_at: float
    kiosk: str = ""
    final_item: str = ""
    """The item at the end (a transfer may change it)."""
    first_called_at: float | None = None
    first_window: str | None = None
    calls: int = 0
    recalls: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    finish_window: str | None = None
    outcome: str | None = None
    skips: int = 0
    """Times called without the applicant coming (requeued as a no-show)."""
    transfers: int = 0
    prints: int = 0
    print_failures: int = 0
    void_reason: str | None = None

    @property
    def wait_s(self) -> float | None:
        if self.first_called_at is None:
            return None
        return max(0.0, self.first_called_at - self.issued_at)

    @property
    def service_s(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return max(0.0, self.finished_at - self.started_at)

    @property
    def served(self) -> bool:
        return self.finished_at is not None

    @property
    def reprints(self) -> int:
        return max(0, self.prints - 1)


def fold(events: Iterable[Event]) -> dict[str, TicketFacts]:
    """Ticket id -> facts, for every ticket issued among ``events``."""
    tickets: dict[str, TicketFacts] = {}
    for e in events:
        d = e.data
        if e.type == "ticket.issued":
            t = d["ticket"]
            tickets[t["id"]] = TicketFacts(
                id=t["id"],
                day=t.get("day", e.day),
                number=t["number"],
                item=t["item"],
                final_item=t["item"],
                priority=t.get("priority", "normal"),
                issued_at=float(t["issued_at"]),
                kiosk=t.get("kiosk", ""),
            )
            continue
        if not e.type.startswith("ticket."):
            continue
        f = tickets.get(d.get("ticket", ""))
        if f is None:  # issued before the period (not in this report)
            continue
        if e.type == "ticket.printed":
            f.prints += 1
            if not d.get("ok", False):
                f.print_failures += 1
        elif e.type == "ticket.called":
            f.calls += 1
            if f.first_called_at is None:
                f.first_called_at = float(d["at"])
                f.first_window = d["window"]
        elif e.type == "ticket.recalled":
            f.recalls += 1
        elif e.type == "ticket.started":
            f.started_at = float(d["at"])
        elif e.type == "ticket.finished":
            f.finished_at = float(d["at"])
            f.finish_window = d.get("window")
            f.outcome = d.get("outcome")
        elif e.type == "ticket.requeued":
            if d.get("transfer"):
                f.transfers += 1
                f.final_item = d.get("item", f.final_item)
            else:
                f.skips += 1
            f.started_at = None
        elif e.type == "ticket.voided":
            f.void_reason = d.get("reason", "")
            if f.void_reason == "no_show":  # the last unanswered call voids the ticket
                f.skips += 1
    return tickets
