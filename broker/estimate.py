"""The wait estimate printed on a ticket: work ahead over the windows that will do it.

An explainable model, measured against simulated days (``hall simulate``):

1. **Windows.** The windows that serve the item and are open or briefly paused (after hours:
   those in after-hours mode). None yet (a window opening late): all its configured windows.
2. **Work ahead**, in the items' configured minutes: every waiting ticket with the same or a
   higher priority, of every item those windows serve, plus tickets transferred to one of them,
   plus what is left of the tickets at their counters. Each window takes its part of an item's
   queue (by its speed among that item's windows): a window's other queues take its time too.
3. **Who is still there**: a ticket ahead counts its minutes only as likely as its applicant
   still answers the call after waiting that long (today's calls and skips by wait, carried
   over from the days before); otherwise a call and a skip, one minute.
4. **Speed**: each window's pace (measured start-to-finish time / configured minutes, a moving
   mean that starts at 1), so a quick window counts for more. The ticket goes to the first of
   its windows that gets through its part.
5. **Priority**: a priority ticket also waits for the normal tickets that reach
   ``starvation_minutes`` before its turn (waiting now, or arriving at the last hour's rate),
   and gives one call in ``max_consecutive_priority + 1`` to the normal queue.
6. **Breaks**: the wait runs in opening hours; one that crosses the lunch break gets the break
   added.

Tried and left out because they made the simulated error larger: the arrival rate of higher
priorities taking capacity away, and a correction by today's ratio of real to estimated waits.

The result is a number and an 80 % range; the range is shown when it is wide (see
:func:`shown`). It is the hall's only wait estimate: the ``ticket.issue`` reply (and the
check-ins that issue a ticket), ``ticket.status`` (:meth:`WaitEstimator.for_ticket`: the same
model for a ticket's place now, so at its issue it gives what the reply said) and the retained
``state/queues`` (what a new ticket of each item would be told) all come from it.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from broker.state import HallState, Ticket
from hall.conf import HallConfig

SERVICE_CV = 0.5
"""Spread of one service time around its mean (coefficient of variation), for the range."""
MODEL_CV = 0.25
"""Relative error of the model itself (arrivals, pauses, no-shows), for the range."""
RECENT_S = 3600.0
"""Arrivals of the last hour give the rate of normal tickets still to come."""
RANGE_MIN_WIDTH = 15.0
"""A range is shown when the 80 % interval is at least this wide (minutes)..."""
RANGE_MIN_MINUTES = 10.0
"""...and the estimate itself at least this long."""
Z80 = 1.2816

Shape = tuple[list[str], dict[str, float], float, dict[str, float], dict[str, float]]
"""``ours``, their speeds, capacity, per item share and total speed (``WaitEstimator._shape``)."""


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    minutes: float
    """The model's estimate, minutes, one decimal."""
    low: float
    high: float
    windows: float
    """Speed-weighted number of windows expected to serve the ticket."""
    work_min: float
    """Configured minutes of work ahead (queue share, counters, transfers)."""

    def public(self) -> dict[str, Any]:
        """What a kiosk, a slip or a display shows: see :func:`shown`."""
        return shown(self.minutes, self.low, self.high)


def shown(minutes: float, low: float, high: float) -> dict[str, Any]:
    """One rounded number, plus a range when the uncertainty is large.

    ``minutes``: under 10 to the minute, under 60 to 5 minutes, then to 10 minutes.
    ``range``: ``[low, high]`` rounded outwards to 5 minutes when the 80 % interval is at least
    :data:`RANGE_MIN_WIDTH` wide and the estimate at least :data:`RANGE_MIN_MINUTES`; else null.
    """
    if minutes < 10:
        rounded = round(minutes)
    elif minutes < 60:
        rounded = 5 * round(minutes / 5)
    else:
        rounded = 10 * round(minutes / 10)
    rng = None
    if high - low >= RANGE_MIN_WIDTH and minutes >= RANGE_MIN_MINUTES:
        rng = [5 * math.floor(low / 5), 5 * math.ceil(high / 5)]
    return {"minutes": int(rounded), "range": rng}


