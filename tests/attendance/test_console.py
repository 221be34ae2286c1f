"""The duty console presenter: PIN sign-in, roll call, manual records, decisions, the log."""

from __future__ import annotations

from pathlib import Path

from attendance.console import DutyConsole, current_session
from attendance.recorder import FileRecorder
from attendance.rules import Context
from attendance.state import Command
from hall.conf.duty import SessionCode
from hall.i18n import t
from tests.attendance.conftest import DIRECTOR, OFFICER, WED, at
from tests.attendance.test_station import Clock


def _console(ctx: Context, tmp_path: Path, clock: Clock, lang: str = "zh-Hant") -> DutyConsole:
    recorder = FileRecorder(tmp_path / "events.jsonl", ctx)
    return DutyConsole(ctx, recorder, clock=clock, lang=lang)


def test_pin_sign_in(ctx: Context, tmp_path: Path) -> None:
    console = _console(ctx, tmp_path, Clock(at(WED, 9)))
    bad = console.sign_in(OFFICER, "0000")
    assert not bad.ok and bad.code == "bad_pin" and console.user is None
    assert console.sign_in("S999", "1234").code == "bad_pin"
    assert console.sign_in("S013", "1234").code == "no_role"  # window staff, not a head
    assert console.enter("S020", "morning", "power_cut").code == "signed_out"
    ok = console.sign_in(OFFICER.lower(), "1234")
    assert ok.ok and console.user is not None and console.user.id == OFFICER


def test_roll_call_manual_record_and_decision(ctx: Context, tmp_path: Path) -> None:
    clock = Clock(at(WED, 8, 50))
    console = _console(ctx, tmp_path, clock)
    punch = Command(
        "punch.record", "signin-01", at(WED, 8, 5), {"staff": "S020", "device": "signin-01"}
    )
    console.recorder.submit(punch)
    console.recorder.submit(
        Command(
            "attempt.record",
            "signin-01",
            at(WED, 8, 6),
            {"result": "unclear", "device": "signin-01"},
        )
    )
    console.recorder.submit(
        Command(
            "device.status",
            "signin-01",
            at(WED, 8, 30),
            {"device": "signin-01", "status": "offline", "detail": "GEN_IMG: no reply within 2 s"},
        )
    )
    console.sign_in(OFFICER, "1234")
    view = console.view()
    assert view.devices == [
        {"device": "signin-01", "status": "offline", "since": "08:30:00", "text": "簽到機離線"}
    ]
    assert view.session == "morning" and view.session_text == "上午"
    assert view.on_duty == (OFFICER, DIRECTOR) and view.can_enter and not view.can_decide
    rows = {r.staff: r for r in view.rows}
    assert len(rows) == 53 and rows["S020"].text == "出勤" and rows["S021"].status == "absent"
    assert view.counts == {"present": 1, "absent": 52}
    assert view.attempts == [
        {
            "at": "08:06:00",
            "result": "unclear",
            "device": "signin-01",
            "text": t("attendance.station.unclear", "zh-Hant"),
        }
    ]
    entered = console.enter("S021", "morning", "unclear_fingerprint", time="08:06")
    assert entered.ok and "1" in entered.text
    (pending,) = console.view().pending
    assert (pending.staff, pending.reason, pending.time) == ("S021", "指紋不明顯", "08:06")
    refused = console.decide(pending.id, approve=True)
    assert not refused.ok and refused.text == t("attendance.error.not_duty_director", "zh-Hant")
    console.sign_out()
    console.sign_in(DIRECTOR, "1234")
    assert console.view().can_decide and not console.view().can_enter
    assert console.decide(pending.id, approve=True).ok
    view = console.view()
    assert {r.staff: r.text for r in view.rows}["S021"] == "出勤" and not view.pending


def test_outage_batch_and_signing_the_log(ctx: Context, tmp_path: Path) -> None:
    clock = Clock(at(WED, 9))
    console = _console(ctx, tmp_path, clock, lang="en")
    console.sign_in(OFFICER, "1234")
    people = [f"S{n:03d}" for n in range(20, 26)]
    batch = console.enter(people, "morning", "power_cut", time="08:20")
    assert batch.ok and batch.text.startswith("6 record(s)")
    ids = [p.id for p in console.view().pending]
    console.sign_out()
    console.sign_in(DIRECTOR, "1234")
    clock.now = at(WED, 17, 40)
    assert not console.view().can_sign
    for record in ids[:-1]:
        assert console.decide(record, approve=True).ok
    clock.now = at(WED, 17, 50)
    assert console.view().can_sign
    blocked = console.sign_log()
    assert blocked.code == "pending_records"
    assert console.decide(ids[-1], approve=False, note="not in the hall").ok
    assert console.sign_log().ok
    view = console.view()
    assert view.log_signed and not view.can_sign and view.session == "afternoon"
    morning = {r.staff: r.status for r in console.view(SessionCode.MORNING).rows}
    assert [morning[p] for p in people] == ["present"] * 5 + ["absent"]


