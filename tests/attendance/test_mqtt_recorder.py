"""Attendance through the real writer: the sign-in station against the reader simulator, and
the duty console (officer on duty-01, director on duty-02), over Mosquitto and the service."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from attendance.console import DutyConsole
from attendance.mqtt_recorder import read_log
from attendance.rules import AttemptResult, Context, Rejected
from attendance.state import Command
from attendance.station import ONLINE, SignInStation
from devices.fingerprint.reader import FingerprintReader
from devices.fingerprint.simulator import FingerprintSimulator
from hall.conf import HallConfig
from hall.i18n import t
from hall.mqtt import NotAuthorized
from tests.attendance.conftest import connect_recorder
from tests.support import FakeClock, RunningHall

pytestmark = [pytest.mark.broker, pytest.mark.service_on_clock]  # `hall` runs on `clock`

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "data" / "mini-hall"


def _local(ctx: Context, clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock(), ctx.tz)


@pytest.fixture
def sim(fingerprint_module: FingerprintSimulator, mctx: Context) -> FingerprintSimulator:
    fingerprint_module.enroll(mctx.staff["S011"].fingerprints[0], "s011-thumb")
    fingerprint_module.enroll(mctx.staff["S012"].fingerprints[0], "s012-thumb")
    return fingerprint_module


def test_station_records_through_the_writer(
    hall: RunningHall, mctx: Context, clock: FakeClock, sim: FingerprintSimulator
) -> None:
    recorder = connect_recorder(hall, "signin-01", mctx)
    reader = FingerprintReader.serial(sim.port, timeout=0.5, poll_s=0.02)
    station = SignInStation(
        reader,
        mctx,
        recorder,
        "signin-01",
        clock=lambda: _local(mctx, clock),
        wait_s=1.0,
        idle_s=0.2,
        lift_s=0.2,
        retry_s=0.05,
    )
    try:
        sim.put_finger("s011-thumb")
        first = station.attempt()
        assert station.status == ONLINE
        line = first.to_json()
        assert (line["result"], line["staff"], line["session"], line["late"]) == (
            "matched",
            "S011",
            "morning",
            False,
        )
        assert line["counted"] is True and line["record"], line
        again = station.attempt()
        assert again.counted is False and again.record != first.record
        sim.put_finger("a-stranger")
        miss = station.attempt()
        assert miss.result is AttemptResult.NO_MATCH and miss.record
    finally:
        reader.close()

    # What the writer logged: the device's status, two punches, a failed attempt.
    events, _last = read_log(hall.directory / "hall.db")
    assert [e.type for e in events] == [
        "device.status",
        "punch.recorded",
        "punch.recorded",
        "attempt.failed",
    ]
    assert events[1].data["staff"] == "S011" and events[1].data["page"] == 10
    assert events[3].data["result"] == "no_match"

    # A refusal comes back as the rules' error code.
    with pytest.raises(Rejected) as refused:
        recorder.submit(
            Command("punch.record", "signin-01", _local(mctx, clock), {"staff": "S999"})
        )
    assert refused.value.code


def test_duty_console_manual_entry_and_approval_through_the_writer(
    hall: RunningHall, mctx: Context, clock: FakeClock
) -> None:
    station = hall.client("signin-01")
    station.command("punch.record", {"staff": "S011", "device": "reader-1"})
    now = lambda: _local(mctx, clock)  # noqa: E731

    officer = DutyConsole(mctx, connect_recorder(hall, "duty-01", mctx, follow=True), clock=now)
    refused = officer.sign_in("S003", "0000")
    assert not refused.ok and officer.user is None
    assert officer.sign_in("S003", "1234").ok
    before = officer.view()
    assert before.can_enter, before
    rows = {r.staff: r for r in before.rows}
    assert rows["S011"].status == "present", "the punch before the console started is there"

    entered = officer.enter("S013", "morning", "machine_fault")
    assert entered.ok, entered
    manual = officer.recorder.refresh().manual.values()
    (pending,) = [r for r in manual if r.staff == "S013"]
    assert pending.status == "pending" and pending.entered_by == "S003"
    assert not officer.decide(pending.id, approve=True).ok  # an officer does not decide

    director = DutyConsole(mctx, connect_recorder(hall, "duty-02", mctx, follow=True), clock=now)
    assert director.sign_in("S002", "1234").ok
    assert pending.id in {r.id for r in director.recorder.refresh().manual.values()}
    assert director.view().can_decide
    decided = director.decide(pending.id, approve=True)
    assert decided.ok, decided
    assert director.recorder.refresh().manual[pending.id].status == "approved"
    # The officer's console learns the decision from the event stream.
    assert officer.recorder.wait_for(director.recorder.seq)
    assert officer.recorder.refresh().manual[pending.id].decided_by == "S002"
    # Signing out at the console signs the person out at the writer too.
    director.sign_out()
    again = director.recorder.client.request("duty.note", {"text": "after sign-out"})
    assert not again.ok and again.error is not None
    assert again.error.code == "sign_in_required"


def test_signin_command_records_through_the_writer(
    hall: RunningHall, sim: FingerprintSimulator
) -> None:
    """``hall signin --no-gui`` connects as signin-01 with its password from <var>/secrets.toml."""
    sim.put_finger("s012-thumb")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "attendance.cli",
            "signin",
            "--no-gui",
            "--config",
            str(MINI),
            "--var",
            str(hall.directory),
            "--host",
            "127.0.0.1",
            "--port",
            str(hall.port),
            "--reader",
            f"serial:{sim.port}",
            "--max-attempts",
            "1",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    got = json.loads(line)
    assert (got["result"], got["staff"], got["counted"]) == ("matched", "S012", True)
    events, _last = read_log(hall.directory / "hall.db")
    punches = [e for e in events if e.type == "punch.recorded"]
    assert [(p.data["id"], p.data["staff"]) for p in punches] == [(got["record"], "S012")]

    # The monthly report reads the writer's log (read-only) by default.
    out = hall.directory / "reports"
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "attendance.cli",
            "report",
            "attendance",
            "--month",
            "2026-11",
            "--config",
            str(MINI),
            "--var",
            str(hall.directory),
            "--out",
            str(out),
            "--lang",
            "en",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.returncode == 0, report.stderr
    people = (out / "attendance-2026-11-people.csv").read_text(encoding="utf-8-sig")
    rows = {line.split(",")[0]: line.split(",") for line in people.splitlines()[1:]}
    present = people.splitlines()[0].split(",").index("Present (days)")
    assert (rows["S012"][present], rows["S011"][present]) == ("0.5", "0")


def test_a_console_started_later_sees_the_whole_day_without_the_log(
    hall: RunningHall, mctx: Context, clock: FakeClock, mini_config: HallConfig
) -> None:
    """The day's punches, failed attempts, manual records (pending, decided, corrected), leave,
    the duty log and a leave desk sign-in that lapsed come from the writer's retained day
    record: a console on a PC without hall.db, started after all of it, shows what one that
    watched all day shows."""
    now = lambda: _local(mctx, clock)  # noqa: E731
    station = hall.client("signin-01")
    station.command("device.status", {"device": "reader-1", "status": "online"})
    station.command("punch.record", {"staff": "S011", "device": "reader-1"})
    station.command("attempt.record", {"result": "unclear", "device": "reader-1"})
    clock.advance(20 * 60)  # 08:40: late
    station.command("punch.record", {"staff": "S012", "device": "reader-1"})
    watcher = DutyConsole(mctx, connect_recorder(hall, "duty-01", mctx, follow=True), clock=now)
    assert watcher.sign_in("S003", "1234").ok
    assert watcher.enter("S013", "morning", "machine_fault").ok
    assert watcher.enter("S014", "morning", "unclear_fingerprint").ok
    assert watcher.report_absence("S011", "afternoon", "at the tax bureau").ok
    first = watcher.recorder.refresh()
    m13, m14 = sorted(first.manual)
    assert watcher.correct(m14, time="08:20", note="came at 08:20").ok
    leave = hall.client("leave-01")
    leave.command("staff.sign_in", {"staff": "S014", "pin": "1234"})
    leave.command("leave.request", {"kind": "personal", "first": "2026-11-26"})
    # ``hall leave`` died before its sign-out: the writer ends S014's sign-in at the desk.
    clock.advance(mini_config.hall_file.staff.leave_desk_session_s)  # 08:42
    lapsed = leave.request("leave.list", {})
    assert lapsed.error is not None and lapsed.error.code == "sign_in_required"
    director = hall.client("duty-02")
    director.command("staff.sign_in", {"staff": "S002", "pin": "1234"})
    director.command("manual.decide", {"record": m13, "decision": "approve"})
    last = director.request("duty.note", {"text": "reader wiped at 08:30"})
    assert last.ok and watcher.recorder.wait_for(last.seq)

    # A console started now, its recorder given no log.
    late = DutyConsole(mctx, connect_recorder(hall, "duty-02", mctx, follow=True), clock=now)
    assert late.recorder.seq >= last.seq
    assert late.sign_in("S002", "1234").ok
    seen, full = late.view(), watcher.view()
    assert {r.staff: r.status for r in seen.rows} == {r.staff: r.status for r in full.rows}
    statuses = {r.staff: r.status for r in seen.rows}
    assert (statuses["S011"], statuses["S012"], statuses["S013"]) == ("present", "late", "present")
    assert statuses["S014"] == "pending"  # the correction awaits the director
    assert seen.attempts == full.attempts and [a["result"] for a in seen.attempts] == ["unclear"]
    assert [p.id for p in seen.pending] == [p.id for p in full.pending] != []
    assert [lv.id for lv in seen.leaves] == [lv.id for lv in full.leaves] != []
    assert seen.log == full.log and len(seen.log) == 2
    assert seen.devices == full.devices and seen.devices[0]["status"] == "online"
    lapse = t(
        "attendance.console.lapse_line",
        late.lang,
        at="08:42",
        desk="leave-01",
        name=mctx.staff["S014"].name,
        minutes=2,
    )
    assert seen.lapses == full.lapses == [lapse]
    assert late.trail("S014", "morning") == watcher.trail("S014", "morning")
    assert len(late.trail("S014", "morning")) == 2  # the record and its correction
    # And it keeps up: the director's decision shows on both.
    assert late.decide(seen.pending[0].id, approve=True).ok
    assert watcher.recorder.wait_for(late.recorder.seq)
    assert {r.staff: r.status for r in watcher.view().rows}["S014"] == "present"


def test_a_console_that_lost_its_link_catches_up(hall: RunningHall, mctx: Context) -> None:
    """Updates missed while the link was down come with the retained record on resubscribing."""
    station = hall.client("signin-01")
    recorder = connect_recorder(hall, "duty-02", mctx, follow=True)
    topic = hall.topics.state("attendance.day")
    recorder.client.client.unsubscribe(topic)  # as if the link were down for a while
    recorder.client.command("service.ping", {})  # the broker has taken the unsubscribe
    station.command("punch.record", {"staff": "S013", "device": "reader-1"})
    station.command("attempt.record", {"result": "unclear", "device": "reader-1"})
    assert recorder.refresh().punches == []  # missed
    recorder.client.client.subscribe(topic, qos=1)  # what a reconnect does
    last = station.request("service.ping", {})
    assert recorder.wait_for(last.seq)
    state = recorder.refresh()
    assert [p.staff for p in state.punches] == ["S013"]
    assert [a.result for a in state.attempts] == ["unclear"]


def test_a_service_that_does_not_answer_is_a_refusal_not_a_crash(
    hall: RunningHall, mctx: Context, clock: FakeClock
) -> None:
    recorder = connect_recorder(hall, "signin-01", mctx, request_timeout_s=0.5)
    hall.stop_service()
    command = Command(
        "attempt.record", "signin-01", _local(mctx, clock), {"result": "unclear", "device": "d"}
    )
    with pytest.raises(Rejected) as refused:
        recorder.submit(command)
    assert refused.value.code == "service_unavailable"
    assert "連不上排隊服務" in t(refused.value.message_key, "zh-Hant")


def test_hall_leave_goes_through_the_writer_at_the_leave_desk(
    hall: RunningHall, mctx: Context
) -> None:
    """``hall leave`` signs the person in at leave-01 with their own id and PIN, the writer
    applies the approver rules, and a window's sign-in is not disturbed by a visit."""
    window = hall.client("window-01")
    window.command("staff.sign_in", {"staff": "S011", "pin": "1234"})

    def leave(*args: str, pin: str = "1234") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "attendance.cli",
                "leave",
                *args,
                "--config",
                str(MINI),
                "--var",
                str(hall.directory),
                "--host",
                "127.0.0.1",
                "--port",
                str(hall.port),
            ],
            cwd=REPO,
            input=f"{pin}\n",
            capture_output=True,
            text=True,
            timeout=60,
        )

    def listed(by: str, *extra: str) -> dict[str, dict[str, object]]:
        out = leave("list", "--by", by, *extra)
        assert out.returncode == 0, out.stderr
        return {row["id"]: row for row in map(json.loads, out.stdout.splitlines())}

    en = "zh-Hant"
    trip = leave("request", "--by", "S014", "--kind", "business_trip", "--first", "2026-11-26")
    assert trip.returncode == 0, trip.stderr
    assert trip.stdout.strip() == t("attendance.console.leave_requested", en)
    wrong_pin = leave("request", "--by", "S014", "--kind", "sick", "--first", "2026-11-30", pin="9")
    assert wrong_pin.returncode == 1 and t("attendance.console.bad_pin", en) in wrong_pin.stderr
    # A business trip: the window head of the person's unit (S011 for U01), nobody else.
    other_head = leave("decide", "L00001", "--by", "S012", "--approve")
    assert other_head.returncode == 1
    assert t("attendance.error.wrong_approver", en) in other_head.stderr
    own = leave("decide", "L00001", "--by", "S014", "--approve")
    assert own.returncode == 1 and t("attendance.error.self_approval", en) in own.stderr
    assert listed("S011")["L00001"]["can_decide"] is True
    assert leave("decide", "L00001", "--by", "S011", "--approve").returncode == 0
    # Two days: a stand-in named, and the center director decides (not the duty director).
    two = ("request", "--by", "S013", "--kind", "personal", "--first", "2026-11-26")
    no_stand_in = leave(*two, "--last", "2026-11-27")
    assert no_stand_in.returncode == 1
    assert t("attendance.error.stand_in_required", en) in no_stand_in.stderr
    assert leave(*two, "--last", "2026-11-27", "--stand-in", "王小明").returncode == 0
    assert leave("decide", "L00002", "--by", "S002", "--approve").returncode == 1
    assert leave("decide", "L00002", "--by", "S001", "--approve").returncode == 0
    # Up to one day: the duty director on duty today (S002).
    day = ("request", "--by", "S012", "--kind", "sick", "--first", "2026-11-30")
    assert leave(*day).returncode == 0
    assert leave("decide", "L00003", "--by", "S001", "--approve").returncode == 1
    assert (
        leave("decide", "L00003", "--by", "S002", "--reject", "--note", "busy day").returncode == 0
    )

    mine = listed("S014")
    assert list(mine) == ["L00001"] and mine["L00001"]["decided_by"] == "S011"
    everyone = listed("S003")  # the duty officer sees every request
    assert {k: v["status"] for k, v in everyone.items()} == {
        "L00001": "approved",
        "L00002": "approved",
        "L00003": "rejected",
    }
    assert everyone["L00002"]["approver"] == "center_director"
    assert everyone["L00002"]["stand_in"] == "王小明"
    assert listed("S003", "--pending") == {}

    # The writer's log has each request and decision once; the window kept its person.
    events, _last = read_log(hall.directory / "hall.db")
    assert [e.type for e in events] == [
        "leave.requested",
        "leave.approved",
        "leave.requested",
        "leave.approved",
        "leave.requested",
        "leave.rejected",
    ]
    assert events[1].data["by"] == "S011" and events[3].data["by"] == "S001"
    assert window.request("window.open", {}).ok
    # The leave desk may do nothing else, and only for who signed in there.
    desk = hall.client("leave-01")
    refused = desk.request("leave.list", {})
    assert refused.error is not None and refused.error.code == "sign_in_required"
    with pytest.raises(NotAuthorized):
        desk.request("manual.enter", {"staff": "S011", "session": "morning", "reason": "other"})
