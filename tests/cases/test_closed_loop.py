"""The case notice loop, every part real: a window registers a 補辦件 and its terminal prints
the notice on the printer simulator; the applicant's copy, rendered to PNG, is read back by the
scanner pipeline (devices.scanner.decode_frame); the kiosk's presenter checks the scanned case
in (``case.check_in``) and prints a returning ticket that the case's window calls, its terminal
showing the case and what was missing. Broker (Mosquitto) and queue service are real."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from devices.printer import TicketPrinter
from devices.printer.simulator import PrinterSimulator
from devices.scanner.decode import decode_frame
from hall.conf import HallConfig
from hall.conf.kiosks import KioskDefaults
from hall.mqtt import HallClient
from kiosk.backend import ServiceBackend
from kiosk.desk import TicketDesk
from kiosk.presenter import Presenter
from terminal.controller import WindowController
from terminal.notice import NoticePrinter
from tests.support import RunningHall
from tests.terminal.test_case_panel import _call, _signed_in_window
from tests.terminal.test_outbox import outcome_of, wait_until

pytestmark = pytest.mark.broker

MISSING = ["股東會決議原件", "公司章程（加蓋公章）"]


def test_notice_scanned_at_the_kiosk_brings_the_applicant_back_to_the_window(
    mini_config: HallConfig, hall: RunningHall, simulator: PrinterSimulator, tmp_path: Path
) -> None:
    window_printer = TicketPrinter.from_url(f"sim:{tmp_path / 'window'}")
    notice_sim = window_printer.simulator
    assert notice_sim is not None
    ctrl = WindowController(mini_config, "W02", hall.endpoint("window-02"))
    ctrl.notice_printer = NoticePrinter(mini_config, window_printer, "zh-Hant")
    client = HallClient(hall.endpoint("kiosk-01"), hall.topics, request_timeout_s=3)
    kiosk_printer = TicketPrinter.from_url(f"{simulator.url}?timeout=3")
    try:
        client.connect(5)
        desk = TicketDesk(hall.config, client, kiosk_printer)
        settings = KioskDefaults(idle_timeout_s=60, issued_timeout_s=20)
        kiosk = Presenter(
            hall.config, settings, ServiceBackend(desk, client), lambda w, d: d(w()), b"k" * 32
        )

        # 1. The applicant's first visit: a ticket, the window registers a 補辦件.
        first = desk.take_ticket("XK-SJ-001")
        assert first.ok and first.printed
        _signed_in_window(ctrl, "S012")
        _call(ctrl, first.ticket["number"])
        assert ctrl.finish_case("supplement", "李先生", "138-1111-2222", [("申請書", 1)], MISSING)
        assert outcome_of(ctrl, "window.finish").status == "ok"
        wait_until(lambda: ctrl.presenter.view().case is not None, 5, "case registered")
        case_no = ctrl.presenter.view().case.number
        wait_until(lambda: ctrl.presenter.view().case.notice != "printing", 15, "notice")
        assert ctrl.presenter.view().case.notice == "printed"

        # 2. The notice, three copies; the applicant's copy (the second) read from its PNG.
        notices = notice_sim.wait_for_receipts(3, timeout=10)
        assert all(m in "\n".join(notices[1].lines) for m in MISSING)
        frame = cv2.imread(str(notice_sim.png_paths[1]))
        codes = [d for d in decode_frame(frame) if d.confirmed]
        assert [(d.symbology, d.payload) for d in codes] == [("CODE128", case_no)]

        # 3. Days later, the scanned notice at the kiosk: a returning ticket for W02, printed.
        v = kiosk.scanned(codes[0].payload)
        assert v.screen == "issued", v.message
        back_number = v.number
        text = "\n".join(v.ticket_lines)
        assert case_no in text and "待補材料" in text
        assert all(m in text for m in MISSING)
        kiosk_receipts = simulator.wait_for_receipts(2, timeout=10)
        assert any(back_number in line for line in kiosk_receipts[1].lines)
        assert hall.service is not None
        ticket = next(t for t in hall.service.state.tickets.values() if t.number == back_number)
        assert (ticket.case_no, ticket.target_window, ticket.priority) == (
            case_no,
            "W02",
            "returning",
        )

        # 4. W02 calls it: the terminal shows the case and what was missing.
        _call(ctrl, back_number)
        wait_until(
            lambda: (c := ctrl.presenter.view().case) is not None and c.number == case_no,
            10,
            "the returning case on the window's panel",
        )
        case = ctrl.presenter.view().case
        assert (case.status, case.due, case.missing) == ("waiting_materials", None, tuple(MISSING))
    finally:
        ctrl.stop()
        client.close(1)
        kiosk_printer.close()
        window_printer.close()
