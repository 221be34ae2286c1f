"""``state/queues`` keeps each set of windows' wait between snapshots and works out again only
those an event changed (``broker/waitcache.py``): after any sequence of commands its per-item
waits are the estimates worked out from scratch, which are what a ``ticket.issue`` reply says.

Random days on the sample hall (173 items, 36 windows) through the engine as the service drives
it: issues of every priority, calls, starts, finishes, no-shows, transfers, the guide's moves
and priorities, windows opened, paused, closed and put in after-hours mode, the clock across
the lunch break, the evening and into the next day, and the state rebuilt from the log as the
service does after a failed commit.
"""

from __future__ import annotations

import contextlib
import random
from datetime import datetime, timedelta
from typing import Any

import pytest

import broker.domains.guide  # noqa: F401  (the folds of ticket.moved and ticket.prioritised)
from broker import snapshots
from broker.engine import Engine
from broker.estimate import WaitEstimator
from broker.state import HallState
from hall.conf import HallConfig
from hall.protocol import CommandRejected
from tests.broker.test_engine import Hall
from tests.support import TZ, FakeClock

PRIORITIES = ["normal"] * 6 + ["returning", "appointment", "elderly"]


JUMPS = {
    250: (11, 40),  # new tickets' waits now cross the lunch break
    420: (13, 20),  # the break itself
    620: (17, 58),  # the evening: after-hours windows only
    760: (19, 59),  # then closed
    850: (8, 29),  # the next morning (a new business day)
}
"""Step -> the local time the clock is set to (the next day once it is earlier)."""


