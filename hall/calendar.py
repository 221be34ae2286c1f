"""The hall's working-day calendar and the time limits of the 限時辦結制度.

``config/calendar.toml`` lists the days off (``holidays``) and the weekend days that are
working days (``workdays``, the make-up days of 調休) for the years it ``covers``; every other
Saturday and Sunday is a day off and every other weekday a working day. A question about a day
outside the covered years raises :class:`OutsideCalendar`: a deadline is never guessed.

Working-day helpers (for deadlines, attendance and reports)::

    cal = config.calendar
    cal.is_working_day(date(2026, 10, 10))            # True: a make-up Saturday
    cal.add_working_days(date(2026, 9, 30), 1)        # 2026-10-08: the 1st working day after
    cal.working_days_between(date(2026, 11, 1), date(2026, 11, 30))   # 21, both ends counted
    cal.working_days_in_month(2026, 11)               # the same 21
    list(cal.working_days(date(2026, 2, 13), date(2026, 2, 24)))

Deadlines (:func:`due_date`, :func:`case_due`) follow the seed: limits are in working days unless
the item says calendar days; the day the clock is started by (receipt, completed materials for a
補辦件, a registered hand-over between windows) is not counted; a calendar-day limit whose last day
is not a working day ends on the next working day.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

ONE_DAY = timedelta(days=1)
WEEKEND = (5, 6)  # date.weekday(): Saturday, Sunday
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class DayUnit(StrEnum):
    """How an item's time limit is counted."""

    WORKING = "working"  # 工作日
    CALENDAR = "calendar"  # 自然日


class OutsideCalendar(ValueError):
    """A day outside the years ``calendar.toml`` covers: its working status is unknown."""

    def __init__(self, day: date, years: tuple[int, ...]):
        covered = ", ".join(str(y) for y in years) or "none"
        super().__init__(
            f"{day.isoformat()} is outside the hall calendar (years covered: {covered}); "
            f"add {day.year}'s holidays and make-up working days to calendar.toml"
        )
        self.day = day
        self.years = years


class CalendarFile(BaseModel):
    """Contents of ``calendar.toml`` (dates as TOML dates or ``"YYYY-MM-DD"`` strings)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    covers: list[int] = Field(min_length=1)
    """The years whose holidays and make-up working days are listed."""
    holidays: list[date] = []
    """Days off that would otherwise be working days (weekend days of a holiday may be listed)."""
    workdays: list[date] = []
    """Saturdays and Sundays that are working days (調休上班)."""

    def problems(self) -> list[tuple[str, str]]:
        """``(key, message)`` for every inconsistency; the loader names the file."""
        out: list[tuple[str, str]] = []
        for year, n in Counter(self.covers).items():
            if n > 1:
                out.append(("covers", f"{year} appears {n} times"))
        for n, year in enumerate(self.covers):
            if not 2000 <= year <= 2100:
                out.append((f"covers[{n}]", f"{year} is not a plausible year"))
        covered = set(self.covers)
        for key, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            for day, count in Counter(days).items():
                if count > 1:
                    out.append((key, f"{day.isoformat()} appears {count} times"))
            for n, day in enumerate(days):
                if day.year not in covered:
                    out.append(
                        (f"{key}[{n}]", f"{day.isoformat()} is in {day.year}, not in covers")
                    )
        for n, day in enumerate(self.workdays):
            if day.weekday() not in WEEKEND:
                out.append(
                    (
                        f"workdays[{n}]",
                        f"{day.isoformat()} is a {_WEEKDAY_NAMES[day.weekday()]}: workdays lists "
                        "only Saturdays and Sundays that are working days",
                    )
                )
        holidays = set(self.holidays)
        for n, day in enumerate(self.workdays):
            if day in holidays:
                out.append((f"workdays[{n}]", f"{day.isoformat()} is also listed in holidays"))
        for year in sorted(covered):
            if not any(d.year == year for d in self.holidays):
                out.append(("holidays", f"no holiday listed for {year} (a year in covers)"))
        return out

    def calendar(self) -> WorkCalendar:
        return WorkCalendar(frozenset(self.holidays), frozenset(self.workdays), tuple(self.covers))


@dataclass(frozen=True)
class WorkCalendar:
    """Which days the hall works. All day arguments are local dates of the hall."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    years: tuple[int, ...]

    def _check(self, day: date) -> None:
        if day.year not in self.years:
            raise OutsideCalendar(day, self.years)

    def is_working_day(self, day: date) -> bool:
        """True on a weekday that is not a holiday, and on a listed make-up Saturday/Sunday."""
        self._check(day)
        if day in self.workdays:
            return True
        return day.weekday() not in WEEKEND and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted).

        ``n == 0`` gives ``start``. Raises :class:`OutsideCalendar` past the covered years.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = start
        left = n
        while left:
            day += ONE_DAY
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days(self, first: date, last: date) -> Iterator[date]:
        """The working days from ``first`` to ``last``, both included, in order."""
        day = first
        while day <= last:
            if self.is_working_day(day):
                yield day
            day += ONE_DAY

    def working_days_between(self, first: date, last: date) -> int:
        """How many working days lie in ``first``..``last``, both ends included (0 if reversed)."""
        return sum(1 for _ in self.working_days(first, last))

    def working_days_in_month(self, year: int, month: int) -> int:
        """The working days of one calendar month (attendance: days each person should sign)."""
        last = _stdlib_calendar.monthrange(year, month)[1]
        return self.working_days_between(date(year, month, 1), date(year, month, last))


# ------------------------------------------------------------------------------ deadlines


def due_date(
    cal: WorkCalendar, start: date, days: int, unit: DayUnit | str = DayUnit.WORKING
) -> date:
    """The last day of a ``days``-day limit whose clock is started by ``start``.

    ``start`` (the day of receipt, of completed materials, of a hand-over) is not counted: the
    count begins the next day. In working days the result is the ``days``-th working day after
    ``start``; in calendar days it is ``start + days``, moved to the next working day when that
    is not one. A 0-day limit (即辦件) ends on ``start`` itself.
    """
    if days < 0:
        raise ValueError(f"a time limit cannot be negative ({days})")
    if DayUnit(unit) is DayUnit.WORKING:
        return cal.add_working_days(start, days)
    if days == 0:
        return start
    return cal.next_working_day(start + timedelta(days=days))


def clock_start(
    received: date, *, materials_complete: date | None = None, handed_over: date | None = None
) -> date:
    """The day whose next day starts the count: the latest of receipt, the day the missing
    materials of a 補辦件 were complete, and the day a hand-over between windows was registered."""
    anchors = [d for d in (received, materials_complete, handed_over) if d is not None]
    for d in anchors[1:]:
        if d < received:
            raise ValueError(f"{d.isoformat()} is before the day of receipt {received.isoformat()}")
    return max(anchors)


def case_due(
    cal: WorkCalendar,
    received: date,
    days: int,
    unit: DayUnit | str = DayUnit.WORKING,
    *,
    materials_complete: date | None = None,
    handed_over: date | None = None,
) -> date:
    """The due date of a case: :func:`due_date` counted from :func:`clock_start`."""
    start = clock_start(received, materials_complete=materials_complete, handed_over=handed_over)
    return due_date(cal, start, days, unit)
