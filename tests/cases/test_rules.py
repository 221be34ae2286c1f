"""Case rules: the status machine, joint-case partner deadlines, extensions and overdue."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cases import rules as r
from cases.rules import Case, CaseRuleError, Limit, OverdueReason, Status
from hall.calendar import CalendarFile, DayUnit, WorkCalendar
from hall.conf.model import CaseKind

REPO = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Asia/Shanghai")
D = date.fromisoformat


def at(day: str, hh: int = 10, mm: int = 0) -> datetime:
    return datetime.combine(D(day), time(hh, mm), TZ)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    text = (REPO / "config" / "calendar.toml").read_text(encoding="utf-8")
    return CalendarFile.model_validate(tomllib.loads(text)).calendar()


def new(kind: CaseKind, day: str = "2026-11-23", days: int = 5, **kw: str) -> Case:
    return r.register(
        number="GY202611230001X",
        kind=kind,
        item="XK-GA-001",
        unit="U01",
        window="W01",
        limit=Limit(days),
        by="staff-01",
        at=at(day),
        **kw,
    )


# ------------------------------------------------------------------------ the machine


def test_every_illegal_transition_is_refused() -> None:
    legal = 0
    for start in Status:
        for to in Status:
            case = Case(
                "N", CaseKind.PROMISED, "I", "U01", "W01", D("2026-11-23"), Limit(5), start, ()
            )
            if to in r.TRANSITIONS[start]:
                legal += 1
                continue
            with pytest.raises(CaseRuleError) as exc:
                r.transition(case, to, by="s", at=at("2026-11-24"), reason="x")
            assert exc.value.code == "illegal_transition"
    assert legal == 15
    assert not r.TRANSITIONS[Status.DONE]


def test_initial_status_by_kind() -> None:
    assert new(CaseKind.PROMISED).status is Status.ACCEPTED
    assert new(CaseKind.SUPPLEMENT).status is Status.WAITING_MATERIALS
    replied = new(CaseKind.REPLY, reason="不符合發證條件")
    assert replied.status is Status.REPLIED and replied.closed_on == D("2026-11-23")
    with pytest.raises(CaseRuleError) as exc:
        new(CaseKind.REPLY)
    assert exc.value.code == "reason_required"


def test_history_keeps_every_change_with_who_and_when() -> None:
    case = new(CaseKind.PROMISED)
    case = r.transition(case, Status.IN_PROGRESS, by="staff-02", at=at("2026-11-24"))
    case = r.transition(case, Status.REPLIED, by="staff-02", at=at("2026-11-25"), reason="缺證")
    case = r.transition(case, Status.RECHECK_REQUESTED, by="biz-01", at=at("2026-11-26"))
    case = r.transition(case, Status.IN_PROGRESS, by="biz-01", at=at("2026-11-27"))
    case = r.transition(case, Status.DONE, by="staff-02", at=at("2026-11-30"))
    assert [(c.by, c.status) for c in case.history] == [
        ("staff-01", Status.ACCEPTED),
        ("staff-02", Status.IN_PROGRESS),
        ("staff-02", Status.REPLIED),
        ("biz-01", Status.RECHECK_REQUESTED),
        ("biz-01", Status.IN_PROGRESS),
        ("staff-02", Status.DONE),
    ]
    assert case.closed_on == D("2026-11-30")
    with pytest.raises(CaseRuleError) as exc:
        r.transition(case, Status.IN_PROGRESS, by="x", at=at("2026-12-01"))
    assert exc.value.code == "illegal_transition"


def test_guards() -> None:
    case = new(CaseKind.PROMISED)
    for kwargs, code in [
        ({"to": Status.REPLIED, "by": "s", "at": at("2026-11-24")}, "reason_required"),
        ({"to": Status.DONE, "by": " ", "at": at("2026-11-24")}, "actor_required"),
        ({"to": Status.DONE, "by": "s", "at": at("2026-11-22")}, "time_goes_back"),
    ]:
        with pytest.raises(CaseRuleError) as exc:
            r.transition(case, **kwargs)  # type: ignore[arg-type]
        assert exc.value.code == code
    working = r.transition(case, Status.IN_PROGRESS, by="s", at=at("2026-11-24"))
    with pytest.raises(CaseRuleError) as exc:
        r.transition(working, Status.OPINIONS_IN, by="s", at=at("2026-11-24"))
    assert exc.value.code == "not_joint"


# ------------------------------------------------------------------------ supplement


def test_supplement_clock_starts_after_materials(cal: WorkCalendar) -> None:
    case = new(CaseKind.SUPPLEMENT, day="2026-11-20")
    assert r.due(case, cal) is None
    assert r.overdue(case, cal, D("2027-03-01")) == ()  # no clock while waiting
    with pytest.raises(CaseRuleError) as exc:
        r.transition(case, Status.ACCEPTED, by="s", at=at("2026-11-25"))
    assert exc.value.code == "kind_required"
    case = r.transition(case, Status.ACCEPTED, by="s", at=at("2026-11-25"), kind=CaseKind.PROMISED)
    assert case.kind is CaseKind.PROMISED and case.materials_complete == D("2026-11-25")
    assert r.due(case, cal) == D("2026-12-02")


def test_missing_materials_found_later_pause_and_restart_the_clock(cal: WorkCalendar) -> None:
    case = new(CaseKind.PROMISED, day="2026-09-28", days=3)
    assert r.due(case, cal) == D("2026-10-08")  # 29, 30, [1-7 Oct off], 8
    case = r.transition(case, Status.WAITING_MATERIALS, by="s", at=at("2026-09-29"))
    assert r.due(case, cal) is None
    case = r.transition(case, Status.ACCEPTED, by="s", at=at("2026-10-09"), kind=CaseKind.PROMISED)
    assert r.due(case, cal) == D("2026-10-13")  # Sat 10 (make-up), Mon 12, Tue 13
    # Something else turns out to be missing: the clock stops again, then restarts.
    case = r.transition(case, Status.WAITING_MATERIALS, by="s", at=at("2026-10-12"))
    assert r.due(case, cal) is None and r.overdue(case, cal, D("2026-12-01")) == ()
    case = r.transition(case, Status.ACCEPTED, by="s", at=at("2026-11-27"), kind=CaseKind.PROMISED)
    assert r.due(case, cal) == D("2026-12-02")


def test_hand_over_restarts_the_clock(cal: WorkCalendar) -> None:
    case = new(CaseKind.PROMISED, day="2026-12-28", days=3)
    assert r.due(case, cal) == D("2026-12-31")
    case = r.hand_over(case, to_window="W05", by="s", at=at("2026-12-30"))
    assert case.window == "W05"
    assert r.due(case, cal) == D("2027-01-05")
    assert case.history[-1].detail == (("from", "W01"), ("to", "W05"))


# ------------------------------------------------------------------------- joint cases


def test_joint_partner_deadlines_and_who_is_late(cal: WorkCalendar) -> None:
    case = new(CaseKind.JOINT, day="2026-09-24", days=15)
    case = r.transition(case, Status.IN_PROGRESS, by="lead", at=at("2026-09-24", 11))
    case = r.notify_partners(
        case, cal, ["U03", "U05", "U01", "U03"], by="biz", at=at("2026-09-24", 15)
    )
    assert [p.unit for p in case.partners] == ["U03", "U05"]  # the lead unit is no partner
    p = case.partners[0]
    # 5 working days after Thu 24 Sep: 25 is Mid-Autumn, Sun 20... -> 28, 29, 30, 8 Oct, 9 Oct.
    assert p.opinion_due == D("2026-10-09")
    assert p.special_due == D("2026-09-28")  # the 1st working day after the notice
    case = r.report_special_needs(case, "U05", by="u05", at=at("2026-09-29"), reason="聯合勘察")
    with pytest.raises(CaseRuleError) as exc:
        r.transition(case, Status.OPINIONS_IN, by="biz", at=at("2026-09-30"))
    assert exc.value.code == "opinions_missing"
    case = r.record_opinion(case, "U03", by="biz", at=at("2026-10-09", 16))
    assert [(x.unit, x.what, x.done_on) for x in r.late_partners(case, D("2026-10-09"))] == [
        ("U05", "special_needs", D("2026-09-29"))
    ]
    late = r.late_partners(case, D("2026-10-10"))
    assert ("U05", "opinion", None) in [(x.unit, x.what, x.done_on) for x in late]
    case = r.record_opinion(case, "U05", by="biz", at=at("2026-10-12"))
    with pytest.raises(CaseRuleError) as exc:
        r.record_opinion(case, "U09", by="biz", at=at("2026-10-12"))
    assert exc.value.code == "unknown_partner"
    case = r.transition(case, Status.OPINIONS_IN, by="biz", at=at("2026-10-12", 11))
    case = r.transition(case, Status.DONE, by="lead", at=at("2026-10-13"))
    assert r.on_time(case, cal, D("2026-10-20")) is True
    assert ("U05", "opinion", D("2026-10-12")) in [
        (x.unit, x.what, x.done_on) for x in r.late_partners(case, D("2026-10-20"))
    ]


# ------------------------------------------------------------------ extension, overdue


def test_promised_cases_cannot_be_extended(cal: WorkCalendar) -> None:
    with pytest.raises(CaseRuleError) as exc:
        r.extend(
            new(CaseKind.PROMISED),
            cal,
            days=2,
            by="s",
            approver="boss",
            at=at("2026-11-24"),
            reason="x",
        )
    assert exc.value.code == "extension_not_allowed"


def test_extension_only_before_the_deadline_and_with_an_approver(cal: WorkCalendar) -> None:
    case = new(CaseKind.JOINT, day="2026-11-23", days=5)
    assert r.due(case, cal) == D("2026-11-30")
    for approver, code in [("", "approver_required"), ("s", "approver_required")]:
        with pytest.raises(CaseRuleError) as exc:
            r.extend(
                case, cal, days=2, by="s", approver=approver, at=at("2026-11-25"), reason="聯審會"
            )
        assert exc.value.code == code
    longer = r.extend(
        case, cal, days=2, by="s", approver="director", at=at("2026-11-30", 17), reason="聯審會"
    )
    assert r.due(longer, cal) == D("2026-12-02")
    done = r.transition(longer, Status.DONE, by="s", at=at("2026-12-02"))
    assert r.overdue(done, cal, D("2026-12-10")) == ()
    with pytest.raises(CaseRuleError) as exc:
        r.extend(
            case, cal, days=2, by="s", approver="director", at=at("2026-12-01"), reason="聯審會"
        )
    assert exc.value.code == "extension_after_deadline"
    late = exc.value.record
    assert late is not None and late.history[-1].action == "extension_late"
    assert r.due(late, cal) == D("2026-11-30")
    assert r.overdue(late, cal, D("2026-12-01")) == (
        OverdueReason.NOT_DELIVERED,
        OverdueReason.LATE_EXTENSION,
    )


def test_overdue_and_on_time(cal: WorkCalendar) -> None:
    case = new(CaseKind.PROMISED, day="2026-11-23", days=5)  # due Mon 30 Nov
    assert r.on_time(case, cal, D("2026-11-30")) is None
    assert r.overdue(case, cal, D("2026-11-30")) == ()
    assert r.overdue(case, cal, D("2026-12-01")) == (OverdueReason.NOT_DELIVERED,)
    done_in_time = r.transition(case, Status.DONE, by="s", at=at("2026-11-30", 17, 59))
    assert r.on_time(done_in_time, cal, D("2027-01-01")) is True
    done_late = r.transition(case, Status.DONE, by="s", at=at("2026-12-01"))
    assert r.overdue(done_late, cal, D("2026-12-01")) == (OverdueReason.NOT_DELIVERED,)
    replied_late = r.transition(case, Status.REPLIED, by="s", at=at("2026-12-03"), reason="不符")
    assert r.overdue(replied_late, cal, D("2026-12-03")) == (OverdueReason.NOT_ANSWERED,)


def test_an_applicant_who_does_not_come_does_not_make_a_case_overdue(cal: WorkCalendar) -> None:
    case = new(CaseKind.PROMISED, day="2026-11-23", days=5)  # due Mon 30 Nov
    ready = r.mark_result_ready(case, by="s", at=at("2026-11-27"))
    assert r.overdue(ready, cal, D("2026-12-04")) == (OverdueReason.NOT_DELIVERED,)
    absent = r.note_applicant_absent(ready, by="s", at=at("2026-11-30", 17))
    assert r.overdue(absent, cal, D("2026-12-04")) == ()
    assert r.on_time(absent, cal, D("2026-12-04")) is True
    collected = r.transition(absent, Status.DONE, by="s", at=at("2026-12-07"))
    assert r.overdue(collected, cal, D("2026-12-07")) == ()
    # Result ready only after the deadline: absence does not excuse it.
    late_ready = r.mark_result_ready(case, by="s", at=at("2026-12-01"))
    late_absent = r.note_applicant_absent(late_ready, by="s", at=at("2026-12-02"))
    assert r.overdue(late_absent, cal, D("2026-12-02")) == (OverdueReason.NOT_DELIVERED,)
    with pytest.raises(CaseRuleError) as exc:
        r.note_applicant_absent(case, by="s", at=at("2026-11-27"))
    assert exc.value.code == "result_not_ready"


def test_a_refusal_without_reason_in_a_stored_record_is_overdue(cal: WorkCalendar) -> None:
    case = new(CaseKind.PROMISED)
    bad = Case(
        case.number,
        case.kind,
        case.item,
        case.unit,
        case.window,
        case.received,
        case.limit,
        Status.REPLIED,
        (*case.history, r.Change(at("2026-11-23", 11), "s", "status", Status.REPLIED)),
        closed_on=D("2026-11-23"),
    )
    assert r.overdue(bad, cal, D("2026-11-23")) == (OverdueReason.REFUSED_WITHOUT_REASON,)


def test_calendar_day_limits(cal: WorkCalendar) -> None:
    case = r.register(
        number="N",
        kind=CaseKind.PROMISED,
        item="I",
        unit="U01",
        window="W01",
        limit=Limit(5, DayUnit.CALENDAR),
        by="s",
        at=at("2026-09-28"),
    )
    assert r.due(case, cal) == D("2026-10-08")


def test_due_flags_for_the_window_and_the_business_section(cal: WorkCalendar) -> None:
    case = new(CaseKind.PROMISED, day="2026-09-24", days=2)  # 25 off, 28, 29 -> due Tue 29
    assert r.due(case, cal) == D("2026-09-29")
    assert r.due_flag(case, cal, D("2026-09-24")) is None
    # Fri 25 is Mid-Autumn, Sat/Sun off: on Saturday the next working day is already Monday.
    assert r.due_flag(case, cal, D("2026-09-26")) is None
    assert r.due_flag(case, cal, D("2026-09-28")) is r.DueFlag.DUE_NEXT
    assert r.due_flag(case, cal, D("2026-09-29")) is r.DueFlag.DUE_TODAY
    assert r.due_flag(case, cal, D("2026-09-30")) is r.DueFlag.OVERDUE
    done = r.transition(case, Status.DONE, by="s", at=at("2026-09-29"))
    assert r.due_flag(done, cal, D("2026-09-30")) is None
    # Due on the Sunday make-up day 20 Sep: flagged on Friday 18th as the next working day.
    sunday = new(CaseKind.PROMISED, day="2026-09-17", days=2)
    assert r.due(sunday, cal) == D("2026-09-20")
    assert r.due_flag(sunday, cal, D("2026-09-18")) is r.DueFlag.DUE_NEXT
    waiting = new(CaseKind.SUPPLEMENT)
    assert r.due_flag(waiting, cal, D("2027-01-01")) is None
