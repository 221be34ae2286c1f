"""Workflow rules: punches, manual records, approvals, corrections, leave, the duty log."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest

from attendance.rules import Context, Rejected
from attendance.state import replay
from attendance.status import ABSENT, LATE, LEAVE, PENDING_STATUS, PRESENT, session_status
from hall.conf.duty import DayDuty, Rota, RotaFile, RotaPattern, SessionCode
from hall.conf.staff import StaffRole
from tests.attendance.conftest import DIRECTOR, OFFICER, WED, Desk, at

DAY = date(*WED)
M, A = SessionCode.MORNING, SessionCode.AFTERNOON


def refused(desk: Desk, code: str, ctype: str, by: str, when: datetime, **data: Any) -> Rejected:
    """The command is refused with ``code`` and the state does not change."""
    before = json.dumps(desk.state.to_dict(), default=str, sort_keys=True)
    with pytest.raises(Rejected) as exc:
        desk.do(ctype, by, when, **data)
    assert exc.value.code == code, exc.value.message
    assert json.dumps(desk.state.to_dict(), default=str, sort_keys=True) == before
    return exc.value


def status(desk: Desk, staff: str, session: SessionCode = M, day: date = DAY) -> str:
    return session_status(desk.state, staff, day, session).status


# ----------------------------------------------------------------- punches


def test_punch_sessions_late_and_double_punch(desk: Desk) -> None:
    (first,) = desk.do(
        "punch.record", "signin-01", at(WED, 8, 12), staff="S020", page=16, device="signin-01"
    )
    assert first.data["session"] == "morning" and not first.data["late"] and first.data["counted"]
    (second,) = desk.do(
        "punch.record", "signin-01", at(WED, 8, 40), staff="S020", device="signin-01"
    )
    assert second.data["counted"] is False  # recorded, but counted once
    (late,) = desk.do(
        "punch.record", "signin-01", at(WED, 13, 31), staff="S020", device="signin-01"
    )
    assert late.data["session"] == "afternoon" and late.data["late"] and late.data["counted"]
    assert status(desk, "S020") == PRESENT and status(desk, "S020", A) == LATE
    assert len(desk.state.punches) == 3
    # Duty staff arrive 10 minutes early: S008 (on duty) is late at 08:25, S009 is not.
    (duty,) = desk.do(
        "punch.record", "signin-01", at(WED, 8, 25), staff=OFFICER, device="signin-01"
    )
    (other,) = desk.do(
        "punch.record", "signin-01", at(WED, 8, 25), staff="S009", device="signin-01"
    )
    assert duty.data["late"] and not other.data["late"]
    # Outside every session: kept, not counted.
    (evening,) = desk.do(
        "punch.record", "signin-01", at(WED, 19, 0), staff="S021", device="signin-01"
    )
    assert evening.data["session"] is None and not evening.data["counted"]


def test_failed_attempts_are_kept(desk: Desk) -> None:
    for result in ("no_match", "unclear", "no_finger", "device_fault"):
        desk.do(
            "attempt.record",
            "signin-01",
            at(WED, 8, 5),
            result=result,
            device="signin-01",
            detail="x",
        )
    assert [a.result for a in desk.state.attempts] == [
        "no_match",
        "unclear",
        "no_finger",
        "device_fault",
    ]
    assert {a.session for a in desk.state.attempts} == {M}
    refused(
        desk,
        "bad_command",
        "attempt.record",
        "signin-01",
        at(WED, 8, 6),
        result="matched",
        device="signin-01",
    )
    refused(
        desk,
        "bad_command",
        "attempt.record",
        "signin-01",
        at(WED, 8, 6),
        result="smudge",
        device="signin-01",
    )


# ----------------------------------------------------------------- manual records


def test_manual_entry_then_approval(desk: Desk) -> None:
    (event,) = desk.do(
        "manual.enter",
        OFFICER,
        at(WED, 8, 50),
        staff="S020",
        session="morning",
        time="08:40",
        reason="unclear_fingerprint",
    )
    record = desk.state.manual[event.data["id"]]
    assert record.entered_by == OFFICER and record.status == "pending" and record.late
    assert status(desk, "S020") == PENDING_STATUS
    desk.do("manual.decide", DIRECTOR, at(WED, 9, 30), record=record.id, decision="approve")
    assert record.status == "approved" and record.decided_by == DIRECTOR
    assert status(desk, "S020") == LATE
    refused(
        desk,
        "not_pending",
        "manual.decide",
        DIRECTOR,
        at(WED, 9, 31),
        record=record.id,
        decision="reject",
        note="x",
    )
    refused(
        desk,
        "already_recorded",
        "manual.enter",
        OFFICER,
        at(WED, 9, 40),
        staff="S020",
        session="morning",
        reason="power_cut",
    )


def test_manual_entry_rejected(desk: Desk) -> None:
    (event,) = desk.do(
        "manual.enter",
        OFFICER,
        at(WED, 14, 0),
        staff="S021",
        session="afternoon",
        time="13:20",
        reason="machine_fault",
    )
    rid = event.data["id"]
    refused(
        desk,
        "note_required",
        "manual.decide",
        DIRECTOR,
        at(WED, 15, 0),
        record=rid,
        decision="reject",
    )
    desk.do(
        "manual.decide",
        DIRECTOR,
        at(WED, 15, 0),
        record=rid,
        decision="reject",
        note="the reader worked all afternoon",
    )
    assert desk.state.manual[rid].status == "rejected"
    assert status(desk, "S021", A) == ABSENT


def test_reason_other_needs_a_note_and_times_fit_the_session(desk: Desk) -> None:
    refused(
        desk,
        "note_required",
        "manual.enter",
        OFFICER,
        at(WED, 9),
        staff="S020",
        session="morning",
        reason="other",
    )
    refused(
        desk,
        "bad_session",
        "manual.enter",
        OFFICER,
        at(WED, 9),
        staff="S020",
        session="morning",
        time="14:00",
        reason="power_cut",
    )
    refused(
        desk,
        "bad_command",
        "manual.enter",
        OFFICER,
        at(WED, 9),
        staff="S020",
        session="morning",
        reason="forgot",
    )
    refused(
        desk,
        "future_day",
        "manual.enter",
        OFFICER,
        at(WED, 9),
        staff="S020",
        session="morning",
        reason="power_cut",
        day="2026-11-26",
    )
    refused(
        desk,
        "bad_command",
        "manual.enter",
        OFFICER,
        at(WED, 9),
        staff=20,
        session="morning",
        reason="power_cut",
    )
    refused(
        desk,
        "bad_command",
        "manual.enter",
        OFFICER,
        at(WED, 9),
        staff=["S020", "S020"],
        session="morning",
        reason="power_cut",
    )
    refused(
        desk,
        "unknown_staff",
        "manual.enter",
        OFFICER,
        at(WED, 9),
        staff="S999",
        session="morning",
        reason="power_cut",
    )
    desk.do(
        "manual.enter",
        OFFICER,
        at(WED, 9),
        staff="S020",
        session="morning",
        reason="other",
        note="badge reader at the side door used",
    )


def test_only_the_duty_officer_enters_and_only_the_duty_director_decides(desk: Desk) -> None:
    args = {"staff": "S020", "session": "morning", "reason": "power_cut"}
    refused(desk, "not_duty_officer", "manual.enter", "S020", at(WED, 9), **args)  # window staff
    refused(desk, "not_duty_officer", "manual.enter", DIRECTOR, at(WED, 9), **args)
    refused(desk, "not_on_duty", "manual.enter", "S009", at(WED, 9), **args)  # not today
    (event,) = desk.do("manual.enter", OFFICER, at(WED, 9), **args)
    rid = event.data["id"]
    refused(
        desk,
        "not_duty_director",
        "manual.decide",
        OFFICER,
        at(WED, 9, 5),
        record=rid,
        decision="approve",
    )
    refused(
        desk,
        "not_duty_director",
        "manual.decide",
        "S001",
        at(WED, 9, 5),
        record=rid,
        decision="approve",
    )  # the center director is not the duty director
    refused(
        desk, "not_on_duty", "manual.decide", "S005", at(WED, 9, 5), record=rid, decision="approve"
    )
    refused(
        desk,
        "unknown_record",
        "manual.decide",
        DIRECTOR,
        at(WED, 9, 5),
        record="M09999",
        decision="approve",
    )


def test_nobody_approves_their_own_record(ctx: Context) -> None:
    # S008 holds both duty roles here: officer on Wednesday, director on Thursday.
    both = ctx.staff[OFFICER].model_copy(
        update={"roles": [StaffRole.DUTY_OFFICER, StaffRole.DUTY_DIRECTOR]}
    )
    rota = Rota(
        RotaFile(
            pattern=[
                RotaPattern(
                    valid_from=date(2026, 11, 1),
                    set_on=date(2026, 10, 1),
                    set_by="office",
                    wednesday=DayDuty(officer=OFFICER, director=DIRECTOR),
                    thursday=DayDuty(officer="S009", director=OFFICER),
                )
            ]
        )
    )
    desk = Desk(replace(ctx, staff={**ctx.staff, OFFICER: both}, rota=rota))
    (mine,) = desk.do(
        "manual.enter", OFFICER, at(WED, 9), staff="S020", session="morning", reason="power_cut"
    )
    thursday = (2026, 11, 26)
    refused(
        desk,
        "self_approval",
        "manual.decide",
        OFFICER,
        at(thursday, 9),
        record=mine.data["id"],
        decision="approve",
    )
    # The director's own sign-in, entered by the officer, is not theirs to approve either.
    (own,) = desk.do(
        "manual.enter",
        OFFICER,
        at(WED, 9, 1),
        staff=DIRECTOR,
        session="morning",
        reason="unclear_fingerprint",
    )
    refused(
        desk,
        "self_approval",
        "manual.decide",
        DIRECTOR,
        at(WED, 9, 5),
        record=own.data["id"],
        decision="approve",
    )


def test_correction_chain(desk: Desk) -> None:
    (first,) = desk.do(
        "manual.enter", OFFICER, at(WED, 9), staff="S020", session="afternoon", reason="power_cut"
    )
    m1 = first.data["id"]
    desk.do("manual.decide", DIRECTOR, at(WED, 9, 10), record=m1, decision="approve")
    assert status(desk, "S020", A) == PRESENT and status(desk, "S020", M) == ABSENT
    # Wrong session: a correction points at the record; nothing is edited.
    (second,) = desk.do(
        "manual.correct",
        OFFICER,
        at(WED, 9, 20),
        corrects=m1,
        session="morning",
        time="08:20",
        note="was the morning",
    )
    m2 = second.data["id"]
    assert desk.state.manual[m1].corrected_by == m2 and desk.state.manual[m1].status == "approved"
    assert desk.state.manual[m2].corrects == m1 and desk.state.manual[m2].status == "pending"
    assert status(desk, "S020", M) == PENDING_STATUS
    refused(
        desk,
        "already_corrected",
        "manual.correct",
        OFFICER,
        at(WED, 9, 25),
        corrects=m1,
        session="morning",
    )
    refused(
        desk,
        "already_corrected",
        "manual.decide",
        DIRECTOR,
        at(WED, 9, 25),
        record=m1,
        decision="reject",
        note="x",
    )
    desk.do("manual.decide", DIRECTOR, at(WED, 9, 30), record=m2, decision="approve")
    assert status(desk, "S020", M) == PRESENT
    # Then it turns out S020 was not there at all: a void correction, approved.
    (third,) = desk.do(
        "manual.correct", OFFICER, at(WED, 11), corrects=m2, void=True, note="S020 was on the road"
    )
    m3 = third.data["id"]
    refused(desk, "note_required", "manual.correct", OFFICER, at(WED, 11), corrects=m3, void=True)
    assert status(desk, "S020", M) == PRESENT  # the void is pending: the approved one stands
    desk.do("manual.decide", DIRECTOR, at(WED, 11, 5), record=m3, decision="approve")
    assert status(desk, "S020", M) == ABSENT
    trail = desk.state.chain(m3)
    assert [r.id for r in trail] == [m1, m2, m3]
    assert [r.status for r in trail] == ["approved", "approved", "approved"]
    assert [r.entered_by for r in trail] == [OFFICER] * 3
    assert desk.state.chain(m1) == trail and len(desk.state.manual) == 3


def test_outage_batch_entry(desk: Desk) -> None:
    desk.do("punch.record", "signin-01", at(WED, 7, 50), staff="S012", device="signin-01")
    everyone = [f"S{n:03d}" for n in range(12, 30)]
    err = refused(
        desk,
        "already_signed",
        "manual.enter",
        OFFICER,
        at(WED, 8, 45),
        staff=everyone,
        session="morning",
        reason="power_cut",
        time="08:10",
    )
    assert err.details["staff"] == ["S012"]
    others = everyone[1:]
    events = desk.do(
        "manual.enter",
        OFFICER,
        at(WED, 8, 45),
        staff=others,
        session="morning",
        reason="power_cut",
        time="08:10",
    )
    assert len(events) == len(others)
    batches = {desk.state.manual[e.data["id"]].batch for e in events}
    assert len(batches) == 1 and None not in batches
    assert all(status(desk, s) == PENDING_STATUS for s in others)
    for e in events:
        desk.do("manual.decide", DIRECTOR, at(WED, 9), record=e.data["id"], decision="approve")
    assert all(status(desk, s) == PRESENT for s in everyone)
    assert len({e.data["id"] for e in events}) == len(others)


# ----------------------------------------------------------------- leave


def test_business_trip_is_approved_by_the_window_head(desk: Desk) -> None:
    (req,) = desk.do(
        "leave.request",
        "S013",
        at(WED, 8),
        kind="business_trip",
        first="2026-11-26",
        last="2026-11-27",
        reason="provincial training",
    )
    leave = desk.state.leaves[req.data["id"]]
    assert leave.approver == "window_head" and leave.days == 2.0 and not leave.stand_in
    refused(
        desk,
        "wrong_approver",
        "leave.decide",
        "S016",
        at(WED, 9),
        leave=leave.id,
        decision="approve",
    )  # another unit's head
    refused(
        desk,
        "wrong_approver",
        "leave.decide",
        DIRECTOR,
        at(WED, 9),
        leave=leave.id,
        decision="approve",
    )
    desk.do("leave.decide", "S012", at(WED, 9), leave=leave.id, decision="approve")
    assert status(desk, "S013", M, date(2026, 11, 27)) == LEAVE
    assert session_status(desk.state, "S013", date(2026, 11, 27), M).leave_kind == "business_trip"
    # A head's own trip: not theirs to approve, nor another head's: the center director's.
    (own,) = desk.do("leave.request", "S012", at(WED, 8), kind="business_trip", first="2026-11-30")
    refused(
        desk,
        "self_approval",
        "leave.decide",
        "S012",
        at(WED, 9),
        leave=own.data["id"],
        decision="approve",
    )
    refused(
        desk,
        "wrong_approver",
        "leave.decide",
        "S014",
        at(WED, 9),
        leave=own.data["id"],
        decision="approve",
    )
    desk.do("leave.decide", "S001", at(WED, 9), leave=own.data["id"], decision="approve")


def test_up_to_one_day_is_approved_by_the_duty_director(desk: Desk) -> None:
    (req,) = desk.do(
        "leave.request",
        "S020",
        at(WED, 8),
        kind="personal",
        first="2026-11-27",
        first_half="afternoon",
        last="2026-11-30",
        last_half="morning",
    )
    leave = desk.state.leaves[req.data["id"]]
    assert leave.days == 1.0 and leave.approver == "duty_director"  # Fri pm + Mon am
    refused(
        desk, "not_on_duty", "leave.decide", "S005", at(WED, 9), leave=leave.id, decision="approve"
    )
    refused(
        desk,
        "wrong_approver",
        "leave.decide",
        "S001",
        at(WED, 9),
        leave=leave.id,
        decision="approve",
    )
    desk.do("leave.decide", DIRECTOR, at(WED, 9), leave=leave.id, decision="approve")
    assert status(desk, "S020", A, date(2026, 11, 27)) == LEAVE
    assert status(desk, "S020", M, date(2026, 11, 27)) == ABSENT
    assert status(desk, "S020", SessionCode.STUDY, date(2026, 11, 30)) == ABSENT  # pm not on leave
    refused(
        desk, "leave_overlaps", "leave.request", "S020", at(WED, 8), kind="sick", first="2026-11-30"
    )


def test_two_days_or_more_need_the_center_director_and_a_stand_in(desk: Desk) -> None:
    args = {"kind": "sick", "first": "2026-11-26", "last": "2026-11-27"}
    refused(desk, "stand_in_required", "leave.request", "S020", at(WED, 8), **args)
    (req,) = desk.do("leave.request", OFFICER, at(WED, 8), staff="S020", stand_in="王小明", **args)
    leave = desk.state.leaves[req.data["id"]]
    assert leave.approver == "center_director" and leave.requested_by == OFFICER
    refused(
        desk,
        "wrong_approver",
        "leave.decide",
        DIRECTOR,
        at(WED, 9),
        leave=leave.id,
        decision="approve",
    )
    desk.do("leave.decide", "S001", at(WED, 9), leave=leave.id, decision="approve")
    assert status(desk, "S020", M, date(2026, 11, 26)) == LEAVE
    refused(
        desk,
        "not_duty_officer",
        "leave.request",
        "S021",
        at(WED, 8),
        staff="S020",
        kind="sick",
        first="2026-12-01",
    )


# ----------------------------------------------------------------- duty log


def test_signed_duty_log_closes_the_day(desk: Desk) -> None:
    (entry,) = desk.do(
        "manual.enter",
        OFFICER,
        at(WED, 9),
        staff="S020",
        session="morning",
        reason="machine_fault",
        time="08:15",
    )
    desk.do(
        "attempt.record", "signin-01", at(WED, 8, 14), result="device_fault", device="signin-01"
    )
    desk.do(
        "absence.report",
        OFFICER,
        at(WED, 9, 5),
        staff="S022",
        session="morning",
        note="no word from S022",
    )
    desk.do("duty.note", DIRECTOR, at(WED, 12), text="Reader restarted at 08:20")
    refused(desk, "too_early", "duty.sign", DIRECTOR, at(WED, 17, 49))
    err = refused(desk, "pending_records", "duty.sign", DIRECTOR, at(WED, 17, 50))
    assert err.details["ids"] == [entry.data["id"]]
    refused(desk, "not_duty_director", "duty.sign", OFFICER, at(WED, 17, 50))
    desk.do("manual.decide", DIRECTOR, at(WED, 17, 50), record=entry.data["id"], decision="approve")
    (signed,) = desk.do("duty.sign", DIRECTOR, at(WED, 17, 50))
    log = desk.state.logs[DAY]
    assert log.signed_by == DIRECTOR and log.signed_at == at(WED, 17, 50)
    assert signed.data["summary"]["manual_approved"] == [entry.data["id"]]
    assert signed.data["summary"]["absences_reported"] == ["S022"]
    assert signed.data["summary"]["failed_attempts"] == 1
    assert [e["kind"] for e in log.entries] == ["absence", "note"]
    # Closed: no new manual entries or notes; corrections still go in.
    refused(
        desk,
        "day_closed",
        "manual.enter",
        OFFICER,
        at(WED, 17, 55),
        staff="S021",
        session="afternoon",
        reason="power_cut",
    )
    refused(desk, "day_closed", "duty.note", OFFICER, at(WED, 17, 56), text="late note")
    refused(desk, "already_signed_log", "duty.sign", DIRECTOR, at(WED, 17, 58))
    desk.do(
        "manual.correct",
        OFFICER,
        at(WED, 17, 57),
        corrects=entry.data["id"],
        time="08:35",
        note="came at 08:35",
    )
    assert len(desk.state.manual) == 2


def test_replay_gives_the_same_state(desk: Desk) -> None:
    test_signed_duty_log_closes_the_day(desk)
    desk.do("leave.request", "S030", at(WED, 8), kind="annual", first="2026-11-30")
    copy = replay(desk.events)
    assert copy.to_dict() == desk.state.to_dict()
    assert copy.counted == desk.state.counted and copy.serial == desk.state.serial
