"""A month of hall activity made by the real queue engine on a fake clock, with ground truth.

The driver keeps its own record of every ticket (when it issued, called, started and finished
it, at which window, how often nobody came) from the times it chose, never from the events, so
a report computed from the event log can be checked against it.
"""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from broker.engine import EmittedEvent, Engine
from broker.state import HallState
from broker.store import Store
from hall.conf import HallConfig
from hall.protocol import parse_args

KINDS = ("immediate", "promised", "joint", "reply", "supplement")


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@dataclass
class Truth:
    """What the driver did to one ticket."""

    id: str
    day: str
    item: str
    issued_at: float
    first_call: float | None = None
    first_window: str | None = None
    started: float | None = None
    finished: float | None = None
    finish_window: str | None = None
    service_s: float | None = None
    outcome: str | None = None
    skips: int = 0
    no_show_void: bool = False
    prints: int = 0
    failed_prints: int = 0
    transfers: int = 0


@dataclass
class Month:
    events: list[EmittedEvent] = field(default_factory=list)
    tickets: dict[str, Truth] = field(default_factory=dict)
    days: list[date] = field(default_factory=list)


def simulate(config: HallConfig, first: date, last: date, seed: int = 7) -> Month:
    """Run every working day from ``first`` to ``last`` (and one day after, so the last day's
    leftovers are voided at the next opening, as in a real hall)."""
    rng = random.Random(seed)
    clock = Clock()
    state = HallState()
    engine = Engine(config, state, clock, enforce_hours=False)
    month = Month()
    clients = config.client_by_id
    window_client = {c.window: c for c in config.clients if c.window}
    kiosks = [c for c in config.clients if c.role.value == "kiosk"]
    items = [i.code for i in config.items]
    weights = [3, 3, 1, 1, 2, 0.5][: len(items)] + [1] * max(0, len(items) - 6)
    max_skips = config.hall_file.queue.max_skips

    def do(client: Any, ctype: str, **args: Any) -> dict[str, Any]:
        result = engine.execute(client, ctype, parse_args(ctype, args))
        month.events.extend(engine.take_emitted())
        return result

    day = first
    run_days = []
    while day <= last:
        if config.calendar.is_working_day(day):
            run_days.append(day)
        day += timedelta(days=1)
    month.days = run_days
    opening = [*run_days, last + timedelta(days=1)]
    heap: list[tuple[float, int, str, str]] = []
    absent: set[str] = set()
    order = itertools.count()

    def push(at: float, action: str, arg: str) -> None:
        heapq.heappush(heap, (at, next(order), action, arg))

    for n, day in enumerate(opening):
        start = datetime.combine(day, time(8, 30), config.tz).timestamp()
        clock.t = start
        for w in config.windows:
            do(window_client[w.id], "window.open")
        if n == len(run_days):
            break  # the day after: opening voids the leftovers, nothing else
        heap.clear()
        arrivals = rng.randint(60, 95)
        for _ in range(arrivals):
            # Busier mornings: a mix of a morning peak and a flat day.
            if rng.random() < 0.55:
                offset = abs(rng.gauss(1.2, 0.9)) * 3600
            else:
                offset = rng.uniform(0, 8.5) * 3600
            push(start + min(offset, 8.9 * 3600), "arrive", rng.choices(items, weights)[0])
        if rng.random() < 0.4:  # a late rush: some are still waiting at closing time
            for _ in range(rng.randint(4, 12)):
                push(
                    start + rng.uniform(9.2, 9.45) * 3600, "arrive", rng.choices(items, weights)[0]
                )
        for w in config.windows:
            push(start + rng.uniform(0, 120), "call", w.id)
        close = start + 9.5 * 3600
        while heap:
            at, _, action, arg = heapq.heappop(heap)
            if at > close:
                break
            clock.t = at
            if action == "arrive":
                kiosk = rng.choice(kiosks)
                priority = "elderly" if rng.random() < 0.08 else "normal"
                person: dict[str, str] = {}
                if getattr(config.item_by_code[arg], "real_name", False):  # 實名取號
                    person = {
                        "id_masked": "1301**********1209",
                        "id_hash": f"{rng.getrandbits(256):064x}",
                    }
                t = do(kiosk, "ticket.issue", item=arg, priority=priority, **person)["ticket"]
                truth = Truth(t["id"], t["day"], arg, at)
                if rng.random() < 0.03:
                    absent.add(t["id"])  # took a ticket and left
                month.tickets[t["id"]] = truth
                ok = rng.random() > 0.04
                do(
                    kiosk,
                    "ticket.print_result",
                    ticket=t["id"],
                    ok=ok,
                    error="" if ok else "paper out",
                )
                truth.prints += 1
                truth.failed_prints += 0 if ok else 1
                if not ok or rng.random() < 0.02:  # the guide officer reprints it
                    clock.t = at + 0.5
                    do(kiosk, "ticket.print_result", ticket=t["id"], ok=True)
                    truth.prints += 1
            elif action == "call":
                client = window_client[arg]
                t = do(client, "window.call_next")["ticket"]
                if t is None:
                    push(at + rng.uniform(20, 90), "call", arg)
                    continue
                truth = month.tickets[t["id"]]
                if truth.first_call is None:
                    truth.first_call, truth.first_window = at, arg
                if t["id"] in absent or rng.random() < 0.05:
                    push(at + rng.uniform(30, 90), "skip", arg)
                else:
                    push(at + rng.uniform(10, 60), "start", arg)
            elif action == "skip":
                ticket = state.window(arg).current
                truth = month.tickets[ticket]
                result = do(window_client[arg], "window.skip")
                truth.skips += 1
                truth.no_show_void = truth.skips > max_skips
                assert result["requeued"] is (not truth.no_show_void)
                push(at + 5, "call", arg)
            elif action == "start":
                ticket = state.window(arg).current
                do(window_client[arg], "window.start")
                month.tickets[ticket].started = at
                others = [
                    w
                    for w in config.items_by_window
                    if w != arg and month.tickets[ticket].item in config.items_by_window[w]
                ]
                if others and rng.random() < 0.03:
                    push(at + rng.uniform(60, 180), "transfer:" + rng.choice(others), arg)
                else:
                    minutes = max(
                        1.0,
                        rng.gauss(
                            config.item_by_code[month.tickets[ticket].item].service_minutes, 3.0
                        ),
                    )
                    push(at + minutes * 60, "finish", arg)
            elif action.startswith("transfer:"):
                ticket = state.window(arg).current
                do(window_client[arg], "window.transfer", to_window=action.split(":")[1])
                truth = month.tickets[ticket]
                truth.transfers += 1
                truth.started = None
                push(at + 5, "call", arg)
            elif action == "finish":
                ticket = state.window(arg).current
                outcome = rng.choices(KINDS, (50, 30, 8, 7, 5))[0]
                do(window_client[arg], "window.finish", outcome=outcome)
                truth = month.tickets[ticket]
                truth.finished, truth.finish_window, truth.outcome = at, arg, outcome
                assert truth.started is not None
                truth.service_s = at - truth.started
                push(at + rng.uniform(5, 30), "call", arg)
    del clients
    return month


def write_log(path: Path, events: list[EmittedEvent], hall_code: str, epoch: str = "e1") -> None:
    """Store the events with the queue service's own event log (``broker/store.py``)."""
    store = Store.create(path, hall_code, durable=False)
    try:
        store.append(events, epoch)
        store.commit()
    finally:
        store.close()
