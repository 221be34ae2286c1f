"""Attendance in the writer (issue 10): station punches, the duty officer's manual record and
the director's decision, over the real broker and service, and kept across a restart."""

from __future__ import annotations

import json

import pytest

from hall.conf import HallConfig
from hall.mqtt import HallClient, NotAuthorized
from tests.support import Collector, FakeClock, RunningHall

pytestmark = [pytest.mark.broker, pytest.mark.service_on_clock]  # `hall` runs on `clock`


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock.local(2026, 11, 25, 8, 20)  # Wednesday morning


def _error(client: HallClient, ctype: str, args: dict) -> str:
    reply = client.request(ctype, args)
    assert not reply.ok and reply.error is not None, reply
    return reply.error.code


def _events(result: dict) -> list[tuple[str, dict]]:
    return [(e["type"], e["data"]) for e in result["events"]]


def test_punches_manual_records_and_decisions_through_the_writer(
    hall: RunningHall, clock: FakeClock
) -> None:
    station = hall.client("signin-01")
    ((etype, punch),) = _events(
        station.command("punch.record", {"staff": "S011", "page": 10, "device": "reader-1"})
    )
    assert (etype, punch["session"], punch["late"], punch["counted"]) == (
        "punch.recorded",
        "morning",
        False,
        True,
    )
    again = _events(station.command("punch.record", {"staff": "S011", "device": "reader-1"}))
    assert again[0][1]["counted"] is False, "a second punch is recorded but counts once"
    clock.set_local(2026, 11, 25, 8, 40)
    late = _events(station.command("punch.record", {"staff": "S012", "device": "reader-1"}))
    assert late[0][1]["late"] is True
    failed = _events(station.command("attempt.record", {"result": "unclear", "device": "reader-1"}))
    assert failed[0][0] == "attempt.failed"

    officer, director = hall.client("duty-01"), hall.client("duty-02")
    manual = {"staff": "S013", "session": "morning", "reason": "machine_fault"}
    assert _error(officer, "manual.enter", manual) == "sign_in_required"
    officer.command("staff.sign_in", {"staff": "S003", "pin": "1234"})
    ((etype, record),) = _events(officer.command("manual.enter", manual))
    assert etype == "manual.entered" and record["entered_by"] == "S003"
    decision = {"record": record["id"], "decision": "approve"}
    assert _error(officer, "manual.decide", decision) not in ("", None)  # not a director
    director.command("staff.sign_in", {"staff": "S002", "pin": "1234"})
    ((etype, decided),) = _events(director.command("manual.decide", decision))
    assert etype == "manual.approved" and decided["by"] == "S002"

    with pytest.raises(NotAuthorized):
        hall.client("kiosk-01").request("punch.record", {"staff": "S011", "device": "x"})

    state = Collector()
    hall.client("display-lobby").subscribe(hall.topics.state("attendance"), state)
    _t, snap = state.wait_for(lambda t, b: b.get("sessions"))
    rows = {r["staff"]: r for r in snap["sessions"]["morning"]}
    assert rows["S011"]["status"] == "present" and not rows["S011"]["late"]
    assert rows["S012"]["late"]
    assert rows["S013"]["manual"] == record["id"]
    assert snap["failed_attempts"][0]["result"] == "unclear"

    hall.stop_service()  # long-lived: the record survives a restart
    hall.start_service(clock=clock)
    state2 = Collector()
    hall.client("display-lobby").subscribe(hall.topics.state("attendance"), state2)
    _t, after = state2.wait_for(lambda t, b: b.get("sessions"))
    assert {r["staff"]: r["status"] for r in after["sessions"]["morning"]} == {
        r["staff"]: r["status"] for r in snap["sessions"]["morning"]
    }


