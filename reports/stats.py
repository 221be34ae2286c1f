"""Queue statistics of a period from the ticket facts: plain numbers, no I/O, no drawing.

Percentiles are nearest-rank: the p90 of n values is the ``ceil(0.9 n)``-th smallest, always a
value that occurred. Times are reported in minutes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reports.fold import TicketFacts


def nearest_rank(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (0 < q <= 1) by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(1, math.ceil(q * len(ordered)))
    return ordered[k - 1]


@dataclass(frozen=True)
class Dist:
    """Count, mean and 90th percentile of durations, in minutes."""

    n: int
    mean: float | None
    p90: float | None

    @classmethod
    def of_seconds(cls, seconds: Iterable[float | None]) -> Dist:
        minutes = [s / 60.0 for s in seconds if s is not None]
        if not minutes:
            return cls(0, None, None)
        return cls(len(minutes), sum(minutes) / len(minutes), nearest_rank(minutes, 0.9))


@dataclass(frozen=True)
class Group:
    """The figures of one window or one item."""

    key: str
    issued: int
    called: int
    served: int
    no_shows: int
    """Tickets voided because the applicant never came."""
    skips: int
    """Calls nobody answered (each requeue as a no-show)."""
    wait: Dist
    service: Dist


@dataclass
class Stats:
    first: date
    last: date
    tickets: int = 0
    served: int = 0
    waiting_left: int = 0
    """Issued but neither served nor voided in the log (e.g. the day is still running)."""
    no_shows: int = 0
    skips: int = 0
    voided: Counter[str] = field(default_factory=Counter)
    reprints: int = 0
    print_failures: int = 0
    transfers: int = 0
    recalls: int = 0
    wait: Dist = Dist(0, None, None)
    service: Dist = Dist(0, None, None)
    by_window: list[Group] = field(default_factory=list)
    by_item: list[Group] = field(default_factory=list)
    by_priority: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    """Case kind each served ticket was finished as (``window.finish`` outcome)."""
    by_hour: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Local hour -> (issued, served) in that hour."""
    by_day: dict[date, tuple[int, int]] = field(default_factory=dict)
    """Business day -> (issued, served); every day of the period is present."""
    arrivals: Counter[tuple[int, int]] = field(default_factory=Counter)
    """(ISO weekday, local hour) -> tickets issued then."""

    @property
    def voided_total(self) -> int:
        return sum(self.voided.values())


def _group(key: str, tickets: list[TicketFacts], service_of: list[TicketFacts]) -> Group:
    return Group(
        key=key,
        issued=len(tickets),
        called=sum(1 for t in tickets if t.first_called_at is not None),
        served=sum(1 for t in service_of if t.served),
        no_shows=sum(1 for t in tickets if t.void_reason == "no_show"),
        skips=sum(t.skips for t in tickets),
        wait=Dist.of_seconds(t.wait_s for t in tickets),
        service=Dist.of_seconds(t.service_s for t in service_of),
    )


def _grouped(
    facts: list[TicketFacts],
    main: Callable[[TicketFacts], str | None],
    finisher: Callable[[TicketFacts], str | None],
) -> list[Group]:
    by_main: dict[str, list[TicketFacts]] = {}
    by_finish: dict[str, list[TicketFacts]] = {}
    for t in facts:
        k = main(t)
        if k is not None:
            by_main.setdefault(k, []).append(t)
        f = finisher(t)
        if f is not None and t.served:
            by_finish.setdefault(f, []).append(t)
    keys = sorted(set(by_main) | set(by_finish))
    return [_group(k, by_main.get(k, []), by_finish.get(k, [])) for k in keys]


def compute(facts: Iterable[TicketFacts], first: date, last: date, tz: ZoneInfo) -> Stats:
    """The statistics of business days ``first``..``last``.

    Per window: tickets whose first call was there (called, wait, no-shows) and tickets finished
    there (served, service time). Per item: tickets issued for it (issued, wait, no-shows) and
    tickets finished as it (served, service time; a transfer may change the item).
    """
    tickets = sorted(facts, key=lambda t: (t.issued_at, t.id))
    s = Stats(first, last)
    s.tickets = len(tickets)
    s.served = sum(1 for t in tickets if t.served)
    s.waiting_left = sum(1 for t in tickets if not t.served and t.void_reason is None)
    s.no_shows = sum(1 for t in tickets if t.void_reason == "no_show")
    s.skips = sum(t.skips for t in tickets)
    s.voided = Counter(t.void_reason for t in tickets if t.void_reason is not None)
    s.reprints = sum(t.reprints for t in tickets)
    s.print_failures = sum(t.print_failures for t in tickets)
    s.transfers = sum(t.transfers for t in tickets)
    s.recalls = sum(t.recalls for t in tickets)
    s.wait = Dist.of_seconds(t.wait_s for t in tickets)
    s.service = Dist.of_seconds(t.service_s for t in tickets if t.served)
    s.by_window = _grouped(tickets, lambda t: t.first_window, lambda t: t.finish_window)
    s.by_item = _grouped(tickets, lambda t: t.item, lambda t: t.final_item)
    s.by_priority = Counter(t.priority for t in tickets)
    s.outcomes = Counter(t.outcome for t in tickets if t.served and t.outcome)
    hours: dict[int, list[int]] = {}
    days: dict[date, list[int]] = {}
    day = first
    while day <= last:
        days[day] = [0, 0]
        day += timedelta(days=1)
    by_iso = {d.isoformat(): v for d, v in days.items()}
    for t in tickets:
        issued = datetime.fromtimestamp(t.issued_at, tz)
        hours.setdefault(issued.hour, [0, 0])[0] += 1
        s.arrivals[(issued.isoweekday(), issued.hour)] += 1
        counts = by_iso.get(t.day)
        if counts is not None:
            counts[0] += 1
        if t.finished_at is not None:
            hours.setdefault(datetime.fromtimestamp(t.finished_at, tz).hour, [0, 0])[1] += 1
            if counts is not None:
                counts[1] += 1
    s.by_hour = {h: (v[0], v[1]) for h, v in sorted(hours.items())}
    s.by_day = {d: (v[0], v[1]) for d, v in days.items()}
    return s
