"""``state/attendance.day``: the day's record as events, which a console started mid-day folds
to see exactly what the full history shows of that day (``attendance.state.day_record``)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from attendance.rules import Context
from attendance.state import Event, apply, day_record, replay
from attendance.status import roll_call
from hall.conf.duty import SessionCode
from tests.attendance import test_workflow as workflow
from tests.attendance.conftest import DIRECTOR, OFFICER, WED, Desk, at

DAY = date(*WED)


def _month_of_records(desk: Desk) -> None:
    """Earlier days' records (some still open), then a full day ending with a signed log."""
    old = desk.do(
        "leave.request", "S030", at(WED, 7), kind="annual", first="2026-11-20"
    )  # over before the day: left out
    desk.do("leave.decide", DIRECTOR, at(WED, 7, 5), leave=old[0].data["id"], decision="approve")
    today = desk.do("leave.request", "S031", at(WED, 7, 10), kind="annual", first="2026-11-25")
    desk.do("leave.decide", DIRECTOR, at(WED, 7, 15), leave=today[0].data["id"], decision="approve")
    desk.do(  # still pending: kept
        "leave.request", "S013", at(WED, 7, 20), kind="business_trip", first="2026-11-26"
    )
    desk.do("punch.record", "signin-01", at(WED, 7, 55), staff="S012", device="signin-01")
    desk.do("punch.record", "signin-01", at(WED, 8, 40), staff="S014", device="signin-01")
    desk.do("device.status", "signin-01", at(WED, 8, 1), device="signin-01", status="offline")
    desk.do("device.status", "signin-01", at(WED, 8, 3), device="signin-01", status="online")
    workflow.test_signed_duty_log_closes_the_day(desk)
    # After the day is signed: a record for an earlier day, pending (kept), and one decided
    # (about another day, not pending: left out).
    desk.do(
        "manual.enter",
        OFFICER,
        at(WED, 18),
        staff="S021",
        session="afternoon",
        reason="power_cut",
        day="2026-11-24",
    )
    (done,) = desk.do(
        "manual.enter",
        OFFICER,
        at(WED, 18, 1),
        staff="S022",
        session="morning",
        reason="power_cut",
        day="2026-11-24",
    )
    desk.do("manual.decide", DIRECTOR, at(WED, 18, 2), record=done.data["id"], decision="approve")
    # A leave desk's sign-in the writer ended (the staff domain's event, kept by the record), one
    # of the day before, and an ordinary sign-out, which is no attendance fact.
    for when, staff, reason in (
        (at(WED, 10, 2), "S013", "lapsed"),
        (at(WED, 11), "S014", None),
        (at((2026, 11, 24), 16), "S015", "lapsed"),
    ):
        data = {"client": "leave-01", "staff": staff, "reason": reason, "idle_s": 120.0}
        apply(desk.state, Event("staff.signed_out", when.isoformat(), data))


def test_the_day_record_rebuilds_what_the_console_shows_of_the_day(
    desk: Desk, ctx: Context
) -> None:
    _month_of_records(desk)
    full = desk.state
    events, left_out, lapses_left_out = day_record(full, DAY)
    assert left_out == lapses_left_out == 0
    copy = replay(events)
    assert [asdict(p) for p in copy.punches] == [asdict(p) for p in full.punches if p.day == DAY]
    assert [asdict(a) for a in copy.attempts] == [asdict(a) for a in full.attempts]
    kept = {rid for rid, r in full.manual.items() if r.day == DAY or r.status == "pending"}
    assert len(kept) == 3 and len(full.manual) == 4  # the day's two (a chain) + one pending
    assert copy.manual == {rid: full.manual[rid] for rid in sorted(kept)}
    assert sorted(copy.leaves) == ["L00002", "L00003"]
    assert all(copy.leaves[k] == full.leaves[k] for k in copy.leaves)
    assert copy.logs[DAY] == full.logs[DAY] and copy.logs[DAY].signed
    assert copy.devices == full.devices and copy.devices["signin-01"]["status"] == "online"
    assert [x.staff for x in full.lapses] == ["S013", "S015"]
    assert copy.lapses == full.lapses[:1]  # the day's only
    for session in (SessionCode.MORNING, SessionCode.AFTERNOON):
        assert roll_call(ctx, copy, DAY, session) == roll_call(ctx, full, DAY, session)
    # In time order, each decision after its record.
    times = [e.at for e in events]
    assert times == sorted(times, key=lambda s: s[:19])


def test_a_correction_chain_comes_whole_and_old_attempts_and_lapses_are_counted(
    desk: Desk,
) -> None:
    workflow.test_correction_chain(desk)
    for minute in range(5):
        desk.do(
            "attempt.record",
            "signin-01",
            at(WED, 8, minute),
            result="unclear",
            device="signin-01",
        )
        lapse = {"client": "leave-01", "staff": "S013", "reason": "lapsed", "idle_s": minute}
        apply(desk.state, Event("staff.signed_out", at(WED, 9, minute).isoformat(), lapse))
    events, left_out, lapses_left_out = day_record(desk.state, DAY, max_recent=2)
    assert left_out == lapses_left_out == 3
    copy = replay(events)
    assert [a.id for a in copy.attempts] == [a.id for a in desk.state.attempts[-2:]]
    assert copy.lapses == desk.state.lapses[-2:]
    assert [r.id for r in copy.chain("M00003")] == ["M00001", "M00002", "M00003"]
    assert copy.manual == desk.state.manual
    # Another day: nothing of this one but the reader's status.
    other, _, _ = day_record(desk.state, date(2026, 11, 26))
    assert [e.type for e in other] == []


def test_without_older_pending_only_the_days_records_remain(desk: Desk) -> None:
    _month_of_records(desk)
    events, _, _ = day_record(desk.state, DAY, older_pending=False)
    copy = replay(events)
    assert sorted(copy.manual) == sorted(r for r, m in desk.state.manual.items() if m.day == DAY)
    assert len(copy.manual) == 2
