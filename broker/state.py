"""Hall state as a fold over the event log.

:class:`HallState` changes only through :meth:`HallState.apply`, one event at a
time, so replaying the log rebuilds exactly the state the service had. Nothing
here reads the clock or the config: everything an event needs is in its data.
A ``day.opened`` event resets the day and carries what outlives it (measured
service times), so a restart replays only from the last one.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, make_dataclass
from enum import Enum
from typing import Any, ClassVar

from pydantic import BaseModel

from hall.contract.queue import Ticket as TicketView

ACTIVE = ("waiting", "called", "serving")
AGE_EDGES_MIN = (0.0, 15.0, 30.0, 60.0, 120.0)
"""Lower edges (minutes waited) of the buckets in which calls and no-shows are counted."""


def _record(model: type[BaseModel], doc: str) -> Any:
    """A mutable slots dataclass with ``model``'s fields (names, order, defaults), and
    ``public()``, the shallow dict of them that is published.

    The contract's read model validates what clients read; the fold changes a record in place
    and builds one per ticket issued, which a validating model would make several times
    slower. So the fields are defined once, in the contract, and the record is made from them.
    An enum default becomes its string value: the record holds what the log holds.
    """
    specs: list[tuple[str, Any, Any]] = []
    for name, info in model.model_fields.items():
        if info.is_required():
            specs.append((name, info.annotation, field()))
        else:
            default = info.default.value if isinstance(info.default, Enum) else info.default
            specs.append((name, info.annotation, field(default=default)))
    names = tuple(model.model_fields)

    def public(self: Any) -> dict[str, Any]:
        """What clients see (a shallow copy: every field is a scalar; ``asdict``'s deep copy
        took half the engine's time per command)."""
        return {name: getattr(self, name) for name in names}

    return make_dataclass(
        model.__name__,
        specs,
        slots=True,
        namespace={"public": public, "__module__": __name__, "__doc__": doc},
    )


Ticket = _record(
    TicketView,
    """A ticket as the queue service holds it: the fields of ``hall.contract.queue.Ticket``
    (documented there), mutable, changed only by :meth:`HallState.apply`.""",
)


@dataclass(slots=True)
class WindowState:
    id: str
    status: str = "closed"
    """``open``, ``paused`` or ``closed``."""
    after_hours: bool = False
    current: str | None = None
    """The ticket called to or served at this window."""
    consecutive_priority: int = 0
    served: int = 0

    def public(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _WINDOW_FIELDS}


_WINDOW_FIELDS = tuple(f.name for f in fields(WindowState))


@dataclass(slots=True)
class Call:
    ticket: str
    number: str
    window: str
    at: float
    calls: int


@dataclass
class HallState:
    """Everything the queue service knows about the current business day."""

    recent_limit: int = 8
    seq: int = 0
    day: str | None = None
    tickets: dict[str, Ticket] = field(default_factory=dict)
    by_number: dict[str, str] = field(default_factory=dict)
    per_person: dict[str, int] = field(default_factory=dict)
    """``id_hash`` -> today's tickets issued with it (實名取號: the daily limit per person)."""
    counters: dict[str, int] = field(default_factory=dict)
    windows: dict[str, WindowState] = field(default_factory=dict)
    service_minutes: dict[str, float] = field(default_factory=dict)
    """Measured service time per prefix (EWMA, minutes); survives the day."""
    service_pace: dict[str, float] = field(default_factory=dict)
    """Per window: measured / configured service time (EWMA from 1.0); survives the day."""
    arrivals: dict[str, deque[tuple[float, int]]] = field(default_factory=dict)
    """item -> (issued_at, rank) of its tickets of the last :attr:`ARRIVALS_KEEP_S`."""
    calls_by_age: list[float] = field(default_factory=lambda: [0.0] * len(AGE_EDGES_MIN))
    skips_by_age: list[float] = field(default_factory=lambda: [0.0] * len(AGE_EDGES_MIN))
    """Calls by how long the ticket had waited (:attr:`AGE_EDGES_MIN`), and those of them
    that ended in a skip (the applicant had left); halved at each new day."""
    recent_calls: deque[Call] = field(default_factory=deque)
    waiting: dict[str, dict[int, list[tuple[float, str]]]] = field(default_factory=dict)
    """item -> rank -> sorted [(order_key, ticket id)] of tickets waiting for any window."""
    targeted: dict[str, list[tuple[int, float, str]]] = field(default_factory=dict)
    """window -> sorted [(-rank, order_key, ticket id)] of tickets transferred to that window."""
    waiting_per_prefix: dict[tuple[str, int], int] = field(default_factory=dict)
    waiting_per_item: dict[str, int] = field(default_factory=dict)
    """item -> its tickets in :attr:`waiting` (all ranks)."""
    last_order_key: float = 0.0
    dirty: set[str] = field(default_factory=set)
    """Snapshot names changed since the last publish (``board``, ``queues``, ``window/W01``)."""
    revision: int = 0
    """Counts the changes to what a wait estimate reads but the clock and :meth:`presence`:
    an item's waiting queues and arrivals, a window's status, pace, ticket at the counter and
    tickets sent to it (``broker.waitcache`` keeps estimates until these change)."""
    item_revision: dict[str, int] = field(default_factory=dict)
    """item -> :attr:`revision` at its last change."""
    window_revision: dict[str, int] = field(default_factory=dict)
    """window -> :attr:`revision` at its last change."""
    layout_revision: int = 0
    """Counts the changes to which windows share which queue: a window opened, paused, closed,
    put in after-hours mode or its pace changed, an item's first ticket of the day."""

    EWMA_ALPHA: ClassVar[float] = 0.2
    PACE_ALPHA: ClassVar[float] = 0.1
    MIN_SERVICE_S: ClassVar[float] = 20.0
    """A start-to-finish time shorter than this is a slip of the finger, not a service."""
    PACE_BOUNDS: ClassVar[tuple[float, float]] = (0.1, 6.0)
    """A sample outside these multiples of the item's configured minutes is not counted."""
    ARRIVALS_KEEP_S: ClassVar[float] = 3600.0
    AGE_EDGES_MIN: ClassVar[tuple[float, ...]] = AGE_EDGES_MIN
    PRESENCE_PRIOR_CALLS: ClassVar[float] = 10.0

    # ------------------------------------------------------------ queries

    def window(self, window_id: str) -> WindowState:
        state = self.windows.get(window_id)
        if state is None:
            state = self.windows[window_id] = WindowState(window_id)
        return state

    def learned(self) -> dict[str, Any]:
        """What the wait estimate learned; a new day's ``day.opened`` carries it over."""
        return {
            "service_pace": dict(self.service_pace),
            "calls_by_age": [round(c, 3) for c in self.calls_by_age],
            "skips_by_age": [round(c, 3) for c in self.skips_by_age],
        }

    def presence(self) -> list[float]:
        """Per wait bucket: the share of calls the applicant answered (prior: all of them)."""
        prior = self.PRESENCE_PRIOR_CALLS
        return [
            1.0 - s / (c + prior) for c, s in zip(self.calls_by_age, self.skips_by_age, strict=True)
        ]

    def _age_bucket(self, t: Ticket, at: float | None) -> int:
        age = ((at or t.issued_at) - t.issued_at) / 60
        return bisect.bisect_right(self.AGE_EDGES_MIN, age) - 1

    def ticket_by_number(self, number: str) -> Ticket | None:
        ticket_id = self.by_number.get(number)
        return self.tickets.get(ticket_id) if ticket_id else None

    def waiting_heads(self, items: tuple[str, ...], window_id: str) -> Iterator[Ticket]:
        """The first waiting ticket of every (item, rank) queue this window serves."""
        for item in items:
            for queue in self.waiting.get(item, {}).values():
                if queue:
                    yield self.tickets[queue[0][1]]
        targeted = self.targeted.get(window_id)
        if targeted:
            yield self.tickets[targeted[0][2]]

    def waiting_of_item(self, item: str) -> int:
        return self.waiting_per_item.get(item, 0)

    def ahead_in_prefix(self, prefix: str, rank: int) -> int:
        """Waiting tickets of ``prefix`` that go before a new ticket of ``rank``."""
        return sum(n for (p, r), n in self.waiting_per_prefix.items() if p == prefix and r >= rank)

    def ahead_of(self, t: Ticket) -> int:
        """Waiting tickets of ``t``'s prefix that go before it: of a higher rank, or of its
        rank and placed before it (sent to a window or not). For a ticket just issued this is
        :meth:`ahead_in_prefix` of its rank: ``people_ahead`` means the same in both replies."""
        mine = (t.order_key, t.id)
        count = 0
        for queues in self.waiting.values():
            for rank, queue in queues.items():
                if rank > t.rank:
                    count += sum(1 for _k, tid in queue if self.tickets[tid].prefix == t.prefix)
                elif rank == t.rank:
                    end = bisect.bisect_left(queue, mine)
                    count += sum(
                        1 for _k, tid in queue[:end] if self.tickets[tid].prefix == t.prefix
                    )
        for targeted in self.targeted.values():
            for neg_rank, key, tid in targeted:
                if -neg_rank > t.rank or (-neg_rank == t.rank and (key, tid) < mine):
                    count += self.tickets[tid].prefix == t.prefix
        return count

    def waiting_in_queue(self, item: str, rank: int) -> list[tuple[float, str]]:
        return self.waiting.get(item, {}).get(rank, [])

    def changed_since(self, revision: int) -> tuple[list[str], list[str]]:
        """The items and windows changed after :attr:`revision` was ``revision``."""
        if revision >= self.revision:
            return [], []
        items = [j for j, r in self.item_revision.items() if r > revision]
        windows = [w for w, r in self.window_revision.items() if r > revision]
        return items, windows

    def _changed(self, items: Iterable[str] = (), windows: Iterable[str] = ()) -> None:
        self.revision += 1
        for j in items:
            self.item_revision[j] = self.revision
        for w in windows:
            self.window_revision[w] = self.revision

    # -------------------------------------------------------------- apply

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        """Fold one event into the state."""
        if seq != self.seq + 1 and self.seq:
            raise ValueError(f"event {seq} applied after {self.seq}: the log has a gap")
        handler = self._HANDLERS.get(etype)
        if handler is None:
            raise ValueError(f"unknown event type {etype!r} at seq {seq}")
        handler(self, data)
        self.seq = seq

    @classmethod
    def add_folds(cls, folds: dict[str, Callable[[HallState, dict[str, Any]], None]]) -> None:
        """Folds of queue events that another domain module adds (the guide's moves)."""
        for etype, fold in folds.items():
            if cls._HANDLERS.get(etype, fold) is not fold:
                raise RuntimeError(f"event {etype!r} already has a fold")
            cls._HANDLERS[etype] = fold

    def skip(self, seq: int) -> None:
        """Advance past an event that belongs to a record domain (not the queue's)."""
        if seq != self.seq + 1 and self.seq:
            raise ValueError(f"event {seq} applied after {self.seq}: the log has a gap")
        self.seq = seq

    def _enqueue(self, t: Ticket) -> None:
        if t.target_window:
            bisect.insort(
                self.targeted.setdefault(t.target_window, []), (-t.rank, t.order_key, t.id)
            )
            self._changed(windows=(t.target_window,))
        else:
            if t.item not in self.waiting:
                self.layout_revision += 1  # its windows now share its queue
            queues = self.waiting.setdefault(t.item, {})
            bisect.insort(queues.setdefault(t.rank, []), (t.order_key, t.id))
            self.waiting_per_item[t.item] = self.waiting_per_item.get(t.item, 0) + 1
            self._changed(items=(t.item,))
        key = (t.prefix, t.rank)
        self.waiting_per_prefix[key] = self.waiting_per_prefix.get(key, 0) + 1
        self.dirty.add("queues")

    def _dequeue(self, t: Ticket) -> None:
        if t.target_window:
            queue: list[Any] = self.targeted.get(t.target_window, [])
            entry: tuple[Any, ...] = (-t.rank, t.order_key, t.id)
            self._changed(windows=(t.target_window,))
        else:
            queue = self.waiting.get(t.item, {}).get(t.rank, [])
            entry = (t.order_key, t.id)
            self._changed(items=(t.item,))
        index = bisect.bisect_left(queue, entry)
        if index < len(queue) and queue[index] == entry:
            del queue[index]
            key = (t.prefix, t.rank)
            self.waiting_per_prefix[key] -= 1
            if not t.target_window:
                self.waiting_per_item[t.item] -= 1
        self.dirty.add("queues")

    def _touch_window(self, window_id: str | None) -> None:
        if window_id:
            self.dirty.add(f"window/{window_id}")
            self.dirty.add("board")
            self._changed(windows=(window_id,))

    def _release_window(self, t: Ticket) -> None:
        if t.window:
            w = self.window(t.window)
            if w.current == t.id:
                w.current = None
            self._touch_window(t.window)

    def _on_day_opened(self, d: dict[str, Any]) -> None:
        self.day = d["day"]
        self.tickets.clear()
        self.by_number.clear()
        self.per_person.clear()
        self.counters.clear()
        self.waiting.clear()
        self.targeted.clear()
        self.waiting_per_prefix.clear()
        self.waiting_per_item.clear()
        self.recent_calls.clear()
        self.service_minutes = dict(d.get("service_minutes", {}))
        learned = d.get("estimate") or {}
        self.service_pace = dict(learned.get("service_pace", self.service_pace))
        calls = learned.get("calls_by_age", self.calls_by_age)
        skips = learned.get("skips_by_age", self.skips_by_age)
        if len(calls) != len(AGE_EDGES_MIN) or len(skips) != len(calls):
            calls = skips = [0.0] * len(AGE_EDGES_MIN)  # counted in other buckets: start over
        self.calls_by_age = [c / 2 for c in calls]
        self.skips_by_age = [c / 2 for c in skips]
        self.arrivals.clear()
        for w in d.get("windows", []):
            self.windows[w] = WindowState(w)
        # Every item and window that had anything (each was marked then) starts afresh.
        self.layout_revision += 1
        self._changed(
            (*self.item_revision,), (*self.window_revision, *self.windows, *self.service_pace)
        )
        for w in self.windows.values():
            w.status, w.current, w.after_hours, w.consecutive_priority, w.served = (
                "closed",
                None,
                False,
                0,
                0,
            )
        self.dirty.update({"board", "queues", "service"}, {f"window/{w}" for w in self.windows})

    def _on_issued(self, d: dict[str, Any]) -> None:
        t = Ticket(**d["ticket"])
        self.tickets[t.id] = t
        self.by_number[t.number] = t.id
        if t.id_hash:
            self.per_person[t.id_hash] = self.per_person.get(t.id_hash, 0) + 1
        self.counters[t.prefix] = max(self.counters.get(t.prefix, 0), t.serial)
        self.last_order_key = max(self.last_order_key, t.order_key)
        self._enqueue(t)
        if t.item not in self.arrivals:
            self.layout_revision += 1
        recent = self.arrivals.setdefault(t.item, deque())
        recent.append((t.issued_at, t.rank))
        self._changed(items=(t.item,))
        while recent[0][0] < t.issued_at - self.ARRIVALS_KEEP_S:
            recent.popleft()

    def _on_printed(self, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket"]]
        t.printed = "printed" if d["ok"] else "failed"
        t.print_error = d.get("error", "")

    def _on_called(self, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket"]]
        self._dequeue(t)
        t.status, t.window, t.target_window = "called", d["window"], None
        t.calls += 1
        t.called_at = d["at"]
        self.calls_by_age[self._age_bucket(t, t.called_at)] += 1
        w = self.window(d["window"])
        w.current = t.id
        w.consecutive_priority = w.consecutive_priority + 1 if t.rank > 0 else 0
        self._record_call(t)

    def _on_recalled(self, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket"]]
        t.calls += 1
        self._record_call(t, at=d["at"])

    def _record_call(self, t: Ticket, at: float | None = None) -> None:
        assert t.window is not None
        self.recent_calls.appendleft(
            Call(t.id, t.number, t.window, at or t.called_at or 0.0, t.calls)
        )
        while len(self.recent_calls) > self.recent_limit:
            self.recent_calls.pop()
        self._touch_window(t.window)

    def _on_started(self, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket"]]
        t.status, t.started_at = "serving", d["at"]
        self._touch_window(t.window)
        self.dirty.add("queues")  # the wait estimate counts what is left at the counter

    def _on_finished(self, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket"]]
        t.status, t.finished_at, t.outcome = "done", d["at"], d["outcome"]
        self._measure(t, d.get("service_s"), d.get("item_min"))
        if t.window:
            self.window(t.window).served += 1
        self._release_window(t)
        self.dirty.add("queues")

    def _measure(self, t: Ticket, service_s: float | None, item_min: float | None) -> None:
        """Fold one start-to-finish time into the measured minutes and the window's pace.

        No sample without a start (``service_s`` null), none implausibly short or far from the
        item's configured minutes; the configured minutes are the prior each mean starts from,
        so one sample moves it only part of the way.
        """
        if service_s is None or service_s < self.MIN_SERVICE_S:
            return
        minutes = service_s / 60.0
        if item_min:
            ratio = minutes / item_min
            if not self.PACE_BOUNDS[0] <= ratio <= self.PACE_BOUNDS[1]:
                return
            if t.window:
                pace = self.service_pace.get(t.window, 1.0)
                self.service_pace[t.window] = pace + self.PACE_ALPHA * (ratio - pace)
                self._changed(windows=(t.window,))
                self.layout_revision += 1
        elif minutes > 240:
            return
        old = self.service_minutes.get(t.prefix, item_min)
        self.service_minutes[t.prefix] = (
            minutes if old is None else old + self.EWMA_ALPHA * (minutes - old)
        )

    def _on_requeued(self, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket"]]
        if t.status == "waiting":
            self._dequeue(t)
        else:
            self._release_window(t)
        if "skips" in d:
            self.skips_by_age[self._age_bucket(t, t.called_at)] += 1
        t.status = "waiting"
        t.skips = d.get("skips", t.skips)
        t.order_key = d["order_key"]
        if "item" in d:
            t.item = d["item"]
        t.target_window = d.get("target_window")
        if d.get("transfer"):
            t.transfers += 1
        t.window = None
        self._enqueue(t)

    def _on_voided(self, d: dict[str, Any]) -> None:
        t = self.tickets[d["ticket"]]
        if t.status == "waiting":
            self._dequeue(t)
        else:
            self._release_window(t)
        if d["reason"] == "no_show":
            self.skips_by_age[self._age_bucket(t, t.called_at)] += 1
        t.status, t.void_reason = "void", d["reason"]
        t.skips = d.get("skips", t.skips)

    def _on_window(self, d: dict[str, Any]) -> None:
        w = self.window(d["window"])
        self.layout_revision += 1
        if "status" in d:
            w.status = d["status"]
        if "after_hours" in d:
            w.after_hours = d["after_hours"]
        self._touch_window(w.id)
        self.dirty.add("queues")

    _HANDLERS: ClassVar[dict[str, Callable[[HallState, dict[str, Any]], None]]] = {
        "day.opened": _on_day_opened,
        "ticket.issued": _on_issued,
        "ticket.printed": _on_printed,
        "ticket.called": _on_called,
        "ticket.recalled": _on_recalled,
        "ticket.started": _on_started,
        "ticket.finished": _on_finished,
        "ticket.requeued": _on_requeued,
        "ticket.voided": _on_voided,
        "window.changed": _on_window,
    }


EVENT_TYPES = tuple(HallState._HANDLERS)
