"""The monthly attendance record (考勤月報): per person and per unit, as CSV and printable HTML.

For every working day of the month (the hall calendar: holidays off, make-up days on) each
person owes a morning and an afternoon sign-in, half a day each, and on Mondays the evening
study session. A session is present (on time or late), on leave (by kind), pending (a manual
record not yet decided: neither present nor absent, and flagged) or absent. Missing the study
session counts as ``study.absence_days`` (half a day) of absence. Days after ``until`` (today,
for the month in progress) are not counted.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from attendance.rules import DAY_SESSIONS, HALF_DAY, Context, LeaveKind
from attendance.state import APPROVED, PENDING, AttendanceState
from attendance.status import (
    ABSENT,
    LATE,
    LEAVE,
    PENDING_STATUS,
    PRESENT,
    ManualIndex,
    session_status,
)
from hall.conf.duty import SessionCode
from hall.i18n import t

if TYPE_CHECKING:
    from hall.conf import HallConfig


@dataclass
class Tally:
    """Figures of one person, or summed over a unit."""

    working_days: float = 0.0
    present: float = 0.0
    late: int = 0
    absent: float = 0.0
    study_missed: int = 0
    pending: float = 0.0
    leave: Counter[str] = field(default_factory=Counter)
    manual_approved: int = 0
    manual_pending: int = 0

    def add(self, other: Tally) -> None:
        self.working_days += other.working_days
        self.present += other.present
        self.late += other.late
        self.absent += other.absent
        self.study_missed += other.study_missed
        self.pending += other.pending
        self.leave.update(other.leave)
        self.manual_approved += other.manual_approved
        self.manual_pending += other.manual_pending


@dataclass
class PersonRow:
    staff: str
    name: str
    unit: str
    unit_name: str
    tally: Tally


@dataclass
class UnitRow:
    unit: str
    name: str
    people: int
    tally: Tally


@dataclass
class MonthReport:
    hall: str
    year: int
    month: int
    working_days: list[date]
    people: list[PersonRow]
    units: list[UnitRow]

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _month_days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    out, day = [], first
    while day.month == month:
        out.append(day)
        day += timedelta(days=1)
    return out


def person_tally(
    ctx: Context, state: AttendanceState, staff: str, days: list[date], index: ManualIndex
) -> Tally:
    """One person's figures over the working ``days``."""
    tally = Tally()
    study = ctx.schedule.study
    for day in days:
        tally.working_days += 1
        sessions: list[SessionCode] = list(DAY_SESSIONS)
        if day.isoweekday() == study.weekday:
            sessions.append(SessionCode.STUDY)
        for session in sessions:
            st = session_status(state, staff, day, session, index)
            is_study = session is SessionCode.STUDY
            if st.manual is not None:
                if st.manual.status == APPROVED:
                    tally.manual_approved += 1
                elif st.manual.status == PENDING:
                    tally.manual_pending += 1
            if is_study:
                if st.status == ABSENT:
                    tally.absent += study.absence_days
                    tally.study_missed += 1
                continue
            if st.status in (PRESENT, LATE):
                tally.present += HALF_DAY
                tally.late += st.status == LATE
            elif st.status == LEAVE:
                tally.leave[st.leave_kind or ""] += HALF_DAY
            elif st.status == PENDING_STATUS:
                tally.pending += HALF_DAY
            else:
                tally.absent += HALF_DAY
    return tally


def build_report(
    config: HallConfig,
    ctx: Context,
    state: AttendanceState,
    year: int,
    month: int,
    lang: str = "zh-Hant",
    until: date | None = None,
) -> MonthReport:
    """The month's figures for everyone on the roster and for each unit."""
    days = [
        d
        for d in _month_days(year, month)
        if (until is None or d <= until) and ctx.calendar.is_working_day(d)
    ]
    index = ManualIndex.build(state)
    people: list[PersonRow] = []
    units: dict[str, UnitRow] = {}
    for member in ctx.staff.values():
        if member.unit is not None:
            key = member.unit
            unit_name = config.unit_by_code[member.unit].name.get(lang)
        else:
            key = f"centre:{member.section}"
            unit_name = t("attendance.report.centre", lang) + t(
                f"attendance.section.{member.section}", lang
            )
        tally = person_tally(ctx, state, member.id, days, index)
        people.append(PersonRow(member.id, member.name, key, unit_name, tally))
        unit = units.setdefault(key, UnitRow(key, unit_name, 0, Tally()))
        unit.people += 1
        unit.tally.add(tally)
    order = [u.code for u in config.units]
    ordered = sorted(
        units.values(),
        key=lambda u: (
            u.unit.startswith("centre:"),
            order.index(u.unit) if u.unit in order else 0,
            u.unit,
        ),
    )
    return MonthReport(config.hall_file.hall.name.get(lang), year, month, days, people, ordered)


# ---------------------------------------------------------------- output

COLUMNS = (
    "working_days",
    "present",
    "late",
    "absent",
    "study_missed",
    "pending",
    "manual_approved",
    "manual_pending",
)


