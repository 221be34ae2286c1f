"""Queue rules: which ticket a window calls, where a no-show goes back, when the hall is open.

The wait estimate is :mod:`broker.estimate`, and nothing else.

Pure functions over :class:`broker.state.HallState`; no clock, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from broker.state import HallState, Ticket
from hall.conf.model import Hours, QueueRules

REQUEUE_GAP_S = 0.0005
"""A requeued ticket sorts this far behind the ticket it is put after."""
ORDER_KEY_STEP = 0.001
"""Tickets issued in the same instant still get distinct order keys this far apart."""


def select_next(
    state: HallState,
    items: tuple[str, ...],
    window_id: str,
    now: float,
    rules: QueueRules,
) -> Ticket | None:
    """The ticket window ``window_id`` should call now.

    Highest priority rank first, then the longest wait. Two rules keep priority
    tickets from starving the normal queue: a normal ticket that has waited
    ``starvation_minutes`` goes first, and after ``max_consecutive_priority``
    priority calls in a row the window takes the oldest normal ticket.
    """
    heads = list(state.waiting_heads(items, window_id))
    if not heads:
        return None
    normals = [t for t in heads if t.rank == 0]
    if normals:
        oldest_normal = min(normals, key=lambda t: t.order_key)
        starving = now - oldest_normal.issued_at >= rules.starvation_minutes * 60
        window = state.window(window_id)
        if starving or window.consecutive_priority >= rules.max_consecutive_priority:
            return oldest_normal
    return min(heads, key=lambda t: (-t.rank, t.order_key))


def requeue_key(state: HallState, ticket: Ticket, behind: int, now: float) -> float:
    """Order key placing ``ticket`` behind ``behind`` tickets of its own queue (or last)."""
    queue = state.waiting_in_queue(ticket.item, ticket.rank)
    if not queue:
        return now
    index = min(behind, len(queue)) - 1
    if index < 0:
        return queue[0][0] - REQUEUE_GAP_S
    key = queue[index][0] + REQUEUE_GAP_S
    if index + 1 < len(queue):
        # Stay strictly before the next ticket, whatever the gap.
        key = min(key, (queue[index][0] + queue[index + 1][0]) / 2)
    return key


@dataclass(frozen=True)
class Clock:
    """Local time of the hall."""

    tz: ZoneInfo

    def local(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, self.tz)

    def business_day(self, ts: float) -> str:
        """The business day (local date) of a timestamp, e.g. ``2026-11-27``."""
        return self.local(ts).date().isoformat()


def hall_period(hours: Hours, local: datetime) -> str:
    """``open``, ``after_hours`` or ``closed`` at a local time."""
    if local.isoweekday() not in hours.weekdays:
        return "closed"
    now = local.time().replace(tzinfo=None)
    if any(s.start <= now < s.end for s in hours.sessions):
        return "open"
    if hours.after_hours.start <= now < hours.after_hours.end:
        return "after_hours"
    return "closed"
