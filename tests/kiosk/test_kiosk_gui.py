"""The kiosk GUI under Xvfb, driven by real touches through Kivy's input path.

Touch an item -> the real queue service issues the ticket over the real broker ->
the printer simulator prints it -> the printed bytes hold that number and its QR.
``HALL_WRITE_SCREENSHOTS=1`` also writes docs/screenshots/kiosk-<screen>-<lang>.png.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from devices.printer.simulator import PrinterSimulator
from hall.conf import HallConfig
from tests.support import FakeClock, RunningHall, start_hall
from ui.driver import AppDriver, python_module

# each test starts a Kivy app process; on a loaded 2-core machine that alone takes seconds
pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
GOOD_ID = "11010519491231002X"
BAD_ID = "110105194912310021"


def start_kiosk(
    launch: Callable[..., AppDriver], hall: RunningHall, printer_url: str, *extra: str
) -> AppDriver:
    app = launch(
        python_module(
            "kiosk.app",
            "--config",
            str(hall.config.directory),
            "--kiosk-id",
            "kiosk-01",
            "--var",
            str(hall.directory),
            "--broker-port",
            str(hall.port),
            "--printer",
            printer_url,
            "--windowed",
            *extra,
        )
    )
    app.wait_for(lambda s: s["connected"] and not s["banner"], 30, "kiosk connected")
    return app


def test_touch_an_item_and_the_printed_ticket_holds_its_number_and_qr(
    launch_app, hall: RunningHall, simulator: PrinterSimulator
) -> None:
    app = start_kiosk(launch_app, hall, simulator.url)
    assert app.state()["screen"] == "home"
    app.tap("key:priority:elderly")
    app.tap("by_department")
    app.tap("key:entry:U02")
    assert [e["key"] for e in app.state()["entries"]] == ["XK-SJ-001", "FX-SJ-001", "JG-SJ-001"]
    app.tap("key:entry:XK-SJ-001")
    state = app.wait_for(lambda s: s["screen"] == "confirm")
    assert state["item_name"] == "企業設立登記"
    app.tap("take")
    app.tap("take")  # an impatient second touch
    state = app.wait_for(lambda s: s["screen"] == "issued", 20, "ticket issued")
    assert state["number"] == "B001" and state["message_kind"] == "ok", state
    (receipt,) = simulator.wait_for_receipts(1, timeout=10)
    assert any(line.strip() == "B001" for line in receipt.lines)
    assert any("優先" in line for line in receipt.lines)
    codes = decode(Image.open(simulator.png_paths[0]))
    assert [c.data.decode() for c in codes] == [state["qr"]]
    assert state["qr"] == hall.service.state.ticket_by_number("B001").ref
    assert [t.number for t in hall.service.state.tickets.values()] == ["B001"]
    assert hall.service.state.ticket_by_number("B001").printed == "printed"
    # the screen's QR is the same reference
    shot = app.screenshot(hall.directory / "issued.png")
    assert [c.data.decode() for c in decode(Image.open(shot))] == [state["qr"]]
    app.tap("done")
    assert app.state()["screen"] == "home"
    # only the screen on show is built: Choose, Confirm and Issued were dropped ...
    assert app.call("screens") == ["home"]
    # ... and freed by the collection after the switch (Kivy widgets are in cycles with
    # themselves: without it they wait for a rare full collection); the start-up's
    # objects were frozen out of the collector's way
    left = app.wait_for_call("left_screens", lambda r: r["alive"] == 0, 10, "left screens freed")
    assert left["freezes"] >= 1


def test_wedge_scanner_types_into_the_window_on_any_screen(
    launch_app, hall: RunningHall, simulator: PrinterSimulator
) -> None:
    app = start_kiosk(launch_app, hall, simulator.url)
    app.tap("search")
    app.tap("key:key:X")
    app.type(GOOD_ID)  # the search screen's keyboard does not take the scan
    state = app.state()
    assert state["typed"] == "X" and state["attached"] == ["已登記身份證號：1101**********002X"]
    app.type(BAD_ID)
    state = app.wait_for(lambda s: s["screen"] == "scan")
    assert state["message"] == "身份證號碼校驗位錯誤，請核對號碼"
    app.tap("lang_en")
    assert app.state()["labels"]["home"] == "Home"
    # kiosk mode: Escape and the window's close request do not end it
    assert app.request("press_key", 27) is True
    assert app.request("request_close") is True
    assert app.request("ping") == "pong"


def test_real_name_item_waits_for_the_id_scan(
    launch_app, hall: RunningHall, simulator: PrinterSimulator
) -> None:
    app = start_kiosk(launch_app, hall, simulator.url)
    app.tap("search")
    for ch in "XKGA002":
        app.tap(f"key:key:{ch}")
    app.tap("key:entry:XK-GA-002")
    app.tap("take")
    state = app.wait_for(lambda s: "實名" in s["message"])
    assert state["screen"] == "confirm"
    app.type(GOOD_ID)
    state = app.wait_for(lambda s: s["screen"] == "issued", 20)
    assert hall.service.state.ticket_by_number(state["number"]).id_masked.endswith("002X")


def test_real_name_appointment_asks_for_the_id_then_checks_in(
    launch_app, mini_config: HallConfig, simulator: PrinterSimulator, tmp_path: Path
) -> None:
    """A booked real-name item (實名取號): the typed code asks for the ID scan, a bad check
    character is said, the wedge scan checks in; the service holds the masked ID and hash."""
    hall = start_hall(mini_config, tmp_path / "hall", clock=FakeClock.local(2026, 11, 25, 8, 40))
    try:
        guide = hall.client("guide-01")
        guide.command("staff.sign_in", {"staff": "S004", "pin": "1234"})
        code = guide.command(
            "appointment.book",
            {
                "day": "2026-11-25",
                "slot": "09:00",
                "item": "XK-GA-002",
                "name": "王小明",
                "phone": "13800001234",
            },
        )["appointment"]["code"]
        app = start_kiosk(launch_app, hall, simulator.url)
        app.tap("key:priority:appointment")
        for ch in code:
            app.tap(f"key:key:{ch}")
        app.tap("ok")
        state = app.wait_for(lambda s: s["message"] and not s["busy"], 30, "the check-in answer")
        assert (state["screen"], state["message"]) == (
            "appointment",
            "此事項須實名取號：請掃描身份證號碼",
        )
        app.type(BAD_ID)
        state = app.wait_for(lambda s: "校驗位" in s["message"], 20)
        assert state["screen"] == "appointment" and not hall.service.state.tickets
        app.type(GOOD_ID)
        state = app.wait_for(lambda s: s["screen"] == "issued", 30, "checked in")
        ticket = hall.service.state.ticket_by_number(state["number"])
        assert (ticket.item, ticket.priority) == ("XK-GA-002", "appointment")
        assert ticket.id_masked == "1101**********002X" and ticket.id_hash
        (receipt,) = simulator.wait_for_receipts(1, timeout=10)
        assert any(line.strip() == ticket.number for line in receipt.lines)
    finally:
        hall.stop()


def test_paper_out_still_shows_the_number_and_qr(
    launch_app, hall: RunningHall, simulator: PrinterSimulator
) -> None:
    simulator.flags.paper_out = True
    app = start_kiosk(launch_app, hall, simulator.url)
    app.tap("by_department")
    app.tap("key:entry:U01")
    app.tap("key:entry:XK-GA-001")
    app.tap("take")
    state = app.wait_for(lambda s: s["screen"] == "issued", 20)
    assert state["message_kind"] == "error" and "缺紙" in state["message"]
    assert state["printer"] == "printer.fault.paper_out"
    assert hall.service.state.ticket_by_number(state["number"]).printed == "failed"


def test_service_away_is_said_and_the_kiosk_recovers_by_itself(
    launch_app, hall: RunningHall, simulator: PrinterSimulator
) -> None:
    app = start_kiosk(launch_app, hall, simulator.url)
    app.tap("by_department")
    app.tap("key:entry:U01")
    app.tap("key:entry:XK-GA-001")
    hall.stop_service()
    state = app.wait_for(lambda s: s["banner"], 30, "the kiosk notices the service is gone")
    assert "導辦員" in state["banner"]
    app.tap("take")
    state = app.wait_for(lambda s: s["message_kind"] == "error", 60, "the issue fails")
    assert state["screen"] == "confirm"
    hall.start_service()  # no restart of the kiosk: it retries the same request
    state = app.wait_for(lambda s: s["screen"] == "issued", 60, "the retry is answered")
    assert state["number"] == "A001"
    app.wait_for(lambda s: not s["banner"], 30, "the banner goes")
    assert [t.number for t in hall.service.state.tickets.values()] == ["A001"]
    assert len(simulator.wait_for_receipts(1, timeout=10)) == 1


# ------------------------------------------------------------------ screenshots

LANGS = ("zh-Hant", "zh-Hans", "en")
SCREENS = ("home", "choose", "items", "search", "appointment", "confirm", "issued", "scan")


@pytest.mark.timeout(900)
def test_every_screen_in_every_language_fits_and_is_large_enough(
    launch_app, sample_hall: RunningHall, simulator: PrinterSimulator, tmp_path: Path
) -> None:
    """Screenshots of every screen in all three languages (the sample hall, 1920x1080);
    on each: no text clipped, every touch target at least 15 mm on the configured screen."""
    out = tmp_path / "shots"
    app = start_kiosk(launch_app, sample_hall, simulator.url)
    window = app.request("window")
    assert window["size"] == [1920, 1080]
    min_px = 15 / 25.4 * ((1920**2 + 1080**2) ** 0.5 / 21.5)
    shots: list[Path] = []
    problems: list[str] = []

    def shoot(screen: str, lang: str) -> None:
        state = app.wait_for(lambda s: not s["busy"], 20)
        expected = "choose" if screen == "items" else screen
        assert state["screen"] == expected, (screen, state["screen"], state["message"])
        for label in app.clipped():
            problems.append(f"{screen}/{lang}: clipped {label['text']!r} {label}")
        for target in app.small_targets():
            if target["size"][0] < min_px - 0.5 or target["size"][1] < min_px - 0.5:
                problems.append(f"{screen}/{lang}: small target {target['text']!r} {target}")
        shots.append(app.screenshot(out / f"kiosk-{screen}-{lang}.png"))

    for lang in LANGS:
        app.tap("lang_" + lang.replace("-", "_"))
        app.tap("key:priority:elderly")
        shoot("home", lang)
        app.tap("key:class:licence")
        shoot("choose", lang)
        app.tap("key:entry:U07")  # 自然資源和規劃局: long item names
        shoot("items", lang)
        app.tap("home")
        app.tap("search")
        for ch in "XKGA":
            app.tap(f"key:key:{ch}")
        shoot("search", lang)
        app.tap("key:entry:XK-GA-001")
        shoot("confirm", lang)
        app.tap("take")
        app.wait_for(lambda s: s["screen"] == "issued", 20)
        ref = app.state()["qr"]
        shoot("issued", lang)
        app.tap("done")
        app.type(ref)  # the ticket's QR at the scanner: where it stands, reprint
        app.wait_for(lambda s: s["screen"] == "scan" and s["number"], 20)
        shoot("scan", lang)
        app.tap("back")
        app.tap("key:priority:appointment")
        for ch in "K7M2":
            app.tap(f"key:key:{ch}")
        shoot("appointment", lang)
        app.tap("back")
    assert not problems, "\n".join(problems)
    assert len(shots) == len(LANGS) * len(SCREENS)
    if os.environ.get("HALL_WRITE_SCREENSHOTS"):
        target = REPO / "docs" / "screenshots"
        target.mkdir(exist_ok=True)
        for shot in shots:
            shutil.copyfile(shot, target / shot.name)
