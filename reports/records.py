"""The report's inputs from domains beyond the queue: the case register, ratings, complaints.

Each is a plain row type and a summary. :func:`reports.build.build_report` reads the rows
from the period's events (:mod:`reports.domains`) unless a caller passes them; given ``None``
for a domain it shows "no records yet". Case rows carry ``on_time`` from
:func:`cases.rules.on_time`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

CASE_KINDS = ("immediate", "promised", "joint", "reply", "supplement")


@dataclass(frozen=True)
class CaseRow:
    number: str
    kind: str
    """One of :data:`CASE_KINDS`."""
    unit: str
    received: date
    due: date | None
    closed_on: date | None
    on_time: bool | None
    """True closed in time, False overdue, None still open in time (as on the report's last day)."""


@dataclass(frozen=True)
class RatingRow:
    window: str
    day: date
    score: int
    """1 (very dissatisfied) .. 5 (very satisfied)."""


@dataclass(frozen=True)
class ComplaintRow:
    day: date
    window: str | None
    upheld: bool | None


@dataclass
class CaseSummary:
    total: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    closed: int = 0
    on_time: int = 0
    overdue: int = 0
    open_in_time: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """限時辦結率: closed or overdue cases that were closed in time (None when none)."""
        judged = self.on_time + self.overdue
        return self.on_time / judged if judged else None


@dataclass
class RatingSummary:
    count: int = 0
    by_score: Counter[int] = field(default_factory=Counter)
    mean: float | None = None
    satisfied_rate: float | None = None
    """Share of 4 and 5."""
    by_window: dict[str, tuple[int, float]] = field(default_factory=dict)


@dataclass
class ComplaintSummary:
    count: int = 0
    upheld: int = 0
    by_window: Counter[str] = field(default_factory=Counter)


def summarise_cases(rows: Sequence[CaseRow]) -> CaseSummary:
    s = CaseSummary(total=len(rows), by_kind=Counter(r.kind for r in rows))
    s.closed = sum(1 for r in rows if r.closed_on is not None)
    s.on_time = sum(1 for r in rows if r.on_time is True)
    s.overdue = sum(1 for r in rows if r.on_time is False)
    s.open_in_time = sum(1 for r in rows if r.on_time is None)
    return s


def summarise_ratings(rows: Sequence[RatingRow]) -> RatingSummary:
    s = RatingSummary(count=len(rows), by_score=Counter(r.score for r in rows))
    if rows:
        s.mean = sum(r.score for r in rows) / len(rows)
        s.satisfied_rate = sum(1 for r in rows if r.score >= 4) / len(rows)
        per: dict[str, list[int]] = {}
        for r in rows:
            per.setdefault(r.window, []).append(r.score)
        s.by_window = {w: (len(v), sum(v) / len(v)) for w, v in sorted(per.items())}
    return s


def summarise_complaints(rows: Sequence[ComplaintRow]) -> ComplaintSummary:
    return ComplaintSummary(
        count=len(rows),
        upheld=sum(1 for r in rows if r.upheld),
        by_window=Counter(r.window for r in rows if r.window),
    )
