"""`hall demo-staff`: simulated staff work a real window terminal GUI through its buttons (the
demo's window terminals, issue 9), and the demo traffic's headless staff keep off that window."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from hall.conf import HallConfig
from kiosk.demo import DemoTraffic
from runner.staff import NAMES, NoStaff, pick_staff
from tests.display.helpers import issue_for
from tests.runner.conftest import HALL_CLI, Rig, events, hall_app
from tests.support import RunningHall


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


@pytest.mark.slow
@pytest.mark.broker
@pytest.mark.timeout(300)
def test_simulated_staff_press_the_terminals_buttons(
    sample_config: HallConfig, sample_hall: RunningHall, rig: Rig, tmp_path: Path
) -> None:
    """The person signs in with staff id and PIN, opens the window, calls, serves and finishes
    tickets with a case form, all by touches on the terminal's screen; the service records
    each command as that terminal's, given by that person."""
    kiosk = sample_hall.client("kiosk-01")
    numbers = {issue_for(kiosk, sample_config, "W04")["number"] for _ in range(2)}
    log = tmp_path / "staff.log"
    port = rig.listening(
        [*HALL_CLI, "demo-staff", "--config", str(sample_config.directory),
         "--window", "W04", "--pace", "0.1", "--seed", "3"],
        log,
    )  # fmt: skip
    notices = f"sim:{tmp_path / 'notices'}"
    rig.app(
        hall_app(sample_hall, "terminal", "window-04", "--printer", notices),
        tmp_path / "terminal.log",
        port,
    )
    assert sample_hall.service is not None
    state = sample_hall.service.engine.state

    def served() -> list:
        return [t for t in state.tickets.values() if t.number in numbers and t.status == "done"]

    rig.wait_for(lambda: len(served()) == len(numbers), log, 200)
    done = served()
    rig.stop()
    assert {t.window for t in done} == {"W04"}
    assert all(t.outcome in ("immediate", "promised", "joint", "supplement") for t in done)
    signed = events(tmp_path / "hall.db", "staff.signed_in")
    assert any(e.get("staff") == "S016" and e.get("window") == "W04" for e in signed), signed
    finished = {e["ticket"]: e for e in events(tmp_path / "hall.db", "ticket.finished")}
    assert {finished[t.id]["by"] for t in done} == {"S016"}  # given by the person signed in
    cases = events(tmp_path / "hall.db", "case.registered")
    # The case form was filled in on the screen: one case per ticket, with a typed name.
    assert len(cases) == len(done)
    assert all(c["case"]["window"] == "W04" and c["applicant"]["name"] in NAMES for c in cases)
    text = log.read_text()
    assert "W04: S016 signed in" in text and "opened by S016" in text


@pytest.mark.slow
@pytest.mark.broker
@pytest.mark.timeout(240)
def test_simulated_applicants_rate_on_the_windows_rating_pad(
    sample_config: HallConfig, sample_hall: RunningHall, rig: Rig, tmp_path: Path
) -> None:
    """`hall demo-raters`: each ticket finished at the window is rated on its pad by touches
    (a level; a reason chip for a low one), and the service records the rating."""
    log = tmp_path / "raters.log"
    port = rig.listening([*HALL_CLI, "demo-raters", "--pace", "0.1", "--walk-away", "0"], log)
    rig.app(hall_app(sample_hall, "rating", "rating-04"), tmp_path / "pad.log", port)
    rig.wait_line(log, "the rating pad is online", 90)
    kiosk, window = sample_hall.client("kiosk-01"), sample_hall.client("window-04")
    window.command("window.open")
    for _ in range(2):
        number = issue_for(kiosk, sample_config, "W04")["number"]
        window.command("window.call_next")
        window.command("window.start")
        window.command("window.finish", {"outcome": "immediate"})
        rig.wait_line(log, f"{number} rated", 60)
    given = events(tmp_path / "hall.db", "rating.given")
    assert len(given) == 2 and {g["window"] for g in given} == {"W04"}, given


@pytest.mark.slow
@pytest.mark.broker
@pytest.mark.timeout(240)
def test_a_simulated_guide_officer_signs_in_at_the_console(
    sample_config: HallConfig, sample_hall: RunningHall, rig: Rig, tmp_path: Path
) -> None:
    log = tmp_path / "officer.log"
    port = rig.listening(
        [*HALL_CLI, "demo-staff", "--config", str(sample_config.directory),
         "--console", "guide", "--pace", "0.05"],
        log,
    )  # fmt: skip
    rig.app(hall_app(sample_hall, "guide", "guide-01"), tmp_path / "guide.log", port)
    rig.wait_line(log, "guide console: S010 signed in", 120)
    signed = events(tmp_path / "hall.db", "staff.signed_in")
    assert any(e.get("staff") == "S010" and e.get("client") == "guide-01" for e in signed), signed


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_simulated_duty_officer_records_a_sign_in_for_an_unclear_finger(
    sample_config: HallConfig, rig: Rig, tmp_path: Path
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
    log = tmp_path / "officer.log"
    port = rig.listening(
        [*HALL_CLI, "demo-staff", "--config", str(sample_config.directory),
         "--console", "duty", "--staff", "S008", "--pace", "0.05", "--seed", "1"],
        log,
    )  # fmt: skip
    rig.app(
        [*HALL_CLI, "duty", "--config", str(sample_config.directory),
         "--record-file", str(record), "--clock-from", "2026-11-25T09:00:00",
         "--lang", "zh-Hant"],
        tmp_path / "duty.log",
        port,
    )  # fmt: skip
    rig.wait_line(log, "duty console: S008 signed in", 150)
    at = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
    unclear = {"result": "unclear", "device": "signin-01"}
    recorder.submit(Command("attempt.record", "signin-01", at, unclear))
    rig.wait_line(log, "signed in by hand, unclear fingerprint", 150)
    entered = [e for e in recorder.refresh().manual.values() if e.reason == "unclear_fingerprint"]
    assert len(entered) == 1, log.read_text()
    assert entered[0].entered_by == "S008" and entered[0].staff != "S020"  # S020 was there