def _num(value: float) -> str:
    return f"{value:g}"


def _figures(tally: Tally) -> list[str]:
    base = [_num(getattr(tally, c)) for c in COLUMNS]
    return base + [_num(tally.leave.get(k.value, 0)) for k in LeaveKind]


def _headers(lang: str) -> list[str]:
    return [t(f"attendance.report.{c}", lang) for c in COLUMNS] + [
        t(f"attendance.leave.{k.value}", lang) + t("attendance.report.days_suffix", lang)
        for k in LeaveKind
    ]


def _flags(tally: Tally, lang: str) -> str:
    flags = []
    if tally.manual_pending:
        flags.append(t("attendance.report.flag_pending", lang))
    if tally.manual_approved:
        flags.append(t("attendance.report.flag_manual", lang))
    return "; ".join(flags)


def people_csv(report: MonthReport, lang: str = "zh-Hant") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            t("attendance.report.staff_id", lang),
            t("attendance.report.name", lang),
            t("attendance.report.unit", lang),
            *_headers(lang),
            t("attendance.report.flags", lang),
        ]
    )
    for row in report.people:
        writer.writerow(
            [row.staff, row.name, row.unit_name, *_figures(row.tally), _flags(row.tally, lang)]
        )
    return out.getvalue()


def units_csv(report: MonthReport, lang: str = "zh-Hant") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            t("attendance.report.unit", lang),
            t("attendance.report.people", lang),
            *_headers(lang),
            t("attendance.report.flags", lang),
        ]
    )
    for row in report.units:
        writer.writerow([row.name, row.people, *_figures(row.tally), _flags(row.tally, lang)])
    return out.getvalue()


CSS = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; font-size: 10pt; }
h1 { font-size: 15pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 6mm 0 2mm; }
p.meta { margin: 0 0 3mm; color: #444; }
table { border-collapse: collapse; width: 100%; page-break-inside: auto; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #888; padding: 1mm 1.5mm; }
th { background: #eee; font-weight: bold; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color: #aaa; }
td.id, td.name { white-space: nowrap; }
tr.pending td { background: #fff3cd; }
span.flag { color: #8a4b00; font-weight: bold; }
"""


def _row_html(cells: list[str], numeric_from: int, flags: str) -> str:
    tds = []
    for n, cell in enumerate(cells):
        if n >= numeric_from:
            cls = ' class="n zero"' if cell == "0" else ' class="n"'
        else:
            cls = (
                ' class="id"' if n == 0 else ' class="name"' if n == 1 and numeric_from > 1 else ""
            )
        tds.append(f"<td{cls}>{html.escape(cell)}</td>")
    tds.append(f'<td><span class="flag">{html.escape(flags)}</span></td>')
    return "".join(tds)


def to_html(report: MonthReport, lang: str = "zh-Hant", printed: datetime | None = None) -> str:
    """A printable page (A4 landscape) with both tables."""
    title = t("attendance.report.title", lang, hall=report.hall, month=report.label)
    heads = "".join(f"<th>{html.escape(h)}</th>" for h in _headers(lang))
    flags_head = f"<th>{html.escape(t('attendance.report.flags', lang))}</th>"
    person_rows = []
    for row in report.people:
        cls = ' class="pending"' if row.tally.manual_pending else ""
        cells = [row.staff, row.name, row.unit_name, *_figures(row.tally)]
        person_rows.append(f"<tr{cls}>{_row_html(cells, 3, _flags(row.tally, lang))}</tr>")
    unit_rows = []
    for unit in report.units:
        cls = ' class="pending"' if unit.tally.manual_pending else ""
        cells = [unit.name, str(unit.people), *_figures(unit.tally)]
        unit_rows.append(f"<tr{cls}>{_row_html(cells, 1, _flags(unit.tally, lang))}</tr>")
    meta = t("attendance.report.subtitle", lang)
    if printed is not None:
        meta += " · " + t(
            "attendance.report.generated", lang, at=printed.strftime("%Y-%m-%d %H:%M")
        )
    working = t("attendance.report.month_days", lang, days=len(report.working_days))
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="{e(lang)}"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{CSS}</style></head><body>
<h1>{e(title)}</h1>
<p class="meta">{e(meta)} · {e(working)}</p>
<h2>{e(t("attendance.report.by_person", lang))}</h2>
<table><thead><tr><th>{e(t("attendance.report.staff_id", lang))}</th>
<th>{e(t("attendance.report.name", lang))}</th><th>{e(t("attendance.report.unit", lang))}</th>
{heads}{flags_head}</tr></thead>
<tbody>
{chr(10).join(person_rows)}
</tbody></table>
<h2>{e(t("attendance.report.by_unit", lang))}</h2>
<table><thead><tr><th>{e(t("attendance.report.unit", lang))}</th>
<th>{e(t("attendance.report.people", lang))}</th>{heads}{flags_head}</tr></thead>
<tbody>
{chr(10).join(unit_rows)}
</tbody></table>
</body></html>
"""
