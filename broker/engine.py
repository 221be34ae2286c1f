"""Command handlers: check a command against the state, then emit the events it causes.

The engine never changes state directly: each handler validates, then emits
events that :meth:`HallState.apply` folds in immediately (so the next command
in the same batch sees them). The service commits the emitted events before
anything is published. A refused command raises :class:`CommandRejected` and
emits nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from broker import rules
from broker.estimate import WaitEstimate, WaitEstimator, shown
from broker.state import ACTIVE, HallState, Ticket
from broker.waitcache import NewTicketWaits
from hall import protocol as p
from hall.conf import HallConfig
from hall.conf.model import Client, Role
from hall.protocol import CommandRejected

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EmittedEvent:
    seq: int
    type: str
    at: str
    day: str
    data: dict[str, Any]


class Engine:
    """Carries out commands for one hall against its :class:`HallState`."""

    def __init__(
        self,
        config: HallConfig,
        state: HallState,
        clock: Callable[[], float] = time.time,
        enforce_hours: bool = True,
    ):
        self.config = config
        self.state = state
        self.now = clock
        self.enforce_hours = enforce_hours
        self.clock = rules.Clock(config.tz)
        self.rules = config.hall_file.queue
        self.emitted: list[EmittedEvent] = []
        self.fold: Callable[[int, str, dict[str, Any]], None] = self.state.apply
        """Folds an emitted event; the service routes record domains' events to them."""
        self.actor: str | None = None
        """The staff id signed in at the client whose command is being carried out."""
        self.actor_of: Callable[[str], str | None] = lambda _client_id: None
        """Client id -> the staff signed in there (set by the staff domain)."""
        self.staff_at_window: Callable[[str], dict[str, Any] | None] = lambda _window: None
        """Window id -> who serves there (``{"staff", "name"}``), for its snapshot."""
        self.before_command: Callable[[Client, str, float], None] = lambda _c, _t, _now: None
        """Runs before each command but pings (set by the staff domain: a leave desk's sign-in
        that lapsed is signed out first, so the command finds nobody signed in there)."""
        self.clock_behind: str | None = None
        """The local date when the clock reads earlier than the open business day, else None."""
        self.estimator = WaitEstimator(config)
        self.new_waits = NewTicketWaits(config, self.estimator)
        self._prefix_windows: dict[str, set[str]] = {}
        self._prefix_default_minutes: dict[str, list[float]] = {}
        self._prefix_items: dict[str, list[str]] = {}
        for item in config.items:
            self._prefix_windows.setdefault(item.prefix, set()).update(item.windows)
            self._prefix_items.setdefault(item.prefix, []).append(item.code)
            self._prefix_default_minutes.setdefault(item.prefix, []).append(item.service_minutes)
        self._handlers: dict[str, Callable[[Client, Any, float], dict[str, Any]]] = {
            "ticket.issue": self._issue,
            "ticket.print_result": self._print_result,
            "ticket.status": self._ticket_status,
            "window.open": self._window_status("open"),
            "window.close": self._window_status("closed"),
            "window.pause": self._window_status("paused"),
            "window.resume": self._window_status("open"),
            "window.call_next": self._call_next,
            "window.call": self._call_number,
            "window.recall": self._recall,
            "window.start": self._start,
            "window.finish": self._finish,
            "window.skip": self._skip,
            "window.transfer": self._transfer,
            "window.after_hours": self._after_hours,
            "service.ping": self._ping,
        }

    # ------------------------------------------------------------ plumbing

    def add_handlers(self, handlers: dict[str, Callable[..., dict[str, Any]]]) -> None:
        """Commands of a record domain; each handler emits through :meth:`emit`."""
        for ctype, handler in handlers.items():
            if ctype in self._handlers:
                raise RuntimeError(f"command {ctype!r} has two handlers")
            self._handlers[ctype] = handler

    def execute(self, client: Client, ctype: str, args: p.Args) -> dict[str, Any]:
        """Carry out one authorised, validated command; return its result."""
        now = self.now()
        if ctype != "service.ping":
            self.roll_day(now)
            self.before_command(client, ctype, now)
        self.actor = self.actor_of(client.id)
        try:
            return self._handlers[ctype](client, args, now)
        finally:
            self.actor = None

    def take_emitted(self) -> list[EmittedEvent]:
        events, self.emitted = self.emitted, []
        return events

    def emit(self, etype: str, data: dict[str, Any], now: float) -> None:
        if self.actor is not None and "by" not in data:
            data = {**data, "by": self.actor}  # audit: who gave the command
        seq = self.state.seq + 1
        self.fold(seq, etype, data)
        at = self.clock.local(now).isoformat(timespec="milliseconds")
        day = self.state.day or self.clock.business_day(now)
        self.emitted.append(EmittedEvent(seq, etype, at, day, data))

    def roll_day(self, now: float) -> None:
        """Open a new business day when the local date changed; void yesterday's leftovers."""
        day = self.clock.business_day(now)
        if self.state.day is not None and day <= self.state.day:
            if day < self.state.day and self.clock_behind is None:
                # The wall clock went back (a step, or a bad NTP sync): the business day never
                # goes backwards, or today's numbers would be handed out a second time.
                log.warning(
                    "clock is behind the business day %s (local date %s)", self.state.day, day
                )
            self.clock_behind = day if day < self.state.day else None
            return
        self.clock_behind = None
        for t in list(self.state.tickets.values()):
            if t.status in ACTIVE:
                self.emit("ticket.voided", {"ticket": t.id, "reason": "day_closed"}, now)
        self.emit(
            "day.opened",
            {
                "day": day,
                "previous": self.state.day,
                "service_minutes": dict(self.state.service_minutes),
                "estimate": self.state.learned(),
                "windows": [w.id for w in self.config.windows],
            },
            now,
        )

    def period(self, now: float) -> str:
        if not self.enforce_hours:
            return "open"
        return rules.hall_period(self.config.hall_file.hours, self.clock.local(now))

    # ------------------------------------------------------------- queries

    def service_minutes(self, prefix: str) -> float:
        measured = self.state.service_minutes.get(prefix)
        if measured is not None:
            return measured
        defaults = self._prefix_default_minutes.get(prefix)
        if defaults:
            return sum(defaults) / len(defaults)
        return self.rules.default_service_minutes

    def open_windows(self, prefix: str) -> int:
        return sum(
            1
            for w in self._prefix_windows.get(prefix, ())
            if w in self.state.windows and self.state.windows[w].status == "open"
        )

    def new_ticket_waits(
        self, now: float, waiting: Callable[[], int] | None = None
    ) -> dict[str, WaitEstimate] | None:
        """Item -> the wait a new normal ticket of it would be told now (its issue reply).

        For a new ticket the estimate depends on the item only through its windows, so it is
        worked out once per set of windows (40 for the sample hall's 173 items), and kept until
        an event changes what it depends on (:mod:`broker.waitcache`). ``waiting`` (how many
        commands wait) is asked before each one worked out: None, once one does.
        """
        return self.new_waits.waits(self.state, now, self.period(now), waiting)

    def queue_summary(
        self,
        prefix: str,
        waits: dict[str, WaitEstimate],
        counts: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        """One prefix in ``state/queues``. Its items may be served at different windows, so
        its wait is that of its item with the most tickets waiting (``est_item``), exactly
        what a new normal ticket of that item would be told (``waits``:
        :meth:`new_ticket_waits`). ``counts``: tickets waiting per item, if already known."""
        # max() keeps the first of equals: the busiest item, or the prefix's first in items.toml
        of_item = self.state.waiting_of_item if counts is None else counts.__getitem__
        busiest = max(self._prefix_items[prefix], key=of_item)
        est = waits[busiest]
        return {
            "waiting": self.state.ahead_in_prefix(prefix, 0),
            "open_windows": self.open_windows(prefix),
            "service_minutes": round(self.service_minutes(prefix), 2),
            "est_item": busiest,
            "est_wait_min": est.minutes,
            "est_wait": est.public(),
            "last_issued": self.state.counters.get(prefix, 0),
        }

    def prefixes(self) -> list[str]:
        return sorted(self._prefix_windows)

    def ticket_wait(self, t: Ticket, now: float) -> dict[str, Any]:
        """``people_ahead``, ``est_wait_min`` and ``est_wait`` of a ticket where it stands now:
        for a waiting ticket the estimate of its issue, at its place now; none once called."""
        if t.status != "waiting":
            return {"people_ahead": 0, "est_wait_min": 0.0, "est_wait": shown(0.0, 0.0, 0.0)}
        est = self.estimator.for_ticket(self.state, t, now, self.period(now))
        return {
            "people_ahead": self.state.ahead_of(t),
            "est_wait_min": est.minutes,
            "est_wait": est.public(),
        }

    # -------------------------------------------------------------- kiosk

    def _issue(self, client: Client, a: p.IssueTicket, now: float) -> dict[str, Any]:
        item = self.config.item_by_code.get(a.item)
        if item is None:
            raise CommandRejected("unknown_item", f"no service item {a.item!r}", item=a.item)
        rank = self.config.priority_rank.get(a.priority)
        if rank is None:
            raise CommandRejected("unknown_priority", f"no priority class {a.priority!r}")
        chosen = next(c for c in self.config.hall_file.priority if c.code == a.priority)
        if client.role is Role.KIOSK and not chosen.kiosk:
            raise CommandRejected(
                "priority_not_allowed", f"priority {a.priority!r} is given by the guide officer"
            )
        if item.real_name:
            self._check_real_name(a)
        period = self.period(now)
        if period == "closed":
            raise CommandRejected("hall_closed", "the hall is closed")
        if period == "after_hours" and not any(
            self.state.window(w).after_hours and self.state.window(w).status == "open"
            for w in item.windows
        ):
            raise CommandRejected(
                "hall_closed", "after hours: no after-hours window serves this item", item=item.code
            )
        # Order keys are unique, so a requeued no-show can always be slotted between two.
        order_key = max(now, self.state.last_order_key + rules.ORDER_KEY_STEP)
        serial = self.state.counters.get(item.prefix, 0) + 1
        number = f"{item.prefix}{serial:03d}"
        day = self.state.day or self.clock.business_day(now)
        compact = day.replace("-", "")
        ticket = Ticket(
            id=f"{compact}-{number}",
            ref=f"{self.config.code}-{compact}-{number}",
            day=day,
            number=number,
            prefix=item.prefix,
            serial=serial,
            item=item.code,
            priority=a.priority,
            rank=rank,
            issued_at=now,
            order_key=order_key,
            kiosk=client.id,
            lang=a.lang,
            id_masked=a.id_masked,
            id_hash=a.id_hash,
            case_no=a.case_no,
        )
        ahead = self.state.ahead_in_prefix(item.prefix, rank)
        open_n = self.open_windows(item.prefix)
        est = self.estimator.estimate(self.state, item.code, rank, now, period)
        wait = {"est_wait_min": est.minutes, "est_wait": est.public()}
        self.emit("ticket.issued", {"ticket": ticket.public(), "ahead": ahead, **wait}, now)
        return {
            "ticket": self.state.tickets[ticket.id].public(),
            "people_ahead": ahead,
            **wait,
            "open_windows": open_n,
            "windows": list(item.windows),
        }

    def _check_real_name(self, a: p.IssueTicket) -> None:
        """實名取號: an ID scan is needed, and one person takes at most N tickets a day."""
        if not a.id_hash or not a.id_masked:
            raise CommandRejected("real_name_required", f"item {a.item} needs an ID scan")
        limit = self.config.hall_file.queue.real_name_daily_limit
        taken = self.state.per_person.get(a.id_hash, 0)
        if taken >= limit:
            raise CommandRejected(
                "real_name_limit", f"{taken} tickets today for this person", limit=limit
            )

    def _ticket_status(self, client: Client, a: p.TicketQuery, now: float) -> dict[str, Any]:
        """Where a ticket stands: waiting (with the tickets before it), called, done."""
        t = self._find_ticket(a.ticket)
        item = self.config.item_by_code[t.item]
        windows = [t.target_window] if t.target_window else list(item.windows)
        return {"ticket": t.public(), **self.ticket_wait(t, now), "windows": windows}

    def _print_result(self, client: Client, a: p.PrintResult, now: float) -> dict[str, Any]:
        t = self._find_ticket(a.ticket)
        if t.kiosk != client.id:
            raise CommandRejected(
                "not_your_ticket", f"ticket {t.number} was issued by another kiosk"
            )
        self.emit("ticket.printed", {"ticket": t.id, "ok": a.ok, "error": a.error}, now)
        return {"ticket": t.public()}

    def _find_ticket(self, key: str) -> Ticket:
        t = self.state.tickets.get(key) or self.state.ticket_by_number(key)
        if t is None:
            t = next((x for x in self.state.tickets.values() if x.ref == key), None)
        if t is None:
            raise CommandRejected("unknown_ticket", f"no ticket {key!r} today", ticket=key)
        return t

    # ------------------------------------------------------------- window

    def _window_of(self, client: Client) -> str:
        if client.window is None or client.window not in self.config.window_by_id:
            raise CommandRejected("not_a_window", f"client {client.id} commands no window")
        return client.window

    def _current(self, window_id: str) -> Ticket | None:
        current = self.state.window(window_id).current
        t = self.state.tickets.get(current) if current else None
        return t if t is not None and t.status in ("called", "serving") else None

    def _require_current(self, window_id: str, *statuses: str) -> Ticket:
        t = self._current(window_id)
        if t is None:
            raise CommandRejected("no_current_ticket", f"window {window_id} has no ticket called")
        if statuses and t.status not in statuses:
            raise CommandRejected(
                "wrong_ticket_state", f"ticket {t.number} is {t.status}", status=t.status
            )
        return t

    def _require_idle(self, window_id: str) -> None:
        t = self._current(window_id)
        if t is not None:
            raise CommandRejected(
                "window_busy",
                f"window {window_id} is still on ticket {t.number}: finish, skip or transfer it",
                current=t.number,
            )

    def _window_status(self, status: str) -> Callable[[Client, Any, float], dict[str, Any]]:
        def handler(client: Client, _a: p.NoArgs, now: float) -> dict[str, Any]:
            window_id = self._window_of(client)
            w = self.state.window(window_id)
            if status == "open" and w.status == "open":
                return {"window": w.public()}
            if status in ("closed", "paused"):
                self._require_idle(window_id)
            self.emit("window.changed", {"window": window_id, "status": status}, now)
            return {"window": self.state.window(window_id).public()}

        return handler

    def _after_hours(self, client: Client, a: p.AfterHours, now: float) -> dict[str, Any]:
        window_id = self._window_of(client)
        if not self.config.window_by_id[window_id].after_hours:
            raise CommandRejected(
                "not_after_hours_window", f"window {window_id} gives no after-hours service"
            )
        self.emit("window.changed", {"window": window_id, "after_hours": a.on}, now)
        return {"window": self.state.window(window_id).public()}

    def _ready_to_call(self, window_id: str, now: float) -> None:
        w = self.state.window(window_id)
        if w.status != "open":
            raise CommandRejected(f"window_{w.status}", f"window {window_id} is {w.status}")
        period = self.period(now)
        if period == "closed" or (period == "after_hours" and not w.after_hours):
            raise CommandRejected("hall_closed", "the hall is closed for this window")
        self._require_idle(window_id)

    def _call_next(self, client: Client, _a: p.NoArgs, now: float) -> dict[str, Any]:
        window_id = self._window_of(client)
        self._ready_to_call(window_id, now)
        items = self.config.items_by_window.get(window_id, ())
        t = rules.select_next(self.state, items, window_id, now, self.rules)
        if t is None:
            return {"ticket": None}
        self.emit("ticket.called", self._call_data(t, window_id, now), now)
        return {"ticket": t.public()}

    def _call_number(self, client: Client, a: p.CallTicket, now: float) -> dict[str, Any]:
        window_id = self._window_of(client)
        self._ready_to_call(window_id, now)
        t = self._find_ticket(a.number)
        if t.status != "waiting":
            raise CommandRejected("ticket_not_waiting", f"ticket {t.number} is {t.status}")
        served = t.item in self.config.items_by_window.get(window_id, ())
        if not served and t.target_window != window_id:
            raise CommandRejected(
                "not_served_here", f"window {window_id} does not serve ticket {t.number}"
            )
        self.emit("ticket.called", self._call_data(t, window_id, now), now)
        return {"ticket": t.public()}

    @staticmethod
    def _call_data(t: Ticket, window_id: str, now: float) -> dict[str, Any]:
        """A call as a display needs it: number and item ride along with the ticket id."""
        return {"ticket": t.id, "number": t.number, "item": t.item, "window": window_id, "at": now}

    def _recall(self, client: Client, _a: p.NoArgs, now: float) -> dict[str, Any]:
        t = self._require_current(self._window_of(client), "called")
        self.emit("ticket.recalled", self._call_data(t, t.window or "", now), now)
        return {"ticket": t.public()}

    def _start(self, client: Client, _a: p.NoArgs, now: float) -> dict[str, Any]:
        t = self._require_current(self._window_of(client), "called")
        self.emit("ticket.started", {"ticket": t.id, "window": t.window, "at": now}, now)
        return {"ticket": t.public()}

    def _finish(self, client: Client, a: p.Finish, now: float) -> dict[str, Any]:
        t = self._require_current(self._window_of(client))
        # Measured from window.start only: a ticket finished without a start has no sample.
        service_s = None if t.started_at is None else round(max(0.0, now - t.started_at), 3)
        item = self.config.item_by_code.get(t.item)
        self.emit(
            "ticket.finished",
            {
                "ticket": t.id,
                "window": t.window,
                "at": now,
                "outcome": a.outcome.value,
                "service_s": service_s,
                "item_min": item.service_minutes if item else None,
                "note": a.note,
            },
            now,
        )
        return {"ticket": t.public()}

    def _skip(self, client: Client, _a: p.NoArgs, now: float) -> dict[str, Any]:
        window_id = self._window_of(client)
        t = self._require_current(window_id, "called")
        skips = t.skips + 1
        if skips > self.rules.max_skips:
            self.emit(
                "ticket.voided",
                {"ticket": t.id, "reason": "no_show", "skips": skips, "window": window_id},
                now,
            )
            return {"ticket": t.public(), "requeued": False}
        key = rules.requeue_key(self.state, t, self.rules.requeue_behind, now)
        self.emit(
            "ticket.requeued",
            {
                "ticket": t.id,
                "skips": skips,
                "order_key": key,
                "window": window_id,
                "target_window": None,
            },
            now,
        )
        return {"ticket": t.public(), "requeued": True}

    def _transfer(self, client: Client, a: p.Transfer, now: float) -> dict[str, Any]:
        window_id = self._window_of(client)
        t = self._require_current(window_id)
        if a.to_window is None and a.to_item is None:
            raise CommandRejected("invalid_args", "transfer needs to_window or to_item")
        if a.to_window is not None and a.to_window not in self.config.window_by_id:
            raise CommandRejected("unknown_window", f"no window {a.to_window!r}")
        if a.to_window == window_id and a.to_item is None:
            raise CommandRejected(
                "invalid_args", "a ticket cannot be transferred to its own window"
            )
        item = t.item
        if a.to_item is not None:
            target_item = self.config.item_by_code.get(a.to_item)
            if target_item is None:
                raise CommandRejected("unknown_item", f"no service item {a.to_item!r}")
            if a.to_window is not None and a.to_window not in target_item.windows:
                raise CommandRejected(
                    "not_served_here", f"window {a.to_window} does not serve item {a.to_item}"
                )
            item = target_item.code
        data: dict[str, Any] = {
            "ticket": t.id,
            "order_key": t.order_key,
            "item": item,
            "target_window": a.to_window,
            "transfer": True,
            "window": window_id,
            "at": now,
            "note": a.note,
        }
        self.emit("ticket.requeued", data, now)
        return {"ticket": self.state.tickets[t.id].public()}

    def _ping(self, client: Client, a: p.Ping, now: float) -> dict[str, Any]:
        return {
            "pong": a.nonce,
            "seq": self.state.seq,
            "at": datetime.fromtimestamp(now).isoformat(),
        }
