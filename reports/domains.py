"""Case register, ratings and complaints of a period, read from the event log.

- cases: the last ``case.registered`` / ``case.changed`` record of every case received in the
  period, as it stood at the end of the period's last day; due date and on-time judgement come
  from :mod:`cases.rules` as of that day (限時辦結率).
- ratings: ``rating.given`` (``level`` 1..5, ``window``);
- complaints: ``complaint.opened`` (``window``); whether one was upheld is not recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from cases import rules
from cases.codec import case_from_json
from hall.calendar import OutsideCalendar, WorkCalendar
from reports.log import Event
from reports.records import CaseRow, ComplaintRow, RatingRow

CASE_EVENTS = ("case.registered", "case.changed")
log = logging.getLogger(__name__)


def cases_from_events(
    evs: Iterable[Event], cal: WorkCalendar, first: date, last: date
) -> list[CaseRow]:
    """Cases received in ``first``..``last`` from that period's events: every event of such a
    case lies on or after its day of receipt, so the period's events hold its whole history up
    to the end of ``last``."""
    latest: dict[str, dict[str, Any]] = {}
    for e in evs:
        if e.type in CASE_EVENTS:
            case = e.data.get("case")
            if isinstance(case, dict) and "number" in case:
                latest[case["number"]] = case
    out: list[CaseRow] = []
    for number, raw in latest.items():
        try:
            case = case_from_json(raw)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("case %s: record not understood (%r); left out of the report", number, exc)
            continue
        if not first <= case.received <= last:
            continue
        try:
            due = rules.due(case, cal)
            on_time = rules.on_time(case, cal, last)
        except OutsideCalendar:
            due, on_time = None, None
        out.append(
            CaseRow(
                case.number, case.kind.value, case.unit, case.received, due, case.closed_on, on_time
            )
        )
    return sorted(out, key=lambda r: r.number)


def ratings_from_events(evs: Iterable[Event]) -> list[RatingRow]:
    return [
        RatingRow(e.data.get("window") or "", date.fromisoformat(e.day), int(e.data["level"]))
        for e in evs
        if e.type == "rating.given"
    ]


def complaints_from_events(evs: Iterable[Event]) -> list[ComplaintRow]:
    return [
        ComplaintRow(date.fromisoformat(e.day), e.data.get("window"), None)
        for e in evs
        if e.type == "complaint.opened"
    ]
