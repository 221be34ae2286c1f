"""`hall demo-staff`: simulated staff work a real window terminal GUI through its buttons (the
demo's window terminals, issue 9), and the demo traffic's headless staff keep off that window."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from hall.conf import HallConfig
from hall.net import free_port, port_open
from kiosk.demo import DemoTraffic
from runner.staff import NAMES, NoStaff, pick_staff
from tests.display.helpers import issue_for
from tests.support import start_hall
from ui.xvfb import Xvfb


def test_the_staff_member_is_one_of_the_windows_with_the_pin(sample_config: HallConfig) -> None:
    assert pick_staff(sample_config, "W04", "1234") == "S016"  # the window's first window staff
    assert pick_staff(sample_config, "W04", "1234", "s017") == "S017"
    with pytest.raises(NoStaff):
        pick_staff(sample_config, "W04", "9999")
    with pytest.raises(NoStaff):
        pick_staff(sample_config, "W04", "9999", "S017")


def test_demo_traffic_leaves_the_terminal_windows_alone(sample_config: HallConfig) -> None:
    everyone = DemoTraffic(sample_config, connect=None, printer_url=None)  # type: ignore[arg-type]
    assert "W04" in everyone.windows
    some = DemoTraffic(
        sample_config,
        connect=None,  # type: ignore[arg-type]
        printer_url=None,
        skip_windows=["W04", "w08"],
    )
    assert "W04" not in some.windows and "W08" not in some.windows
    assert set(some.windows) == set(everyone.windows) - {"W04"}


Procs = list[subprocess.Popen[bytes]]


def _spawn(procs: Procs, argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
    """Start ``argv`` with its output in ``log`` (and ``env`` added to the environment)."""
    with log.open("wb") as out:
        procs.append(
            subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
            )
        )


def _stop(procs: Procs) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def _listening(procs: Procs, argv: list[str], log: Path) -> int:
    """Start a simulator that listens (``argv`` + ``--listen``) on a free port; its port once
    it accepts. Another port is tried when the one found free was taken meanwhile (other
    tests run at the same time)."""
    for _ in range(3):
        port = free_port()
        _spawn(procs, [*argv, "--listen", f"127.0.0.1:{port}"], log)
        deadline = time.monotonic() + 30
        while not port_open("127.0.0.1", port):
            if procs[-1].poll() is not None:
                break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        else:
            return port
        if "Address already in use" not in log.read_text():
            raise AssertionError(log.read_text())
        procs.pop()
    raise AssertionError(log.read_text())


def _events(db: Path, etype: str) -> list[dict]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT data FROM events WHERE type = ?", (etype,)).fetchall()
    finally:
        con.close()
    return [json.loads(r[0]) for r in rows]


@pytest.mark.slow
@pytest.mark.broker
@pytest.mark.timeout(300)
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
def test_simulated_staff_press_the_terminals_buttons(
    sample_config: HallConfig, tmp_path: Path
) -> None:
    """The person signs in with staff id and PIN, opens the window, calls, serves and finishes
    tickets with a case form, all by touches on the terminal's screen; the service records
    each command as that terminal's, given by that person."""
    hall = start_hall(sample_config, tmp_path)
    screen = Xvfb("1920x1080x24")
    logs = tmp_path / "logs"
    logs.mkdir()
    procs: Procs = []

    try:
        kiosk = hall.client("kiosk-01")
        numbers = {issue_for(kiosk, sample_config, "W04")["number"] for _ in range(2)}
        config = str(sample_config.directory)
        port = _listening(
            procs,
            [sys.executable, "-m", "hall.cli", "demo-staff", "--config", config,
             "--window", "W04", "--pace", "0.1", "--seed", "3"],
            logs / "staff.log",
        )  # fmt: skip
        _spawn(
            procs,
            [sys.executable, "-m", "hall.cli", "terminal", "--client", "window-04",
             "--config", config, "--var", str(tmp_path), "--broker-port", str(hall.port),
             "--printer", f"sim:{tmp_path / 'notices'}"],
            logs / "terminal.log",
            {
                "DISPLAY": screen.display,
                "HALL_UI_DRIVER": f"127.0.0.1:{port}",
                "KIVY_HOME": str(tmp_path / "kivy"),
            },
        )  # fmt: skip
        assert hall.service is not None
        state = hall.service.engine.state
        deadline = time.monotonic() + 200
        while True:
            done = [t for t in state.tickets.values() if t.number in numbers and t.status == "done"]
            if len(done) == len(numbers):
                break
            for p in procs:
                assert p.poll() is None, (logs / "staff.log").read_text()
            assert time.monotonic() < deadline, (
                f"{[(t.number, t.status) for t in state.tickets.values()]}\n"
                + (logs / "staff.log").read_text()
            )
            time.sleep(0.5)
    finally:
        _stop(procs)
        screen.stop()
        hall.stop()
    assert {t.window for t in done} == {"W04"}
    assert all(t.outcome in ("immediate", "promised", "joint", "supplement") for t in done)
    signed = _events(tmp_path / "hall.db", "staff.signed_in")
    assert any(e.get("staff") == "S016" and e.get("window") == "W04" for e in signed), signed
    finished = {e["ticket"]: e for e in _events(tmp_path / "hall.db", "ticket.finished")}
    assert {finished[t.id]["by"] for t in done} == {"S016"}  # given by the person signed in
    cases = _events(tmp_path / "hall.db", "case.registered")
    # The case form was filled in on the screen: one case per ticket, with a typed name.
    assert len(cases) == len(done)
    assert all(c["case"]["window"] == "W04" and c["applicant"]["name"] in NAMES for c in cases)
    log = (logs / "staff.log").read_text()
    assert "W04: S016 signed in" in log and "opened by S016" in log


