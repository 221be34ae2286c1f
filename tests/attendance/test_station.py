"""The sign-in station against the reader simulator on a real pty, recording into a file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from attendance.recorder import FileRecorder
from attendance.rules import AttemptResult, Context
from attendance.state import replay
from attendance.station import OFFLINE, ONLINE, SignInStation
from devices.fingerprint.reader import FingerprintReader
from devices.fingerprint.simulator import Fault, FingerprintSimulator
from tests.attendance.conftest import WED, at

REPO = Path(__file__).resolve().parents[2]
STAFF = "S020"
ANSWER_WITHIN_S = 3.0


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def sim(fingerprint_module: FingerprintSimulator, ctx: Context) -> FingerprintSimulator:
    fingerprint_module.enroll(ctx.staff[STAFF].fingerprints[0], "s020-thumb")
    fingerprint_module.enroll(250, "nobody-on-the-roster")
    return fingerprint_module


@pytest.fixture
def clock() -> Clock:
    return Clock(at(WED, 8, 10))


@pytest.fixture
def recorder(ctx: Context, tmp_path: Path) -> FileRecorder:
    return FileRecorder(tmp_path / "attendance" / "events.jsonl", ctx)


def _station(
    sim: FingerprintSimulator,
    ctx: Context,
    recorder: FileRecorder,
    clock: Clock,
    reply_timeout: float = 0.5,
    statuses: list[str] | None = None,
) -> SignInStation:
    reader = FingerprintReader.serial(sim.port, timeout=reply_timeout, poll_s=0.02)
    return SignInStation(
        reader,
        ctx,
        recorder,
        "signin-01",
        clock=clock,
        wait_s=1.0,
        idle_s=0.2,
        lift_s=0.2,
        retry_s=0.05,
        on_status=(lambda s, _d: statuses.append(s)) if statuses is not None else None,
    )


def test_success_records_a_punch(
    sim: FingerprintSimulator, ctx: Context, recorder: FileRecorder, clock: Clock
) -> None:
    station = _station(sim, ctx, recorder, clock)
    sim.put_finger("s020-thumb")
    outcome = station.attempt()
    line = outcome.to_json()
    assert line == {
        "result": "matched",
        "staff": STAFF,
        "session": "morning",
        "late": False,
        "at": "2026-11-25T08:10:00+08:00",
        "device": "signin-01",
        "name": ctx.staff[STAFF].name,
        "counted": True,
        "record": "P00001",
    }
    assert station.status == ONLINE
    status, event = recorder.events()
    assert status.type == "device.status" and status.data["status"] == "online"
    assert event.type == "punch.recorded" and event.data["page"] == 38
    assert event.data["verified"] == "fingerprint"
    assert "s020-thumb" not in recorder.path.read_text()  # the template never leaves the reader
    assert outcome.message("zh-Hant").startswith(f"{ctx.staff[STAFF].name}，上午簽到成功")


def test_each_failure_reason_is_recorded(
    sim: FingerprintSimulator, ctx: Context, recorder: FileRecorder, clock: Clock
) -> None:
    station = _station(sim, ctx, recorder, clock)
    sim.put_finger("a-stranger")
    assert station.attempt().result is AttemptResult.NO_MATCH
    sim.put_finger("nobody-on-the-roster")  # enrolled on the reader, not on the roster
    roster_miss = station.attempt()
    assert roster_miss.result is AttemptResult.NO_MATCH and "page 250" in roster_miss.detail
    sim.put_finger("s020-thumb")
    sim.inject(Fault.MESSY_IMAGE, times=1)
    assert station.attempt().result is AttemptResult.UNCLEAR
    sim.inject(Fault.TOO_FEW_FEATURES, times=1)
    assert station.attempt().result is AttemptResult.UNCLEAR
    sim.put_finger(None)
    no_finger = station.attempt(wait_s=0.3)
    assert no_finger.result is AttemptResult.NO_FINGER and no_finger.staff is None
    sim.inject(Fault.WRONG_ADDRESS)
    fault = station.attempt()
    assert fault.result is AttemptResult.DEVICE_FAULT and station.status == OFFLINE
    failed = [e for e in recorder.events() if e.type == "attempt.failed"]
    results = [e.data["result"] for e in failed]
    assert results == ["no_match", "no_match", "unclear", "unclear", "no_finger", "device_fault"]
    assert {e.data["device"] for e in failed} == {"signin-01"}
    assert {e.data["session"] for e in failed} == {"morning"}
    statuses = [e.data["status"] for e in recorder.events() if e.type == "device.status"]
    assert statuses == ["online", "offline"]
    assert fault.to_json()["result"] == "device_fault" and fault.to_json()["staff"] is None
    assert "值班人員" in fault.message("zh-Hant")


@pytest.mark.parametrize("how", ["silent", "unplugged"])
def test_dead_reader_answers_within_3s_and_goes_offline(
    how: str, sim: FingerprintSimulator, ctx: Context, recorder: FileRecorder, clock: Clock
) -> None:
    statuses: list[str] = []
    # The production reply timeout (2 s), to show the station itself answers in time.
    station = _station(sim, ctx, recorder, clock, reply_timeout=2.0, statuses=statuses)
    sim.put_finger("s020-thumb")
    assert station.attempt().result is AttemptResult.MATCHED
    sim.put_finger(None)
    if how == "silent":
        sim.inject(Fault.SILENCE)
    else:
        sim.stop()
    started = time.monotonic()
    outcome = station.step()
    elapsed = time.monotonic() - started
    assert outcome is not None and outcome.result is AttemptResult.DEVICE_FAULT
    assert elapsed < ANSWER_WITHIN_S, elapsed
    assert station.status == OFFLINE and statuses == [ONLINE, OFFLINE]
    # Still dead: no new record per retry, and every turn still answers in time.
    started = time.monotonic()
    assert station.step() is None
    assert time.monotonic() - started < ANSWER_WITHIN_S
    faults = [e for e in recorder.events() if e.type == "attempt.failed"]
    assert len(faults) == 1 and faults[0].data["detail"]
    if how == "silent":
        sim.clear_faults()
        sim.put_finger("s020-thumb")
        back = station.step()
        assert back is not None and back.result is AttemptResult.MATCHED
        assert station.status == ONLINE and statuses == [ONLINE, OFFLINE, ONLINE]
        assert replay(recorder.events()).devices["signin-01"]["status"] == "online"
        assert back.counted is False  # the morning punch before the fault already counts


def test_double_punch_is_recorded_and_counted_once(
    sim: FingerprintSimulator, ctx: Context, recorder: FileRecorder, clock: Clock
) -> None:
    station = _station(sim, ctx, recorder, clock)
    sim.put_finger("s020-thumb")
    first = station.step()
    assert first is not None and first.counted is True
    # The finger stays on the sensor: no second punch until it is lifted.
    assert station.step() is None
    sim.put_finger(None)
    assert station.step() is None  # lifted; nobody there
    clock.now = at(WED, 8, 14)
    sim.put_finger("s020-thumb")
    second = station.step()
    assert second is not None and second.result is AttemptResult.MATCHED
    assert second.counted is False and second.session == "morning"
    assert "不重複計算" in second.message("zh-Hant")
    punches = replay(recorder.events()).punches
    assert [(p.counted, p.at.minute) for p in punches] == [(True, 10), (False, 14)]


def test_late_punch(
    sim: FingerprintSimulator, ctx: Context, recorder: FileRecorder, clock: Clock
) -> None:
    station = _station(sim, ctx, recorder, clock)
    clock.now = at(WED, 13, 42)
    sim.put_finger("s020-thumb")
    outcome = station.attempt()
    assert (outcome.session, outcome.late, outcome.counted) == ("afternoon", True, True)
    assert "遲到" in outcome.message("zh-Hant")
    assert json.loads(json.dumps(outcome.to_json()))["late"] is True


def test_recorders_in_two_processes_share_one_file(
    ctx: Context, recorder: FileRecorder, sim: FingerprintSimulator, clock: Clock
) -> None:
    other = FileRecorder(recorder.path, ctx)  # e.g. the duty console
    station = _station(sim, ctx, recorder, clock)
    sim.put_finger("s020-thumb")
    station.attempt()
    state = other.refresh()
    assert (
        len(state.punches) == 1
        and (STAFF, state.punches[0].day, state.punches[0].session) in state.counted
    )
    # A torn last line (a crash mid-write) is skipped, and the next event starts a fresh line.
    with recorder.path.open("ab") as stream:
        stream.write(b'{"type": "punch.rec')
    sim.put_finger(None)
    station.attempt(wait_s=0.2)
    assert [e.type for e in FileRecorder(recorder.path, ctx).events()] == [
        "device.status",
        "punch.recorded",
        "attempt.failed",
    ]


def _signin(*args: str, events: Path, stdin: str | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "attendance.cli",
            "signin",
            "--no-gui",
            "--record-file",
            str(events),
            *args,
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_signin_command_prints_one_json_line_per_attempt(
    sim: FingerprintSimulator, tmp_path: Path
) -> None:
    events = tmp_path / "events.jsonl"
    sim.put_finger("s020-thumb")
    proc = _signin("--reader", f"serial:{sim.port}", "--max-attempts", "1", events=events)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    (line,) = out.splitlines()
    got = json.loads(line)
    assert set(got) >= {"result", "staff", "session", "late", "at"}
    assert got["result"] == "matched" and got["staff"] == STAFF
    types = [json.loads(line)["type"] for line in events.read_text().splitlines()]
    assert types == ["device.status", "punch.recorded"]


def test_signin_command_on_an_unplugged_reader(tmp_path: Path) -> None:
    started = time.monotonic()
    proc = _signin(
        "--reader",
        "serial:/dev/does-not-exist",
        "--max-attempts",
        "1",
        events=tmp_path / "events.jsonl",
    )
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    (line,) = out.splitlines()
    assert json.loads(line)["result"] == "device_fault"
    assert '"status": "offline"' in err
    assert time.monotonic() - started < 15  # interpreter start-up included


def test_signin_button_press_without_a_finger(sim: FingerprintSimulator, tmp_path: Path) -> None:
    proc = _signin(
        "--reader",
        f"serial:{sim.port}",
        "--button-stdin",
        "--wait",
        "0.3",
        "--max-attempts",
        "1",
        events=tmp_path / "events.jsonl",
    )
    out, err = proc.communicate("\n", timeout=30)
    assert proc.returncode == 0, err
    assert json.loads(out.splitlines()[0])["result"] == "no_finger"


def test_a_record_that_cannot_be_written_does_not_stop_the_station(
    sim: FingerprintSimulator, ctx: Context, recorder: FileRecorder, clock: Clock
) -> None:
    station = _station(sim, ctx, recorder, clock)
    recorder.path.unlink()
    recorder.path.mkdir()  # the record's disk place is broken
    sim.put_finger("s020-thumb")
    matched = station.attempt()
    assert matched.result is AttemptResult.MATCHED and matched.record is None
    assert matched.detail.startswith("not recorded") and matched.session == "morning"
    sim.put_finger("stranger")
    failed = station.attempt()
    assert failed.result is AttemptResult.NO_MATCH and "not recorded" in failed.detail


def test_demo_reader_with_staff_arriving(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    proc = _signin(
        "--reader",
        "sim",
        "--demo-arrivals",
        "0.3",
        "--demo-seed",
        "7",
        "--max-attempts",
        "3",
        "--clock-from",
        "2026-11-25T08:05:00",
        events=events,
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 3
    assert {line["result"] for line in lines} <= {"matched", "no_match", "unclear"}
    matched = [line for line in lines if line["result"] == "matched"]
    assert matched and all(line["staff"].startswith("S") for line in matched)
    assert all(line["session"] == "morning" for line in matched)