class Walk:
    """One random day (and a bit) of commands; :meth:`check` compares the kept waits with
    waits worked out from scratch. Without ``no_shows`` presence by wait stays the same all
    along, so only a service under way makes a kept wait depend on the clock."""

    def __init__(self, config: HallConfig, seed: int, no_shows: bool):
        self.config = config
        self.rnd = random.Random(seed)
        self.no_shows = no_shows
        self.clock = FakeClock.local(2026, 11, 25, 8, 25)  # a Wednesday, before opening
        self.hall = Hall(config, self.clock, enforce_hours=True)
        self.scratch = WaitEstimator(config)
        self.windows = [w.id for w in config.windows]
        self.busy_items = self.rnd.sample([i.code for i in config.items], 12)
        self.steps = 0
        self.checks = 0
        self.worked_out = 0
        """Sets of windows worked out again by the checks (40 each from scratch)."""

    # ---------------------------------------------------------------- commands

    def window(self, ctype: str, window: str | None = None, **args: Any) -> None:
        self.hall.do(f"window-{(window or self.rnd.choice(self.windows))[1:]}", ctype, **args)

    def at_counter(self, *statuses: str) -> str | None:
        """A window with a ticket of one of ``statuses`` at its counter, most of the time."""
        state = self.hall.state
        found = [
            w.id
            for w in state.windows.values()
            if w.current and state.tickets[w.current].status in statuses
        ]
        return self.rnd.choice(found) if found and self.rnd.random() < 0.9 else None

    def waiting_ticket(self) -> Any:
        waiting = [t for t in self.hall.state.tickets.values() if t.status == "waiting"]
        return self.rnd.choice(waiting) if waiting else None

    def step(self) -> None:
        rnd, h = self.rnd, self.hall
        self.steps += 1
        if self.steps in JUMPS:
            self.jump(*JUMPS[self.steps])
        actions = [
            (30, self.issue),
            (4, lambda: self.window(rnd.choice(["window.open", "window.resume"]))),
            (1, lambda: self.window(rnd.choice(["window.close", "window.pause"]))),
            (1, self.after_hours),
            (10, lambda: self.window("window.call_next")),
            (2, self.call_number),
            (6, lambda: self.window("window.start", self.at_counter("called"))),
            (6, lambda: self.window("window.finish", self.at_counter("called", "serving"))),
            (1, self.serve_a_while),
            (3 * self.no_shows, lambda: self.window("window.skip", self.at_counter("called"))),
            (2, self.transfer),
            (1, self.guide_move),
            (1, self.guide_prioritise),
            (12, lambda: self.clock.advance(rnd.expovariate(1 / 20))),
            (10, self.check),
            (3, self.check_later),
            (1, lambda: self.check(abandon_after=rnd.randrange(0, 4))),
            (1, self.rebuild),
        ]
        action = rnd.choices([a for _w, a in actions], [w for w, _a in actions])[0]
        with contextlib.suppress(CommandRejected):  # closed, idle, busy: nothing changed
            action()
        assert h.engine.state is h.state

    def jump(self, hour: int, minute: int) -> None:
        local = datetime.fromtimestamp(self.clock(), TZ)
        day = local.date() + timedelta(days=(hour, minute) < (local.hour, local.minute))
        self.clock.set_local(day.year, day.month, day.day, hour, minute)

    def issue(self) -> None:
        items = self.busy_items if self.rnd.random() < 0.7 else [i.code for i in self.config.items]
        kiosk = self.rnd.choice(["kiosk-01", "kiosk-02", "kiosk-03"])
        self.hall.issue(self.rnd.choice(items), self.rnd.choice(PRIORITIES), kiosk)

    def after_hours(self) -> None:
        on = self.rnd.random() < 0.8
        self.window("window.after_hours", self.rnd.choice(["W35", "W36"]), on=on)

    def serve_a_while(self) -> None:
        """A service long enough to be measured: the window's pace changes."""
        window = self.at_counter("serving")
        if window is not None:
            self.clock.advance(self.rnd.uniform(60, 600))
            self.window("window.finish", window)

    def call_number(self) -> None:
        t = self.waiting_ticket()
        if t is not None:
            window = t.target_window or self.rnd.choice(self.config.item_by_code[t.item].windows)
            self.window("window.call", window, number=t.number)

    def transfer(self) -> None:
        args: dict[str, Any] = {}
        if self.rnd.random() < 0.5:
            args["to_window"] = self.rnd.choice(self.windows)
        else:
            args["to_item"] = self.rnd.choice(self.busy_items)
        self.window("window.transfer", self.at_counter("called", "serving"), **args)

    def guide_move(self) -> None:
        t = self.waiting_ticket()
        if t is not None:
            item = self.config.item_by_code[self.rnd.choice(self.busy_items)]
            target = self.rnd.choice([None, *item.windows])
            data = {"ticket": t.id, "item": item.code, "target_window": target, "note": ""}
            self.hall.engine.emit("ticket.moved", data, self.clock())

    def guide_prioritise(self) -> None:
        t = self.waiting_ticket()
        if t is not None:
            priority = self.rnd.choice(PRIORITIES)
            rank = self.config.priority_rank[priority]
            data = {"ticket": t.id, "priority": priority, "rank": rank, "note": ""}
            self.hall.engine.emit("ticket.prioritised", data, self.clock())

    def rebuild(self) -> None:
        """A new state replayed from the log, as the service does after a failed commit: the
        last batch's events are not in it."""
        self.hall.log += [(e.seq, e.type, e.data) for e in self.hall.engine.take_emitted()]
        del self.hall.log[len(self.hall.log) - self.rnd.randrange(0, 3) :]
        state = HallState()
        for seq, etype, data in self.hall.log:
            state.apply(seq, etype, data)
        self.hall.state = self.hall.engine.state = state
        self.hall.engine.fold = state.apply

    # ------------------------------------------------------------------- check

    def check_later(self) -> None:
        """The same state a little later: what depends on the clock moves, the rest is kept."""
        self.check()
        self.clock.advance(self.rnd.uniform(1, 300))
        self.check()

    def check(self, abandon_after: int | None = None) -> None:
        engine, now = self.hall.engine, self.clock()
        if abandon_after is not None:
            # A command comes in while the snapshot is worked out: it is given up half-way.
            asked = iter(range(-abandon_after, 1_000_000))
            if engine.new_ticket_waits(now, lambda: max(0, next(asked))) is None:
                return
        asked = 0

        def waiting() -> int:  # asked before each set of windows worked out again
            nonlocal asked
            asked += 1
            return 0

        kept = engine.new_ticket_waits(now, waiting)
        assert kept is not None
        period = engine.period(now)
        for code in self.config.item_by_code:
            assert kept[code] == self.scratch.estimate(engine.state, code, 0, now, period), code
        # The whole state/queues body, against an engine that keeps nothing yet; the tickets
        # waiting per item it shows are counted as they are queued: they are the queues' own.
        fresh = Engine(self.config, engine.state, self.clock, enforce_hours=True)
        queued = {j: sum(map(len, ranks.values())) for j, ranks in engine.state.waiting.items()}
        counted = engine.state.waiting_per_item
        assert {j: n for j, n in queued.items() if n} == {j: n for j, n in counted.items() if n}
        assert snapshots.queues(engine, "e", now) == snapshots.queues(fresh, "e", now)
        self.checks += 1
        self.worked_out += asked