@pytest.mark.slow
@pytest.mark.broker
@pytest.mark.timeout(240)
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
def test_simulated_applicants_rate_on_the_windows_rating_pad(
    sample_config: HallConfig, tmp_path: Path
) -> None:
    """`hall demo-raters`: each ticket finished at the window is rated on its pad by touches
    (a level; a reason chip for a low one), and the service records the rating."""
    hall = start_hall(sample_config, tmp_path)
    screen = Xvfb("1920x1080x24")
    procs: Procs = []
    log = tmp_path / "raters.log"
    try:
        port = _listening(
            procs,
            [sys.executable, "-m", "hall.cli", "demo-raters", "--pace", "0.1", "--walk-away", "0"],
            log,
        )
        _spawn(
            procs,
            [sys.executable, "-m", "hall.cli", "rating", "--client", "rating-04",
             "--config", str(sample_config.directory), "--var", str(tmp_path),
             "--broker-port", str(hall.port)],
            tmp_path / "pad.log",
            {
                "DISPLAY": screen.display,
                "HALL_UI_DRIVER": f"127.0.0.1:{port}",
                "KIVY_HOME": str(tmp_path / "kivy"),
            },
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while "the rating pad is online" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        kiosk, window = hall.client("kiosk-01"), hall.client("window-04")
        window.command("window.open")
        served = []
        for _ in range(2):
            number = issue_for(kiosk, sample_config, "W04")["number"]
            window.command("window.call_next")
            window.command("window.start")
            window.command("window.finish", {"outcome": "immediate"})
            served.append(number)
            deadline = time.monotonic() + 60
            while f"{number} rated" not in log.read_text():
                assert all(p.poll() is None for p in procs), log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
    finally:
        _stop(procs)
        screen.stop()
        hall.stop()
    given = _events(tmp_path / "hall.db", "rating.given")
    assert len(given) == 2 and {g["window"] for g in given} == {"W04"}, given


@pytest.mark.slow
@pytest.mark.broker
@pytest.mark.timeout(240)
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
def test_a_simulated_guide_officer_signs_in_at_the_console(
    sample_config: HallConfig, tmp_path: Path
) -> None:
    hall = start_hall(sample_config, tmp_path)
    screen = Xvfb("1920x1080x24")
    procs: Procs = []
    log = tmp_path / "officer.log"
    try:
        port = _listening(
            procs,
            [sys.executable, "-m", "hall.cli", "demo-staff", "--config",
             str(sample_config.directory), "--console", "guide", "--pace", "0.05"],
            log,
        )  # fmt: skip
        _spawn(procs, hall_app_argv(hall, "guide", "guide-01"), tmp_path / "guide.log", {
            "DISPLAY": screen.display,
            "HALL_UI_DRIVER": f"127.0.0.1:{port}",
            "KIVY_HOME": str(tmp_path / "kivy"),
        })  # fmt: skip
        deadline = time.monotonic() + 120
        while "guide console: S010 signed in" not in log.read_text():
            assert all(p.poll() is None for p in procs), log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
    finally:
        _stop(procs)
        screen.stop()
        hall.stop()
    signed = _events(tmp_path / "hall.db", "staff.signed_in")
    assert any(e.get("staff") == "S010" and e.get("client") == "guide-01" for e in signed), signed


def hall_app_argv(hall, kind: str, client: str) -> list[str]:
    """``hall <kind>`` as hall up starts it, against the test hall."""
    return [sys.executable, "-m", "hall.cli", kind, "--client", client,
            "--config", str(hall.config.directory), "--var", str(hall.directory),
            "--broker-port", str(hall.port)]  # fmt: skip


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
def test_a_simulated_duty_officer_records_a_sign_in_for_an_unclear_finger(
    sample_config: HallConfig, tmp_path: Path
) -> None:
    """The duty console (值班台) on a working Wednesday morning: the simulated officer on duty
    (S008 by the sample rota) signs in through the login panel; when the sign-in station then
    reports a finger it could not read, the officer selects someone still absent on the roll
    call and presses 指紋不明顯 (a manual sign-in waiting for the director)."""
    from attendance.recorder import FileRecorder
    from attendance.rules import Context
    from attendance.state import Command
    from tests.attendance.conftest import TZ

    ctx = Context.from_config(sample_config)
    record = tmp_path / "attendance.jsonl"
    recorder = FileRecorder(record, ctx)
    wed = datetime(2026, 11, 25, 8, 5, tzinfo=TZ)
    punch = {"staff": "S020", "device": "signin-01"}
    recorder.submit(Command("punch.record", "signin-01", wed, punch))
    screen = Xvfb("1920x1080x24")
    procs: Procs = []
    log = tmp_path / "officer.log"
    try:
        port = _listening(
            procs,
            [sys.executable, "-m", "hall.cli", "demo-staff", "--config",
             str(sample_config.directory), "--console", "duty", "--staff", "S008",
             "--pace", "0.05", "--seed", "1"],
            log,
        )  # fmt: skip
        _spawn(
            procs,
            [sys.executable, "-m", "hall.cli", "duty", "--config", str(sample_config.directory),
             "--record-file", str(record), "--clock-from", "2026-11-25T09:00:00",
             "--lang", "zh-Hant"],
            tmp_path / "duty.log",
            {"DISPLAY": screen.display, "HALL_UI_DRIVER": f"127.0.0.1:{port}",
             "KIVY_HOME": str(tmp_path / "kivy")},
        )  # fmt: skip

        def wait_for(line: str) -> None:
            deadline = time.monotonic() + 150  # a hang guard, not a speed check
            while line not in log.read_text():
                assert all(p.poll() is None for p in procs), log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)

        wait_for("duty console: S008 signed in")
        at = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
        unclear = {"result": "unclear", "device": "signin-01"}
        recorder.submit(Command("attempt.record", "signin-01", at, unclear))
        wait_for("signed in by hand, unclear fingerprint")
    finally:
        _stop(procs)
        screen.stop()
    entered = [e for e in recorder.refresh().manual.values() if e.reason == "unclear_fingerprint"]
    assert len(entered) == 1, log.read_text()
    assert entered[0].entered_by == "S008" and entered[0].staff != "S020"  # S020 was there
