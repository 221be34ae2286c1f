"""Carry simulated days out on the real engine, on a simulated clock, and record what happened.

The engine, its state and its rules are the queue service's own
(:class:`broker.engine.Engine`, :class:`broker.state.HallState`); only the clock
is simulated, so a day takes seconds. Every command's arguments are checked by
the protocol's own models (:func:`hall.protocol.parse_args`) as the service does.
What happened is read back from the events the engine emitted, as any client
of the service would.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from broker.engine import EmittedEvent, Engine
from broker.state import HallState
from hall.conf import HallConfig
from hall.protocol import CommandRejected, parse_args
from simulation.params import SimParams
from simulation.traffic import Answer, Demand, TimedCommand, day_traffic, working_days


class SimClock:
    """The engine's clock: set by the driver to each command's time."""

    def __init__(self, t: float = 0.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@dataclass(slots=True)
class TicketRecord:
    """One ticket's life, read from the event stream."""

    id: str
    day: str
    number: str
    prefix: str
    item: str
    priority: str
    issued_at: float
    ahead: int
    estimate_min: float
    """What the engine printed on the ticket."""
    naive_min: float
    """People ahead x the item's configured minutes / windows configured for it."""
    legacy_min: float
    """People ahead x the prefix's measured minutes / open windows of the prefix."""
    naive_item_min: float = 0.0
    """Like ``naive_min`` with only the ticket's own item queue counted as ahead."""
    est_range: tuple[float, float] | None = None
    shown_min: int | None = None
    called_at: float | None = None
    status: str = "waiting"
    void_reason: str | None = None
    events: int = 1

    @property
    def wait_min(self) -> float | None:
        """The wait it really had: issue to first call."""
        return None if self.called_at is None else (self.called_at - self.issued_at) / 60


@dataclass(slots=True)
class WindowRecord:
    open_s: float = 0.0
    busy_s: float = 0.0
    opened_at: float | None = None
    started_at: float | None = None


@dataclass
class DayRecord:
    day: str
    tickets: dict[str, TicketRecord] = field(default_factory=dict)
    windows: dict[str, WindowRecord] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)
    longest: tuple[int, str, float] = (0, "", 0.0)
    """(length, prefix, time) of the longest queue seen."""
    commands: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    engine_s: float = 0.0
    issued_ok: set[str] = field(default_factory=set)
    """Ticket ids the kiosks were told they got (from the replies)."""
    duplicate_issues: int = 0


