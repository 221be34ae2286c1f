"""The kiosk with a camera scanner, end to end under Xvfb.

The kiosk app runs as configured for a camera (``--scanner camera:URL``) on a simulated
network camera (MJPEG over HTTP, read by OpenCV's FFmpeg capture: ``devices/scanner/
camera_sim.py``), with the real broker, queue service and printer simulator. What the
camera sees are the photographed fixtures of ``../shared/fixtures/barcodes`` (ID numbers)
and codes made in the test for what only exists at run time (an appointment code, a case
notice of a registered case, a printed ticket's QR), blurred and tilted like a camera
frame. Each must reach the presenter and change the screen; a camera that is missing,
hangs or is unplugged makes the footer say the scanner cannot read, without the kiosk
hanging, and it reads again once frames come back.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode

from devices.printer.simulator import PrinterSimulator
from devices.scanner.camera_sim import SimCamera
from hall.conf import HallConfig
from hall.i18n import t
from hall.net import free_port
from tests.support import Collector, FakeClock, RunningHall, start_hall
from ui.driver import AppDriver, python_module

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(600)]

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("HALL_FIXTURES") or REPO.parent / "shared" / "fixtures")
BARCODES = FIXTURES / "barcodes"
WAIT = 90.0
"""Upper bound for one step on a loaded 2-core machine (a hang, not a speed check)."""


def fixture_frame(kind: str) -> tuple[Path, str]:
    """The first photographed fixture of ``kind`` (``id``, ``bad-id``) and its payload."""
    manifest = BARCODES / "manifest.csv"
    if not manifest.is_file():
        pytest.skip(
            f"barcode fixtures not found at {BARCODES} (the camera test shows their frames "
            "to the kiosk); they live in <repo>/../shared/fixtures, set HALL_FIXTURES"
        )
    with manifest.open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["kind"] == kind)
    return BARCODES / row["file"], row["payload"]


def camera_frame(payload: str, symbology: str = "qr") -> np.ndarray:
    """A code as a camera sees it held up: on a grey ground, tilted, a little blurred."""
    if symbology == "qr":
        qr = qrcode.QRCode(box_size=6, border=4)
        qr.add_data(payload)
        qr.make(fit=True)
        code = np.array(qr.make_image().get_image().convert("L"))
    else:
        import barcode
        from barcode.writer import ImageWriter

        image = barcode.get("code128", payload, writer=ImageWriter()).render(
            {"module_width": 0.3, "module_height": 12, "write_text": False, "quiet_zone": 4}
        )
        code = np.array(image.convert("L"))
        scale = min(1.0, 520 / code.shape[1])
        code = cv2.resize(code, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame = np.full((480, 640), 150, np.uint8)
    h, w = code.shape
    y, x = (480 - h) // 2, (640 - w) // 2
    frame[y : y + h, x : x + w] = code
    turn = cv2.getRotationMatrix2D((320, 240), 4.0, 1.0)
    frame = cv2.warpAffine(frame, turn, (640, 480), borderValue=150)
    frame = cv2.GaussianBlur(frame, (3, 3), 0.8)
    noise = np.random.default_rng(7).normal(0, 4, frame.shape)
    frame = np.clip(frame + noise, 0, 255).astype(np.uint8)
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


@pytest.fixture
def booking_hall(mini_config: HallConfig, tmp_path: Path) -> Iterator[RunningHall]:
    """The mini hall at 08:40 on a Wednesday: the 09:00 slot checks in (from 08:30)."""
    hall = start_hall(mini_config, tmp_path / "hall", clock=FakeClock.local(2026, 11, 25, 8, 40))
    try:
        yield hall
    finally:
        hall.stop()


def start_kiosk(launch_app, hall: RunningHall, printer: str, camera_url: str) -> AppDriver:
    app = launch_app(
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
            printer,
            "--scanner",
            f"camera:{camera_url}",
            "--windowed",
        )
    )
    app.wait_for(lambda s: s["connected"] and not s["banner"], 60, "kiosk connected")
    return app


def test_camera_frames_reach_the_kiosk_and_a_missing_or_hung_camera_is_shown(
    launch_app, booking_hall: RunningHall, simulator: PrinterSimulator, tmp_path: Path
) -> None:
    hall = booking_hall
    id_path, id_number = fixture_frame("id")
    bad_id_path, _ = fixture_frame("bad-id")
    masked = f"{id_number[:4]}{'*' * 10}{id_number[-4:]}"
    # what the hall holds today: a booked real-name item, a 補辦件 case waiting for materials
    guide = hall.client("guide-01")
    guide.command("staff.sign_in", {"staff": "S004", "pin": "1234"})
    booking = {"day": "2026-11-25", "slot": "09:00", "name": "王", "phone": "13800001234"}
    code = guide.command("appointment.book", {**booking, "item": "XK-GA-002"})["appointment"][
        "code"
    ]
    window = hall.client("window-02")
    window.command("staff.sign_in", {"staff": "S012", "pin": "1234"})
    window.command("window.open")
    applicant = {"name": "周女士", "unit": "", "contact": "139-0000-0000", "id_masked": None}
    case = window.command(
        "case.register",
        {"item": "XK-SJ-001", "kind": "supplement", "applicant": applicant, "missing": ["章程"]},
    )["case"]["number"]
    statuses = Collector()
    guide.subscribe(hall.topics.status("kiosk-01"), statuses)

    # the camera is not there when the kiosk starts: the footer says so, the kiosk works
    camera = SimCamera(port=free_port())
    app = start_kiosk(launch_app, hall, simulator.url, camera.url)
    fault_text = t("scan.camera_fault", "zh-Hant")
    state = app.wait_for(lambda s: s["scanner_fault"], WAIT, "the missing camera is shown")
    assert state["scanner_fault"] == "scan.camera_fault" and state["scan_prompt"] == fault_text
    statuses.wait_for(lambda _t, b: b.get("scanner") == "scan.camera_fault", WAIT)
    app.screenshot(tmp_path / "kiosk-camera-fault.png")
    app.tap("by_department")  # not hung
    assert app.state()["screen"] == "choose"
    app.tap("home")
    camera.start()
    try:
        state = app.wait_for(lambda s: not s["scanner_fault"], WAIT, "frames come")
        assert state["scan_prompt"] == state["labels"]["scan_prompt"]
        statuses.wait_for(lambda _t, b: b.get("scanner") == "ok", WAIT)

        # an appointment code (its QR) for a real-name item: the kiosk asks for the ID
        camera.show(camera_frame(code))
        state = app.wait_for(lambda s: s["screen"] == "appointment", WAIT, "the code is read")
        state = app.wait_for(lambda s: s["message"] and not s["busy"], WAIT)
        assert state["typed"] == code and state["message"] == "此事項須實名取號：請掃描身份證號碼"
        assert not hall.service.state.tickets
        camera.show(bad_id_path)  # a photographed ID number with a wrong check character
        state = app.wait_for(lambda s: "校驗位" in s["message"], WAIT, "the bad ID is read")
        assert state["screen"] == "appointment" and not hall.service.state.tickets
        camera.show(id_path)  # the photographed ID number: the code checks in with it
        state = app.wait_for(lambda s: s["screen"] == "issued", WAIT, "checked in")
        ticket = hall.service.state.ticket_by_number(state["number"])
        assert (ticket.item, ticket.priority) == ("XK-GA-002", "appointment")
        assert ticket.id_masked == masked
        assert ticket.id_hash and id_number not in str(ticket.public())
        assert any(masked in line for line in state["ticket_lines"])
        (receipt,) = simulator.wait_for_receipts(1, timeout=30)
        assert any(line.strip() == ticket.number for line in receipt.lines)
        camera.show(None)
        app.tap("done")

        # the printed ticket's QR: where it stands
        camera.show(camera_frame(ticket.ref))
        state = app.wait_for(lambda s: s["screen"] == "scan" and s["number"], WAIT, "ticket QR")
        assert state["number"] == ticket.number and state["can_reprint"]
        camera.show(None)
        app.tap("back")

        # the case notice's barcode (CODE128): a returning ticket to the case's window
        camera.show(camera_frame(case, "code128"))
        state = app.wait_for(lambda s: s["screen"] == "issued", WAIT, "the case is checked in")
        returning = hall.service.state.ticket_by_number(state["number"])
        assert (returning.priority, returning.case_no) == ("returning", case)
        assert any(case in line for line in state["ticket_lines"])
        camera.show(None)
        app.tap("done")

        # a hung camera (stream open, no frames): shown, not hung, back by itself
        camera.freeze()
        app.wait_for(lambda s: s["scanner_fault"] == "scan.camera_fault", WAIT, "hung camera")
        assert app.request("ping") == "pong"
        app.tap("search")
        assert app.state()["screen"] == "search"
        app.tap("back")
        camera.thaw()
        app.wait_for(lambda s: not s["scanner_fault"], WAIT, "the camera is back")

        # unplugged, then plugged in again: it reads again
        camera.unplug()
        app.wait_for(lambda s: s["scanner_fault"], WAIT, "unplugged camera")
        camera.show(id_path)
        camera.plug()
        state = app.wait_for(lambda s: s["attached"], WAIT, "reads again")
        assert not state["scanner_fault"] and masked in state["attached"][0]
    finally:
        camera.stop()