def test_current_session(ctx: Context) -> None:
    assert current_session(ctx, at(WED, 6, 0)) is SessionCode.MORNING
    assert current_session(ctx, at(WED, 12, 30)) is SessionCode.AFTERNOON
    assert current_session(ctx, at(WED, 19, 0)) is SessionCode.AFTERNOON
    assert current_session(ctx, at((2026, 11, 23), 19, 0)) is SessionCode.STUDY


def test_leave_requests_and_who_may_decide_them(ctx: Context, tmp_path: Path) -> None:
    console = _console(ctx, tmp_path, Clock(at(WED, 9)))
    console.sign_in(OFFICER, "1234")
    assert console.request_leave("S020", "personal", "2026-11-26").ok  # 1 day
    trip = console.request_leave("S022", "business_trip", "2026-11-27")
    assert trip.ok
    refused = console.request_leave("S023", "sick", "2026-11-26", "2026-11-27")
    assert refused.code == "stand_in_required"
    leaves = {lv.staff: lv for lv in console.view().leaves}
    assert set(leaves) == {"S020", "S022"} and not any(lv.can_decide for lv in leaves.values())
    assert leaves["S020"].approver == "值班主任" and leaves["S022"].approver == "窗口負責人"
    assert leaves["S020"].period == "2026-11-26 上午 – 2026-11-26 下午"
    console.sign_out()
    console.sign_in(DIRECTOR, "1234")
    leaves = {lv.staff: lv for lv in console.view().leaves}
    assert leaves["S020"].can_decide and not leaves["S022"].can_decide
    assert console.decide_leave(leaves["S020"].id, approve=True).ok
    console.sign_out()
    console.sign_in("S021", "1234")  # the head of window W08, where S022 works
    (trip_row,) = console.view().leaves
    assert trip_row.staff == "S022" and trip_row.can_decide
    assert console.decide_leave(trip_row.id, approve=True).ok
    assert console.view().leaves == []


def test_every_label_is_translated(ctx: Context, tmp_path: Path) -> None:
    view = _console(ctx, tmp_path, Clock(at(WED, 9))).view()
    assert {"leaves", "pending", "failed", "sign_log"} <= set(view.labels)
    assert all(not text.startswith("attendance.") for text in view.labels.values())


def test_absences_and_notes_go_into_the_duty_log(ctx: Context, tmp_path: Path) -> None:
    console = _console(ctx, tmp_path, Clock(at(WED, 9, 15)))
    assert console.report_absences(["S030"]).code == "signed_out"
    console.sign_in(OFFICER, "1234")
    assert console.report_absences(["S030", "S031"], "no word from them").ok
    assert console.note("Reader cleaned at 09:10").ok
    log = console.view().log
    name = ctx.staff["S030"].name
    assert log[0] == f"09:15 {name} 上午缺勤：no word from them ({ctx.staff[OFFICER].name})"
    assert log[2].startswith("09:15 Reader cleaned at 09:10")


def test_the_full_trail_of_a_voided_record(ctx: Context, tmp_path: Path) -> None:
    clock = Clock(at(WED, 9))
    console = _console(ctx, tmp_path, clock)
    console.sign_in(OFFICER, "1234")
    console.enter("S021", "morning", "power_cut", time="08:10")
    console.sign_out()
    console.sign_in(DIRECTOR, "1234")
    (record,) = [p.id for p in console.view().pending]
    console.decide(record, approve=True)
    assert console.voidable("S021") is None  # the director does not enter corrections
    console.sign_out()
    console.sign_in(OFFICER, "1234")
    clock.now = at(WED, 9, 30)
    assert console.voidable("S021") == record
    assert console.void(record, "").code == "note_required"
    assert console.void(record, "entered for the wrong person").ok
    lines = console.trail("S021")
    officer, director = ctx.staff[OFFICER].name, ctx.staff[DIRECTOR].name
    name = ctx.staff["S021"].name
    assert lines == [
        f"{record} 09:00 {officer}登記：{name} 上午 08:10 停電 · 已核准 {director} 09:00",
        f"M00002 09:30 {officer}作廢 {record}：entered for the wrong person · 待審核",
    ]
    assert console.voidable("S021") is None  # the void itself is not voided again here


def test_a_day_off_says_so_instead_of_counting(ctx: Context, tmp_path: Path) -> None:
    saturday = (2026, 11, 28)  # a Saturday, no make-up working day in the sample calendar
    console = _console(ctx, tmp_path, Clock(at(saturday, 9)), lang="en")
    console.sign_in(OFFICER, "1234")
    view = console.view()
    assert not view.working and not view.can_enter and view.rows == []
    assert view.labels["no_session"] == t("attendance.console.no_session", "en")
    working = _console(ctx, tmp_path / "wed", Clock(at(WED, 9)), lang="en").view()
    assert working.working