class Tracker:
    """Folds emitted events into per-day records (what a statistics client would do)."""

    def __init__(self, config: HallConfig):
        self.config = config
        self.days: dict[str, DayRecord] = {}
        self.by_ticket: dict[str, DayRecord] = {}
        self.pending_legacy: float = 0.0
        self.pending_item_ahead: int = 0

    def day(self, day: str) -> DayRecord:
        rec = self.days.get(day)
        if rec is None:
            rec = self.days[day] = DayRecord(day)
        return rec

    def apply(self, events: Iterable[EmittedEvent]) -> None:
        for e in events:
            handler = getattr(self, "_on_" + e.type.replace(".", "_"), None)
            if handler is not None:
                handler(e)

    def _queue(self, rec: DayRecord, prefix: str, delta: int, at: float) -> None:
        n = rec.waiting.get(prefix, 0) + delta
        rec.waiting[prefix] = n
        if n > rec.longest[0]:
            rec.longest = (n, prefix, at)

    def _on_ticket_issued(self, e: EmittedEvent) -> None:
        t = e.data["ticket"]
        rec = self.day(t["day"])
        if t["id"] in rec.tickets:
            rec.duplicate_issues += 1
            return
        item = self.config.item_by_code[t["item"]]
        ahead = e.data["ahead"]
        tr = TicketRecord(
            id=t["id"],
            day=t["day"],
            number=t["number"],
            prefix=t["prefix"],
            item=t["item"],
            priority=t["priority"],
            issued_at=t["issued_at"],
            ahead=ahead,
            estimate_min=e.data["est_wait_min"],
            naive_min=ahead * item.service_minutes / len(item.windows),
            legacy_min=self.pending_legacy,
            naive_item_min=self.pending_item_ahead * item.service_minutes / len(item.windows),
        )
        shown = e.data.get("est_wait")
        if isinstance(shown, dict):
            tr.shown_min = shown.get("minutes")
            rng = shown.get("range")
            tr.est_range = (rng[0], rng[1]) if rng else None
        rec.tickets[tr.id] = tr
        self.by_ticket[tr.id] = rec
        self._queue(rec, tr.prefix, +1, tr.issued_at)

    def _ticket(self, e: EmittedEvent) -> tuple[DayRecord, TicketRecord]:
        rec = self.by_ticket[e.data["ticket"]]
        tr = rec.tickets[e.data["ticket"]]
        tr.events += 1
        return rec, tr

    def _on_ticket_called(self, e: EmittedEvent) -> None:
        rec, tr = self._ticket(e)
        if tr.called_at is None:
            tr.called_at = e.data["at"]
        tr.status = "called"
        self._queue(rec, tr.prefix, -1, e.data["at"])

    def _on_ticket_started(self, e: EmittedEvent) -> None:
        rec, tr = self._ticket(e)
        tr.status = "serving"
        rec.windows.setdefault(e.data["window"], WindowRecord()).started_at = e.data["at"]

    def _end_service(self, rec: DayRecord, window: str | None, at: float) -> None:
        w = rec.windows.get(window or "")
        if w is not None and w.started_at is not None:
            w.busy_s += at - w.started_at
            w.started_at = None

    def _on_ticket_finished(self, e: EmittedEvent) -> None:
        rec, tr = self._ticket(e)
        tr.status = "done"
        self._end_service(rec, e.data.get("window"), e.data["at"])

    def _on_ticket_requeued(self, e: EmittedEvent) -> None:
        rec, tr = self._ticket(e)
        if tr.status != "waiting":
            self._end_service(rec, e.data.get("window"), e.data.get("at", tr.issued_at))
            tr.status = "waiting"
            self._queue(rec, tr.prefix, +1, e.data.get("at", tr.issued_at))

    def _on_ticket_voided(self, e: EmittedEvent) -> None:
        rec, tr = self._ticket(e)
        if tr.status == "waiting":
            self._queue(rec, tr.prefix, -1, tr.issued_at)
        tr.status, tr.void_reason = "void", e.data["reason"]

    def _on_window_changed(self, e: EmittedEvent) -> None:
        if "status" not in e.data:
            return
        at = datetime.fromisoformat(e.at).timestamp()
        rec = self.day(e.day)
        w = rec.windows.setdefault(e.data["window"], WindowRecord())
        if e.data["status"] == "open":
            if w.opened_at is None:
                w.opened_at = at
        elif w.opened_at is not None:
            w.open_s += at - w.opened_at
            w.opened_at = None


@dataclass
class SimResult:
    load: str
    scale: float
    seed: int
    days: list[DayRecord]
    engine_calls: int
    engine_s: float
    wall_s: float

    @property
    def engine_us_per_cmd(self) -> float:
        """CPU microseconds the engine spent per command (checking its arguments included)."""
        return 1e6 * self.engine_s / max(1, self.engine_calls)