class WaitEstimator:
    """Estimates a new ticket's wait from the hall state; pure, no clock of its own."""

    def __init__(self, config: HallConfig):
        self.tz = config.tz
        self.hours = config.hall_file.hours
        self.max_consecutive = config.hall_file.queue.max_consecutive_priority
        self.starvation = float(config.hall_file.queue.starvation_minutes)
        self.item_windows = {i.code: tuple(i.windows) for i in config.items}
        self.item_minutes = {i.code: float(i.service_minutes) for i in config.items}
        self.window_items = dict(config.items_by_window)
        self._spans: tuple[date | None, list[tuple[float, float]]] = (None, [])
        """The opening sessions of one local day, as epoch seconds (worked out once a day)."""
        self._day_at: tuple[float | None, date | None] = (None, None)
        """The last moment asked about and its local date (a snapshot asks 40 times)."""

    def estimate(
        self,
        state: HallState,
        item: str,
        rank: int,
        now: float,
        period: str = "open",
        *,
        before: tuple[float, str] | None = None,
        window: str | None = None,
        memo: dict[Any, Any] | None = None,
    ) -> WaitEstimate:
        """The wait of a ticket of ``item`` and priority ``rank`` at ``now``.

        A new ticket (``before`` None): every waiting ticket of its rank or higher is ahead of
        it. A ticket already waiting: ``before`` is its ``(order_key, id)``; a ticket placed
        after it counts only if of a higher rank (it is called first), so asked at the moment
        of its issue the answer is the issue's. ``window`` is the window it was sent to (a
        transfer, a case check-in), which alone will call it. Use :meth:`for_ticket`.
        ``memo``: one dict shared by the estimates of one state at one moment (the snapshot's
        items) keeps each item's queue from being worked out again; the result is the same.
        """
        if before is not None:
            memo = None  # the memo holds new tickets' queues
        cut = None if before is None else (before, rank)
        minutes, var, capacity, ahead, _timed = self._model(
            state, item, rank, now, period, cut, window, memo
        )
        if rank > 0:
            # Normal tickets past starvation_minutes go first: once the normal queue is that
            # long, a priority ticket waits about as long as a normal one, plus the time the
            # normal queue needs to come back under starvation_minutes.
            normal = self._model(state, item, 0, now, period, cut, window)[0]
            minutes = min(minutes, normal + max(0.0, normal - self.starvation))
        return self.finish(now, minutes, var, capacity, ahead)

    def new_ticket_model(
        self,
        state: HallState,
        item: str,
        now: float,
        period: str,
        memo: dict[Any, Any],
        shape: Shape | None = None,
    ) -> tuple[float, float, float, float, bool]:
        """:meth:`estimate` of a new normal ticket of ``item`` before :meth:`finish`: the
        model's minutes, variance, capacity and work ahead, and whether ``now`` went into them
        (if not, they hold until the state changes). ``memo`` as for :meth:`estimate`;
        ``shape``: :meth:`new_ticket_shape` of the same state, if known."""
        return self._model(state, item, 0, now, period, memo=memo, shape=shape)

    def new_ticket_shape(
        self, state: HallState, item: str, period: str, memo: dict[Any, Any]
    ) -> Shape:
        """Which windows share which queue for a new ticket of ``item`` (see :meth:`_shape`)."""
        return self._shape(state, item, period == "after_hours", None, memo)

    def finish(
        self, now: float, minutes: float, var: float, capacity: float, ahead: float
    ) -> WaitEstimate:
        """The estimate from the model's opening-time minutes, variance, speed and work ahead
        (:meth:`_model`): the lunch break added (:meth:`with_breaks`), then :meth:`ranged`."""
        return self.ranged(self.with_breaks(now, minutes), var, capacity, ahead)

    @staticmethod
    def ranged(minutes: float, var: float, capacity: float, ahead: float) -> WaitEstimate:
        """The estimate of ``minutes`` of clock time: the 80 % range, everything rounded."""
        sd = math.sqrt(var / capacity**2 + (MODEL_CV * minutes) ** 2 + 1.0)
        low = max(0.0, minutes - Z80 * sd)
        high = minutes + Z80 * sd
        return WaitEstimate(
            minutes=round(minutes, 1),
            low=round(low, 1),
            high=round(high, 1),
            windows=round(capacity, 2),
            work_min=round(ahead, 1),
        )

    def for_ticket(
        self, state: HallState, ticket: Ticket, now: float, period: str = "open"
    ) -> WaitEstimate:
        """The wait still ahead of a waiting ticket, for its place in the queues now.

        The same model as at its issue: asked at the moment it was issued, it gives what the
        issue reply said (``ticket.status`` and ``ticket.issue`` agree).
        """
        return self.estimate(
            state,
            ticket.item,
            ticket.rank,
            now,
            period,
            before=(ticket.order_key, ticket.id),
            window=ticket.target_window,
        )

    def _model(
        self,
        state: HallState,
        item: str,
        rank: int,
        now: float,
        period: str,
        cut: tuple[tuple[float, str], int] | None = None,
        window: str | None = None,
        memo: dict[Any, Any] | None = None,
        shape: Shape | None = None,
    ) -> tuple[float, float, float, float, bool]:
        """Opening-time minutes of the wait, its service-time variance, the windows' speed, the
        work ahead (configured minutes), and whether ``now`` went into them (a service under
        way at one of the windows, ages against a presence that differs by wait, the starving
        normal tickets). ``cut``: the place and rank of a waiting ticket (see :func:`_counts`).
        ``shape``: :meth:`_shape` of the same state, if known.
        """
        after = period == "after_hours"
        if shape is None:
            shape = self._shape(state, item, after, window, memo)
        ours, speed, capacity, share, total_of = shape

        # What is left at our counters, in configured minutes of work.
        residual = 0.0
        left_at: dict[str, float] = {}
        timed = False
        for w in ours:
            ws = state.windows.get(w)
            t = state.tickets.get(ws.current) if ws and ws.current else None
            if t is None or t.status not in ("called", "serving"):
                continue
            pace = 1.0 / speed[w]
            expected = self.item_minutes.get(t.item, 0.0) * pace
            if t.status == "serving" and t.started_at is not None:
                timed = True
                left = max(expected - (now - t.started_at) / 60, 0.25 * expected)
            else:
                left = expected + 0.5
            residual += left * speed[w]
            left_at[w] = left * speed[w]
        # Tickets sent to one of our windows (transfers, case check-ins) that it calls first.
        for w in ours:
            for neg_rank, key, tid in state.targeted.get(w, ()):
                if -neg_rank < rank or not _counts(-neg_rank, (key, tid), cut):
                    continue
                m = self.item_minutes.get(state.tickets[tid].item, 0.0)
                residual += m
                left_at[w] = left_at.get(w, 0.0) + m

        # Normal tickets arriving while a priority ticket waits: they reach starvation_minutes
        # (and go first) if its wait is longer than that.
        normal_rate = 0.0
        if rank > 0:
            since = now - RECENT_S
            for j, f in share.items():
                recent = state.arrivals.get(j)
                if recent and f > 0:
                    n = sum(1 for at, r in recent if at >= since and r == 0)
                    normal_rate += n / (RECENT_S / 60) * self.item_minutes[j] * f
        minutes = 0.0
        for _ in range(2):  # who is still there depends on how long the wait is: settle it
            item_work, var, normals, timeless = self._work(
                state, share, rank, now, minutes / 2, cut, memo
            )
            work = sum(item_work[j] * share[j] for j in item_work)
            ahead = work + residual
            minutes = self._first_free(ours, speed, item_work, total_of, left_at, ahead / capacity)
            if timeless:
                break  # presence does not change with the wait: a second round gives the same
            timed = True  # the presence buckets are ages at now
        if rank > 0 and normals:
            # Normal tickets that will have waited starvation_minutes by our turn go first: those
            # waiting now and those still to come, so solve for the wait (a few rounds suffice).
            # One call in max_consecutive_priority + 1 goes to the normal queue in any case.
            first = minutes
            base = minutes * (self.max_consecutive + 1) / self.max_consecutive
            wait = base
            for _ in range(8):
                cutoff = now + 60 * (wait - self.starvation)  # issued before it: starving by then
                starving = sum(w * bisect.bisect_right(q, (cutoff, "~")) for w, q in normals)
                coming = normal_rate * max(0.0, wait - self.starvation)
                wait = max(base, first + (starving + coming) / capacity)
            minutes = wait
            timed = True
        return minutes, var, capacity, ahead, timed

    def _shape(
        self,
        state: HallState,
        item: str,
        after: bool,
        window: str | None = None,
        memo: dict[Any, Any] | None = None,
    ) -> Shape:
        """Which windows will call a ticket of ``item`` (``ours``: those of its windows open, or
        all of them if none is; ``window`` alone for a ticket sent there), their speeds and
        total speed (capacity), and for each item they serve that has tickets today the part
        of its queue they take and its own windows' total speed. It changes only when a window
        opens, pauses, closes, goes after hours or changes pace, or an item has its first
        ticket of the day (:attr:`HallState.layout_revision`)."""
        pace = state.service_pace
        avail = memo.get(("avail", after)) if memo is not None else None
        if avail is None:
            avail = {
                w
                for w, ws in state.windows.items()
                if ws.status != "closed" and (ws.after_hours or not after)
            }
            if memo is not None:
                memo[("avail", after)] = avail
        if window is not None:
            ours = [window]  # sent to one window: only it calls the ticket
        else:
            ours = [w for w in self.item_windows[item] if w in avail]
            if not ours:
                ours = list(self.item_windows[item])  # not open yet: they will be
        speed = {w: 1.0 / max(0.2, pace.get(w, 1.0)) for w in ours}
        capacity = sum(speed.values())
        share: dict[str, float] = {}
        """item -> the part of its queue our windows take (by speed among its windows)"""
        total_of: dict[str, float] = {}
        for w in ours:
            for j in self.window_items.get(w, ()):
                if j in share or not (state.waiting.get(j) or state.arrivals.get(j)):
                    continue
                got = memo.get(("theirs", j, after)) if memo is not None else None
                if got is None:
                    theirs = [x for x in self.item_windows[j] if x in avail]
                    theirs = theirs or list(self.item_windows[j])
                    got = theirs, sum(1.0 / max(0.2, pace.get(x, 1.0)) for x in theirs)
                    if memo is not None:
                        memo[("theirs", j, after)] = got
                theirs, total = got
                mine = sum(speed.get(x, 0.0) for x in theirs)
                share[j] = mine / total if total else 0.0
                total_of[j] = total
        return ours, speed, capacity, share, total_of

    def _first_free(
        self,
        ours: list[str],
        speed: dict[str, float],
        item_work: dict[str, float],
        total_of: dict[str, float],
        left_at: dict[str, float],
        pooled: float,
    ) -> float:
        """Minutes until the first of our windows has done its part of the work ahead.

        Each window takes the waiting tickets of the items it serves in proportion to its
        speed among their windows, after what is at its counter; the ticket goes to whichever
        window gets through its part first. ``pooled`` (all the work over all the speed) is
        what a hall of interchangeable windows would give (used when no window is known).
        """
        best = math.inf
        for w in ours:
            s = speed[w]
            backlog = left_at.get(w, 0.0)
            for j in self.window_items.get(w, ()):
                if j in item_work:
                    backlog += item_work[j] * s / total_of[j]
            best = min(best, backlog / s)
        return best if best < math.inf else pooled

    def _work(
        self,
        state: HallState,
        share: dict[str, float],
        rank: int,
        now: float,
        later: float,
        cut: tuple[tuple[float, str], int] | None = None,
        memo: dict[Any, Any] | None = None,
    ) -> tuple[dict[str, float], float, list[tuple[float, list[tuple[float, str]]]], bool]:
        """Configured minutes of the waiting tickets ahead, per item (its whole queue; for a
        ticket already waiting, ``cut``, not those placed after it: :func:`_counts`).

        A ticket counts its item's minutes if its applicant is still there when called, one
        minute (a call and a skip) if not; the chance of being there is today's measured share
        of calls answered after a wait that long (:meth:`HallState.presence`), the wait being
        its age now plus ``later`` minutes. The last value says whether that chance is the
        same whatever the wait (no buckets), so ``later`` changes nothing.
        """
        presence = state.presence()
        # Buckets (oldest first) by the order key a ticket must not pass to have waited that
        # long; a bucket whose presence is about that of the younger one is merged into it.
        buckets: list[tuple[float, float]] = []
        for edge_min, p in zip(state.AGE_EDGES_MIN[1:], presence[1:], strict=True):
            if abs(p - (buckets[-1][1] if buckets else presence[0])) > 0.01:
                buckets.append((now + 60 * (later - edge_min), p))
        buckets.reverse()
        edges = tuple(buckets)  # the memo's key: the same buckets give the same work
        work: dict[str, float] = {}
        var = 0.0
        normals: list[tuple[float, list[tuple[float, str]]]] = []
        for j, f in share.items():
            if f <= 0:
                continue
            key = (j, rank, edges)
            got = memo.get(key) if memo is not None else None
            if got is None:
                got = self._item_work(state, j, rank, buckets, presence[0], cut)
                if memo is not None:
                    memo[key] = got
            total, spread, normal_queues = got
            if total is not None:
                work[j] = total
            var += spread * f
            if normal_queues:
                normals += [(self.item_minutes[j] * f, q) for q in normal_queues]
        return work, var, normals, not buckets

    def _item_work(
        self,
        state: HallState,
        j: str,
        rank: int,
        buckets: list[tuple[float, float]],
        p0: float,
        cut: tuple[tuple[float, str], int] | None,
    ) -> tuple[float | None, float, list[list[tuple[float, str]]]]:
        """One item's whole queue for :meth:`_work`: the minutes of its tickets ahead (None:
        none), their service-time variance, and its normal queue when ``rank`` is higher."""
        m = self.item_minutes[j]
        total: float | None = None
        spread = 0.0
        normal_queues: list[list[tuple[float, str]]] = []
        for r, queue in state.waiting.get(j, {}).items():
            if not queue:
                continue
            if r < rank:
                if r == 0:
                    normal_queues.append(queue)
                continue
            if cut is not None and r <= cut[1]:
                queue = queue[: bisect.bisect_left(queue, cut[0])]  # those before the ticket
                if not queue:
                    continue
            # queue is sorted by order key (about the issue time): oldest first
            minutes = 0.0
            counted = 0
            for edge, p in buckets:
                k = bisect.bisect_right(queue, (edge, "~"))  # waited at least that long
                minutes += (k - counted) * (m * p + (1 - p))
                counted = k
            minutes += (len(queue) - counted) * (m * p0 + (1 - p0))
            total = (total or 0.0) + minutes
            spread += len(queue) * (SERVICE_CV * m) ** 2
        return total, spread, normal_queues

    def with_breaks(self, now: float, minutes: float) -> float:
        """Clock minutes for ``minutes`` of opening time from ``now`` (lunch break added)."""
        if self._day_at[0] != now:
            self._day_at = (now, datetime.fromtimestamp(now, self.tz).date())
        day = self._day_at[1]
        if self._spans[0] != day:
            self._spans = (
                day,
                [
                    (
                        datetime.combine(day, s.start, self.tz).timestamp(),
                        datetime.combine(day, s.end, self.tz).timestamp(),
                    )
                    for s in sorted(self.hours.sessions, key=lambda s: s.start)
                ],
            )
        spans = self._spans[1]
        if not spans or now >= spans[-1][1]:
            return minutes
        t, left = now, minutes * 60
        for start, end in spans:
            if end <= t:
                continue
            t = max(t, start)
            if t + left <= end:
                return (t + left - now) / 60
            left -= end - t
            t = end
        return (t + left - now) / 60


def _counts(rank: int, entry: tuple[float, str], cut: tuple[tuple[float, str], int] | None) -> bool:
    """Whether a waiting ticket (its rank, its ``(order_key, id)``) is counted ahead of the
    ticket at ``cut`` (its place and rank): one placed after it only if of a higher rank, as
    nothing placed after it existed when it was issued but a higher rank is called first.
    A new ticket (``cut`` None): every one of its rank or higher is (checked by the caller)."""
    return cut is None or rank > cut[1] or entry < cut[0]
