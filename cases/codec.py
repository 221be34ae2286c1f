"""A :class:`cases.rules.Case` as JSON data and back: the ``case`` of ``case.*`` events.

The shape is the dataclasses' own fields: dates and times as ISO strings, enums as their
values, tuples as lists (the register's writer emits exactly this in ``case.registered`` and
``case.changed``). Readers of the log (reports, checks) rebuild the record with
:func:`case_from_json` and ask the rules (due date, overdue) themselves.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any

from cases import rules
from hall.calendar import DayUnit
from hall.conf.model import CaseKind


def to_json(value: Any) -> Any:
    """A rules dataclass (or a value inside one) as JSON data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    return value


def _date(v: str | None) -> date | None:
    return date.fromisoformat(v) if v else None


def case_from_json(d: dict[str, Any]) -> rules.Case:
    """The record :func:`to_json` made (``case_from_json(to_json(c)) == c``)."""
    history = tuple(
        rules.Change(
            at=datetime.fromisoformat(h["at"]),
            by=h["by"],
            action=h["action"],
            status=rules.Status(h["status"]) if h.get("status") else None,
            reason=h.get("reason", ""),
            detail=tuple((k, v) for k, v in h.get("detail", ())),
        )
        for h in d["history"]
    )
    partners = tuple(
        rules.PartnerTask(
            unit=p["unit"],
            notified=date.fromisoformat(p["notified"]),
            opinion_due=date.fromisoformat(p["opinion_due"]),
            special_due=date.fromisoformat(p["special_due"]),
            opinion_on=_date(p.get("opinion_on")),
            special_reported_on=_date(p.get("special_reported_on")),
        )
        for p in d.get("partners", ())
    )
    return rules.Case(
        number=d["number"],
        kind=CaseKind(d["kind"]),
        item=d["item"],
        unit=d["unit"],
        window=d["window"],
        received=date.fromisoformat(d["received"]),
        limit=rules.Limit(d["limit"]["days"], DayUnit(d["limit"]["unit"])),
        status=rules.Status(d["status"]),
        history=history,
        materials_complete=_date(d.get("materials_complete")),
        handed_over=_date(d.get("handed_over")),
        extended_to=_date(d.get("extended_to")),
        result_ready=_date(d.get("result_ready")),
        applicant_absent=_date(d.get("applicant_absent")),
        closed_on=_date(d.get("closed_on")),
        partners=partners,
    )
