"""The wait a new ticket of each item would be told now (``state/queues``), kept between
snapshots and worked out again only where something it depends on changed.

A new normal ticket's estimate depends on its item only through the item's windows (40 sets of
windows for the sample hall's 173 items), and on the hall only through:

- the queues and the last hour's arrivals of the items those windows serve;
- the status, pace, ticket at the counter and tickets sent to each of those windows, and the
  status and pace of the other windows of those items (they take a share of each queue);
- the share of applicants still there after a wait (:meth:`HallState.presence`), and whether
  it is after hours;
- the clock: a service under way at one of the windows, ages against presence by wait, and
  the lunch break.

So each set of windows keeps its model result (:meth:`WaitEstimator.new_ticket_model`) until
an event changes one of its items or windows (:meth:`HallState.changed_since`), presence
changes, or the state is rebuilt; a result into which the clock went is kept for that moment
only. Which windows share which queue (:meth:`WaitEstimator.new_ticket_shape`) is kept apart,
until a window opens, closes, pauses, goes after hours or changes pace, or an item has its
first ticket of the day (:attr:`HallState.layout_revision`): a set worked out again because a
queue changed or the clock moved skips that part. The lunch break is added each time
(:meth:`WaitEstimator.with_breaks`); the range and the rounding (:meth:`WaitEstimator.ranged`)
again when that moves the minutes. The numbers are those of :meth:`WaitEstimator.estimate`
worked out from scratch (the ``ticket.issue`` reply's): ``tests/broker/test_waitcache.py``
compares them after random days of commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from broker.estimate import Shape, WaitEstimate, WaitEstimator
from broker.state import HallState
from hall.conf import HallConfig

Windows = tuple[str, ...]


@dataclass(slots=True)
class _Kept:
    model: tuple[float, float, float, float]
    """``_model``'s minutes, variance, capacity and work ahead."""
    after: bool
    """Worked out for after hours (only the after-hours windows serve)."""
    at: float | None
    """The moment it was worked out for, when the clock went into it; else None."""
    clock_min: float = -1.0
    told: WaitEstimate | None = None
    """The last estimate given from it, and its minutes of clock time (breaks added)."""


class NewTicketWaits:
    """Per item, the estimate a new normal ticket would get: :meth:`waits`."""

    def __init__(self, config: HallConfig, estimator: WaitEstimator):
        self.estimator = estimator
        self.item_windows: dict[str, Windows] = {i.code: tuple(i.windows) for i in config.items}
        self.sets: dict[Windows, str] = {}
        """Each set of windows -> the first item it serves (the one the model is asked about)."""
        for code, windows in self.item_windows.items():
            self.sets.setdefault(windows, code)
        self.by_item: dict[str, list[Windows]] = {}
        """Item -> the sets of windows whose estimate counts its queue."""
        self.by_window: dict[str, list[Windows]] = {}
        """Window -> the sets of windows whose estimate reads its status, pace or counter."""
        for windows in self.sets:
            served = {j for w in windows for j in config.items_by_window.get(w, ())}
            reach = set(windows).union(*(self.item_windows[j] for j in served))
            for j in served:
                self.by_item.setdefault(j, []).append(windows)
            for w in reach:
                self.by_window.setdefault(w, []).append(windows)
        self._kept: dict[Windows, _Kept] = {}
        self._shapes: dict[tuple[Windows, bool], Shape] = {}
        """Which windows share which queue, per set of windows and after hours or not: kept
        while :attr:`HallState.layout_revision` stays, for the sets worked out again."""
        self._state: HallState | None = None
        self._revision = 0
        self._layout = 0
        self._presence: list[float] = []

    def waits(
        self,
        state: HallState,
        now: float,
        period: str,
        waiting: Callable[[], int] | None = None,
    ) -> dict[str, WaitEstimate] | None:
        """Item -> the wait a new normal ticket of it would be told at ``now``.

        ``waiting`` (how many commands wait) is asked before each set of windows worked out
        again: None, nothing more worked out, once one does (what was done is kept).
        """
        self._forget_changed(state)
        after = period == "after_hours"
        memo: dict[object, object] = {}  # each item's queue worked out once for all sets
        told: dict[Windows, WaitEstimate] = {}
        for windows, item in self.sets.items():
            kept = self._kept.get(windows)
            if kept is None or kept.after != after or (kept.at is not None and kept.at != now):
                if waiting is not None and waiting():
                    return None
                shape = self._shapes.get((windows, after))
                if shape is None:
                    shape = self.estimator.new_ticket_shape(state, item, period, memo)
                    self._shapes[windows, after] = shape
                minutes, var, capacity, ahead, timed = self.estimator.new_ticket_model(
                    state, item, now, period, memo, shape
                )
                kept = _Kept((minutes, var, capacity, ahead), after, now if timed else None)
                self._kept[windows] = kept
            # The break, the range and the rounding: again only if the clock minutes moved.
            clock_min = self.estimator.with_breaks(now, kept.model[0])
            if kept.told is None or clock_min != kept.clock_min:
                kept.told = self.estimator.ranged(clock_min, *kept.model[1:])
                kept.clock_min = clock_min
            told[windows] = kept.told
        return {code: told[windows] for code, windows in self.item_windows.items()}

    def _forget_changed(self, state: HallState) -> None:
        """Drop what the events since the last call changed (all of it for another state)."""
        if state is not self._state or state.layout_revision != self._layout:
            self._shapes.clear()
            self._layout = state.layout_revision
        presence = state.presence()
        if state is not self._state or presence != self._presence:
            self._kept.clear()
            self._state, self._revision, self._presence = state, state.revision, presence
            return
        items, windows = state.changed_since(self._revision)
        self._revision = state.revision
        for j in items:
            for ws in self.by_item.get(j, ()):
                self._kept.pop(ws, None)
        for w in windows:
            for ws in self.by_window.get(w, ()):
                self._kept.pop(ws, None)
