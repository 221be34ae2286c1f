"""The hall calendar and deadlines (限時辦結制度) over weekends, holidays and make-up days."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from hall.calendar import (
    CalendarFile,
    DayUnit,
    OutsideCalendar,
    WorkCalendar,
    case_due,
    clock_start,
    due_date,
)

REPO = Path(__file__).resolve().parents[2]
W, C = DayUnit.WORKING, DayUnit.CALENDAR
D = date.fromisoformat


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    text = (REPO / "config" / "calendar.toml").read_text(encoding="utf-8")
    return CalendarFile.model_validate(tomllib.loads(text)).calendar()


# ----------------------------------------------------------------- the calendar itself


def test_sample_calendar_matches_the_2026_schedule(cal: WorkCalendar) -> None:
    # Official 2026 schedule: 9-day Spring Festival with two make-up Saturdays.
    assert not cal.is_working_day(D("2026-02-16"))  # Monday, Spring Festival
    assert cal.is_working_day(D("2026-02-14"))  # Saturday, make-up day
    assert cal.is_working_day(D("2026-02-28"))
    assert cal.is_working_day(D("2026-01-04"))  # Sunday after New Year
    assert not cal.is_working_day(D("2026-10-07"))
    assert cal.is_working_day(D("2026-10-10"))
    assert cal.is_working_day(D("2026-11-27"))  # an ordinary Friday
    assert not cal.is_working_day(D("2026-11-28"))  # an ordinary Saturday
    # Working days in a year: 365 days - 104 weekend days - 19 weekday holidays + 6 make-ups.
    assert cal.working_days_between(D("2026-01-01"), D("2026-12-31")) == 248


def test_working_days_in_months(cal: WorkCalendar) -> None:
    # Independently counted on a printed calendar.
    assert cal.working_days_in_month(2026, 11) == 21
    assert cal.working_days_in_month(2026, 2) == 16  # 20 weekdays - 6 off + 2 make-up Saturdays
    assert cal.working_days_in_month(2026, 10) == 18  # 22 weekdays - 5 off + Sat 10th
    assert cal.working_days_in_month(2026, 9) == 22  # 22 weekdays - Fri 25th + Sun 20th
    assert cal.working_days_between(D("2026-11-30"), D("2026-11-01")) == 0
    days = list(cal.working_days(D("2026-02-13"), D("2026-02-24")))
    assert days == [D("2026-02-13"), D("2026-02-14"), D("2026-02-24")]


def test_outside_the_calendar_is_refused_not_guessed(cal: WorkCalendar) -> None:
    with pytest.raises(OutsideCalendar, match="2028"):
        cal.is_working_day(D("2028-01-03"))
    with pytest.raises(OutsideCalendar):
        due_date(cal, D("2027-12-24"), 10)


# ------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    ("start", "days", "unit", "due"),
    [
        # Day of receipt not counted: Friday + 5 working days = next Friday.
        ("2026-11-27", 5, W, "2026-12-04"),
        ("2026-11-23", 1, W, "2026-11-24"),
        ("2026-11-23", 0, W, "2026-11-23"),  # 即辦件: the same day
        # Received on a Saturday (after-hours or on-site service): Monday is day 1.
        ("2026-11-28", 1, W, "2026-11-30"),
        # Month end and year end.
        ("2026-11-30", 3, W, "2026-12-03"),
        ("2026-12-29", 3, W, "2027-01-04"),  # 30, 31, [1-3 New Year 2027], 4
        ("2026-12-29", 4, W, "2027-01-05"),
        ("2026-12-31", 1, W, "2027-01-04"),
        ("2027-12-31", 1, W, None),  # 2028 is outside the calendar
        # New Year 2026 with the make-up Sunday 4 Jan.
        ("2025-12-31", 1, W, "2026-01-04"),
        ("2025-12-31", 2, W, "2026-01-05"),
        ("2026-12-30", 1, C, "2026-12-31"),
        # Spring Festival: received Fri 13 Feb; Sat 14th is a make-up day.
        ("2026-02-13", 1, W, "2026-02-14"),
        ("2026-02-13", 2, W, "2026-02-24"),
        ("2026-02-13", 5, W, "2026-02-27"),
        ("2026-02-13", 6, W, "2026-02-28"),  # the make-up Saturday counts
        ("2026-02-13", 7, W, "2026-03-02"),
        # National Day: Sun 20 Sep is a working day, 1-7 Oct are not, Sat 10 Oct is.
        ("2026-09-18", 1, W, "2026-09-20"),
        ("2026-09-30", 1, W, "2026-10-08"),
        ("2026-09-30", 3, W, "2026-10-10"),
        ("2026-09-30", 4, W, "2026-10-12"),
        # Calendar days: the last day moves to the next working day when it is not one.
        ("2026-11-27", 5, C, "2026-12-02"),
        ("2026-11-26", 2, C, "2026-11-30"),  # Saturday 28th -> Monday 30th
        ("2026-09-28", 5, C, "2026-10-08"),  # 3 Oct is a holiday -> 8 Oct
        ("2026-10-05", 5, C, "2026-10-10"),  # lands on the make-up Saturday itself
        ("2026-12-27", 5, C, "2027-01-04"),  # 1 Jan 2027 -> after the long weekend
        ("2026-01-31", 28, C, "2026-02-28"),  # a make-up Saturday is a working day
    ],
)
def test_due_date(cal: WorkCalendar, start: str, days: int, unit: DayUnit, due: str | None) -> None:
    if due is None:
        with pytest.raises(OutsideCalendar):
            due_date(cal, D(start), days, unit)
        return
    assert due_date(cal, D(start), days, unit) == D(due)


def test_due_date_agrees_with_counting_by_hand(cal: WorkCalendar) -> None:
    """Every start in 2026 and limits 1..20: the due day is a working day with exactly
    ``days`` working days after the start up to and including it."""
    start = D("2026-01-01")
    while start.year == 2026 and start <= D("2026-11-30"):
        for days in (1, 2, 5, 10, 20):
            due = due_date(cal, start, days, W)
            assert cal.is_working_day(due)
            assert cal.working_days_between(start + timedelta(days=1), due) == days
            due_c = due_date(cal, start, days, C)
            assert due_c >= start + timedelta(days=days)
            assert cal.is_working_day(due_c)
            between = [start + timedelta(days=days + k) for k in range((due_c - start).days - days)]
            assert not any(cal.is_working_day(d) for d in between)
        start += timedelta(days=1)


def test_supplement_counts_from_the_day_after_materials_are_complete(cal: WorkCalendar) -> None:
    received = D("2026-11-20")
    assert case_due(cal, received, 5) == D("2026-11-27")
    # Materials completed on Wednesday 25th: day 1 is the 26th.
    assert case_due(cal, received, 5, materials_complete=D("2026-11-25")) == D("2026-12-02")
    # Completed on a Saturday: day 1 is Monday.
    assert case_due(cal, received, 1, materials_complete=D("2026-11-28")) == D("2026-11-30")
    # Completed on the last working day before National Day.
    assert case_due(cal, D("2026-09-01"), 2, materials_complete=D("2026-09-30")) == D("2026-10-09")


def test_hand_over_counts_from_the_day_after_it_is_registered(cal: WorkCalendar) -> None:
    received = D("2026-12-28")
    assert case_due(cal, received, 3, handed_over=D("2026-12-30")) == D("2027-01-05")
    assert case_due(cal, received, 3, C, handed_over=D("2026-12-30")) == D("2027-01-04")
    # Both: the later event starts the clock.
    assert clock_start(
        received, materials_complete=D("2026-12-29"), handed_over=D("2026-12-31")
    ) == D("2026-12-31")
    with pytest.raises(ValueError, match="before the day of receipt"):
        clock_start(received, handed_over=D("2026-12-27"))


def test_negative_limits_are_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        due_date(cal, D("2026-11-27"), -1)
