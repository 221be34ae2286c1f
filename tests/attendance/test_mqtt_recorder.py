"""Attendance through the real writer: the sign-in station against the reader simulator, and
the duty console (officer on duty-01, director on duty-02), over Mosquitto and the service."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from attendance.console import DutyConsole
from attendance.mqtt_recorder import MqttRecorder, read_log
from attendance.rules import AttemptResult, Context, Rejected
from attendance.state import Command
from attendance.station import ONLINE, SignInStation
from devices.fingerprint.reader import FingerprintReader
from devices.fingerprint.simulator import FingerprintSimulator
from hall.conf import HallConfig
from hall.i18n import t
from hall.mqtt import HallClient
from tests.support import FakeClock, RunningHall, start_hall

pytestmark = pytest.mark.broker

WED_0820 = (2026, 11, 25, 8, 20)
REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "data" / "mini-hall"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock.local(*WED_0820)


@pytest.fixture
def hall(mini_config: HallConfig, tmp_path: Path, clock: FakeClock) -> Iterator[RunningHall]:
    running = start_hall(mini_config, tmp_path, clock=clock)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def mctx(mini_config: HallConfig) -> Context:
    return Context.from_config(mini_config)


def _local(ctx: Context, clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock(), ctx.tz)


def _recorder(
    hall: RunningHall, client_id: str, ctx: Context, follow: bool = False
) -> MqttRecorder:
    client = HallClient(hall.endpoint(client_id), hall.topics, request_timeout_s=5.0)
    hall.clients.append(client)
    return MqttRecorder.connect(
        client, ctx, follow=follow, log_path=hall.directory / "hall.db" if follow else None
    )


@pytest.fixture
def sim(mctx: Context) -> Iterator[FingerprintSimulator]:
    simulator = FingerprintSimulator(library_size=300)
    simulator.enroll(mctx.staff["S011"].fingerprints[0], "s011-thumb")
    simulator.enroll(mctx.staff["S012"].fingerprints[0], "s012-thumb")
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


def test_station_records_through_the_writer(
    hall: RunningHall, mctx: Context, clock: FakeClock, sim: FingerprintSimulator
) -> None:
    recorder = _recorder(hall, "signin-01", mctx)
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

    officer = DutyConsole(mctx, _recorder(hall, "duty-01", mctx, follow=True), clock=now)
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

    director = DutyConsole(mctx, _recorder(hall, "duty-02", mctx, follow=True), clock=now)
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


def test_events_missed_on_the_stream_are_read_from_the_log(
    hall: RunningHall, mctx: Context
) -> None:
    station = hall.client("signin-01")
    recorder = _recorder(hall, "duty-02", mctx, follow=True)
    events_topic = hall.topics.events
    recorder.client.client.unsubscribe(events_topic)  # as if the link were down for a while
    station.command("service.ping", {})  # the broker has taken the unsubscribe (same order)
    recorder.client.command("service.ping", {})
    station.command("punch.record", {"staff": "S013", "device": "reader-1"})
    station.command("attempt.record", {"result": "unclear", "device": "reader-1"})
    recorder.client.client.subscribe(events_topic, qos=1)
    recorder.client.command("service.ping", {})  # subscribed again before the next event
    last = station.request("punch.record", {"staff": "S014", "device": "reader-1"})
    assert last.ok and recorder.wait_for(last.seq)
    state = recorder.refresh()
    assert [p.staff for p in state.punches] == ["S013", "S014"]
    assert [a.result for a in state.attempts] == ["unclear"]


def test_a_service_that_does_not_answer_is_a_refusal_not_a_crash(
    hall: RunningHall, mctx: Context, clock: FakeClock
) -> None:
    client = HallClient(hall.endpoint("signin-01"), hall.topics, request_timeout_s=0.5)
    hall.clients.append(client)
    recorder = MqttRecorder.connect(client, mctx)
    hall.stop_service()
    command = Command(
        "attempt.record", "signin-01", _local(mctx, clock), {"result": "unclear", "device": "d"}
    )
    with pytest.raises(Rejected) as refused:
        recorder.submit(command)
    assert refused.value.code == "service_unavailable"
    assert "連不上排隊服務" in t(refused.value.message_key, "zh-Hant")