class Driver:
    """Runs timed commands through one engine and keeps the records."""

    def __init__(self, config: HallConfig):
        self.config = config
        self.clock = SimClock()
        self.state = HallState(recent_limit=config.hall_file.queue.board_recent_calls)
        self.engine = Engine(config, self.state, self.clock, enforce_hours=True)
        self.tracker = Tracker(config)
        self.calls = 0
        self.engine_s = 0.0

    def execute(self, cmd: TimedCommand) -> Answer:
        """Carry one command out at its time, as the service's worker would."""
        self.clock.t = cmd.at
        client = self.config.client_by_id[cmd.client]
        if cmd.type == "ticket.issue":
            self.tracker.pending_legacy = self._legacy_estimate(cmd.args)
            self.tracker.pending_item_ahead = self._item_ahead(cmd.args)
        t0 = time.thread_time()  # CPU time: other processes on a busy box do not count
        try:
            result = self.engine.execute(client, cmd.type, parse_args(cmd.type, cmd.args))
            answer = Answer(True, result)
        except CommandRejected as exc:
            answer = Answer(False, {}, exc.code)
        self.engine_s += time.thread_time() - t0
        self.calls += 1
        events = self.engine.take_emitted()
        self.tracker.apply(events)
        self.state.dirty.clear()
        day = self.state.day or ""
        rec = self.tracker.day(day)
        rec.commands += 1
        if not answer.ok:
            rec.rejected[answer.error or "?"] = rec.rejected.get(answer.error or "?", 0) + 1
        elif cmd.type == "ticket.issue":
            tid = answer.result["ticket"]["id"]
            if tid in rec.issued_ok:
                rec.duplicate_issues += 1
            rec.issued_ok.add(tid)
        return answer

    def _legacy_estimate(self, args: dict[str, Any]) -> float:
        """Today's formula before issue 12, for comparison: prefix-wide, moving average."""
        item = self.config.item_by_code.get(args["item"])
        rank = self.config.priority_rank.get(args.get("priority", "normal"), 0)
        if item is None:
            return 0.0
        ahead = self.state.ahead_in_prefix(item.prefix, rank)
        # The people ahead shared over the prefix's open windows (no longer in the service).
        minutes = self.engine.service_minutes(item.prefix)
        return round(ahead * minutes / max(1, self.engine.open_windows(item.prefix)), 1)

    def _item_ahead(self, args: dict[str, Any]) -> int:
        rank = self.config.priority_rank.get(args.get("priority", "normal"), 0)
        queues = self.state.waiting.get(args["item"], {})
        return sum(len(q) for r, q in queues.items() if r >= rank)

    def drive(self, traffic: Generator[TimedCommand, Answer, None]) -> None:
        try:
            cmd = next(traffic)
            while True:
                cmd = traffic.send(self.execute(cmd))
        except StopIteration:
            pass

    def close_day(self, day: date) -> None:
        """The service's midnight tick: the next day opens and voids what is left."""
        midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), self.config.tz)
        self.clock.t = midnight.timestamp() + 1
        self.engine.roll_day(self.clock.t)
        self.tracker.apply(self.engine.take_emitted())
        self.state.dirty.clear()


def simulate(
    config: HallConfig,
    params: SimParams,
    days: int = 5,
    seed: int = 1,
    load: str = "normal",
    scale: float = 1.0,
) -> SimResult:
    """Run ``days`` business days at ``load`` (``normal`` or ``peak``) on a fresh engine."""
    if scale <= 0 or scale > params.scale.max:
        raise ValueError(f"scale must be in (0, {params.scale.max}]")
    utilisation = {
        "normal": params.load.normal_utilisation,
        "peak": params.load.peak_utilisation,
    }[load]
    demand = Demand.build(config, params, seed)
    driver = Driver(config)
    wall = time.perf_counter()
    dates = working_days(config, params.calendar.first_day, days)
    load_seed = seed * 2 + (load == "peak")
    for index, day in enumerate(dates):
        traffic = day_traffic(config, params, day, load_seed, index, utilisation, scale, demand)
        driver.drive(traffic)
        driver.close_day(day)
    records = [
        driver.tracker.days[d.isoformat()] for d in dates if d.isoformat() in driver.tracker.days
    ]
    return SimResult(
        load=load,
        scale=scale,
        seed=seed,
        days=records,
        engine_calls=driver.calls,
        engine_s=driver.engine_s,
        wall_s=time.perf_counter() - wall,
    )