def test_the_day_record_stays_under_the_brokers_packet_limit(
    hall: RunningHall, mini_config: HallConfig, clock: FakeClock
) -> None:
    """A retained publish over 256 KiB would cut the writer off from the broker (and again on
    every reconnect): on a huge day the record leaves out old failed attempts and leave desk
    lapses, then other days' pending records, and says so. The state is built with the real
    rules in the writer's own attendance domain, as its commands would (the lapses folded as
    the staff domain's events are)."""
    from datetime import date, datetime, timedelta

    from attendance.state import Command, Event, replay
    from broker.domains.attendance import DAY_RECORD_BUDGET, Attendance
    from hall.conf.duty import SessionCode

    assert hall.service is not None
    (domain,) = [d for d in hall.service.records.domains if isinstance(d, Attendance)]
    assert domain._handlers is not None and domain._ctx is not None
    ctx, rules, state = domain._ctx, domain._handlers, domain.state
    now = datetime.fromtimestamp(clock(), ctx.tz)
    for n in range(400):
        rules.execute(state, Command("attempt.record", "signin-01", now, {
            "result": "unclear", "device": "reader-1", "detail": f"press {n}",
        }))  # fmt: skip
        domain.apply(0, "staff.signed_out", {
            "client": "leave-01", "staff": "S014", "reason": "lapsed", "idle_s": 120.0 + n,
            "local_at": now.isoformat(timespec="milliseconds"),
        })  # fmt: skip
    staff = sorted(s for s in ctx.staff if s != "S003")
    day, older = date(2026, 11, 24), 0
    while older < 1200:
        if ctx.calendar.is_working_day(day):
            for session in (SessionCode.MORNING, SessionCode.AFTERNOON):
                rules.execute(state, Command("manual.enter", "S003", now, {
                    "staff": staff, "session": session.value, "reason": "other",
                    "note": "a long outage, entered later " * 4, "day": day.isoformat(),
                }))  # fmt: skip
                older += len(staff)
        day -= timedelta(days=1)
    body = domain.snapshot("attendance.day")
    size = len(json.dumps(body, ensure_ascii=False).encode())
    assert size <= DAY_RECORD_BUDGET
    assert body["older_pending_left_out"] is True and body["attempts_left_out"] >= 200
    assert body["lapses_left_out"] >= 200
    copy = replay([Event(e["type"], e["at"], e["data"]) for e in body["events"]])
    assert len(copy.attempts) == 400 - body["attempts_left_out"]
    assert copy.lapses == state.lapses[body["lapses_left_out"] :] != []
    assert copy.manual == {} and len(state.manual) == older


def test_a_checkpoint_from_before_the_lapses_were_kept_is_rebuilt_from_the_log(
    hall: RunningHall, mini_config: HallConfig, clock: FakeClock
) -> None:
    """The attendance record keeps the leave desk's lapsed sign-ins (the staff domain's events)
    for the day's record. A checkpoint written before it did has no such field: the writer
    rebuilds the record from the log, lapses included, instead of trusting it."""
    import base64
    import pickle
    import sqlite3
    from copy import deepcopy

    from broker.domains.attendance import Attendance

    def attendance() -> Attendance:
        assert hall.service is not None
        (domain,) = [d for d in hall.service.records.domains if isinstance(d, Attendance)]
        return domain

    hall.client("signin-01").command("punch.record", {"staff": "S011", "device": "reader-1"})
    desk = hall.client("leave-01")
    desk.command("staff.sign_in", {"staff": "S014", "pin": "1234"})
    clock.advance(mini_config.hall_file.staff.leave_desk_session_s)
    assert _error(desk, "leave.list", {}) == "sign_in_required"  # the lapse comes first
    before = attendance().state
    assert [(x.client, x.staff) for x in before.lapses] == [("leave-01", "S014")]
    old = deepcopy(before)
    del old.__dict__["lapses"]  # as pickled before the field existed
    assert hall.service is not None
    seq = hall.service.state.seq
    hall.stop_service()
    data = {"pickle": base64.b64encode(pickle.dumps(old)).decode("ascii")}
    with sqlite3.connect(hall.directory / "hall.db") as db:
        db.execute(
            "INSERT INTO checkpoints(domain, seq, data) VALUES ('attendance', ?, ?)",
            (seq, json.dumps(data)),
        )
    hall.start_service(clock=clock)
    after = attendance().state
    assert after.lapses == before.lapses
    assert [p.staff for p in after.punches] == ["S011"]