@pytest.mark.parametrize(("seed", "no_shows"), [(1, False), (2, False), (3, True)])
def test_kept_waits_equal_waits_from_scratch(
    sample_config: HallConfig, seed: int, no_shows: bool
) -> None:
    walk = Walk(sample_config, seed, no_shows)
    for _ in range(1200):
        walk.step()
    walk.check()
    state = walk.hall.state
    assert state.day == "2026-11-26"  # two business days
    assert (sum(state.skips_by_age) > 0) == no_shows
    # Most sets of windows were kept from one check to the next.
    assert 0 < walk.worked_out < 0.7 * len(walk.hall.engine.new_waits.sets) * walk.checks


def test_a_kept_wait_is_used_until_its_windows_change(sample_config: HallConfig) -> None:
    """Only the sets of windows an event touched are worked out again."""
    clock = FakeClock.local(2026, 11, 25, 10, 0)
    h = Hall(sample_config, clock)
    h.issue(sample_config.items[-1].code)  # the day opens: every item and window is new
    first = h.engine.new_ticket_waits(clock())
    assert first is not None
    sets = h.engine.new_waits
    item = sample_config.items[0]
    h.issue(item.code)
    clock.advance(30)
    asked = 0

    def waiting() -> int:
        nonlocal asked
        asked += 1
        return 0

    second = h.engine.new_ticket_waits(clock(), waiting)
    assert second is not None
    touched = len(sets.by_item[item.code])
    assert asked == touched < len(sets.sets)
    assert second[item.code].minutes > first[item.code].minutes
    unchanged = [c for c, ws in sets.item_windows.items() if ws not in sets.by_item[item.code]]
    assert all(second[c] is first[c] for c in unchanged)


def test_a_wait_that_counts_a_service_under_way_moves_with_the_clock(
    sample_config: HallConfig,
) -> None:
    """What is left of a service depends on the clock: kept only for the same moment."""
    clock = FakeClock.local(2026, 11, 25, 10, 0)
    h = Hall(sample_config, clock)
    h.open("W01")
    item = sample_config.items_by_window["W01"][0]
    for _ in range(3):
        h.issue(item)
    h.call("W01")
    h.do("window-01", "window.start")
    first = h.engine.new_ticket_waits(clock())
    assert first is not None
    clock.advance(240)  # four minutes into that service, and no event
    second = h.engine.new_ticket_waits(clock())
    assert second is not None
    assert second[item] != first[item]
    assert second[item] == h.engine.estimator.estimate(h.state, item, 0, clock(), "open")
    elsewhere = [c for c, ws in h.engine.new_waits.item_windows.items() if "W01" not in ws]
    assert all(second[c] is first[c] for c in elsewhere)


def test_an_item_first_queued_by_a_transfer_counts_at_once(sample_config: HallConfig) -> None:
    """Its windows now share its queue, though no ticket of it was issued today."""
    clock = FakeClock.local(2026, 11, 25, 10, 0)
    h = Hall(sample_config, clock)
    h.open("W01", "W02")
    here = sample_config.items_by_window["W01"][0]
    there = next(j for j in sample_config.items_by_window["W02"] if j != here)
    h.issue(here)
    h.issue(here)
    assert h.engine.new_ticket_waits(clock()) is not None
    h.call("W01")
    h.do("window-01", "window.transfer", to_item=there)
    kept = h.engine.new_ticket_waits(clock())
    assert kept is not None
    for code in sample_config.item_by_code:
        assert kept[code] == h.engine.estimator.estimate(h.state, code, 0, clock(), "open")
    assert kept[there].minutes > 0
