"""Case notices printed by the window terminal on the printer simulator (real ESC/POS bytes):
three copies with the case number as Code128 and as text, the promised date, and for a 補辦件
exactly which materials to bring. No notice for a 即辦件."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.printer.service import TicketPrinter
from devices.printer.sim_model import BarcodeSymbol
from devices.printer.simulator import PrinterSimulator
from hall.conf import HallConfig
from terminal.controller import WindowController
from terminal.notice import NoticePrinter
from tests.support import RunningHall, wait_until
from tests.terminal.test_case_panel import _call
from tests.terminal.test_outbox import outcome_of


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[TicketPrinter]:
    p = TicketPrinter.from_url(f"sim:{tmp_path / 'slips'}")
    try:
        yield p
    finally:
        p.close()


@pytest.fixture
def window(
    hall: RunningHall, w02: WindowController, mini_config: HallConfig, printer: TicketPrinter
) -> tuple[RunningHall, WindowController, PrinterSimulator]:
    """W02 with S012 signed in, printing its case notices on the simulator."""
    sim = printer.simulator
    assert sim is not None
    w02.notice_printer = NoticePrinter(mini_config, printer, "zh-Hant")
    return hall, w02, sim


def _register(ctrl: WindowController, hall, kind: str, **extra) -> str:
    ticket = hall.client("kiosk-01").command("ticket.issue", {"item": "XK-SJ-001"})["ticket"]
    _call(ctrl, ticket["number"])
    assert ctrl.finish_case(kind, "周女士", "139-0000-0000", [("申請書", 1)], **extra)
    assert outcome_of(ctrl, "window.finish").status == "ok"
    wait_until(lambda: ctrl.presenter.view().case is not None, 5, "case on the panel")
    return ctrl.presenter.view().case.number


def test_supplement_and_promised_notices_in_three_copies(
    window: tuple[RunningHall, WindowController, PrinterSimulator],
) -> None:
    hall, ctrl, sim = window
    missing = ["股東會決議原件", "公司章程"]
    number = _register(ctrl, hall, "supplement", missing=missing)
    wait_until(lambda: ctrl.presenter.view().case.notice != "printing", 15, "notice")
    assert ctrl.presenter.view().case.notice == "printed"
    receipts = sim.wait_for_receipts(3, timeout=10)
    assert len(receipts) == 3 and all(r.cut for r in receipts)
    holders = []
    for r in receipts:
        codes = [e for e in r.elements if isinstance(e, BarcodeSymbol)]
        assert [c.data for c in codes] == [number]
        text = "\n".join(r.lines)
        assert number in text
        assert all(m in text for m in missing)
        holders.append(next(line for line in r.lines if "聯" in line))
    assert len(set(holders)) == 3  # window, applicant, business section
    assert all(p.exists() for p in sim.png_paths)

    ctrl.outcomes.clear()
    promised = _register(ctrl, hall, "promised")
    case = ctrl.presenter.view().case
    assert case.number == promised and case.due
    receipts = sim.wait_for_receipts(6, timeout=10)[3:]
    y, m, d = (int(x) for x in case.due.split("-"))
    assert all(f"{y}年{m}月{d}日" in "\n".join(r.lines) for r in receipts), receipts[0].lines

    ctrl.outcomes.clear()
    _register(ctrl, hall, "immediate")
    assert ctrl.presenter.view().case.notice is None  # 即辦件: no notice
    assert len(sim.receipts) == 6


def test_reply_notice_gives_the_reason_and_a_failed_print_says_so(
    window: tuple[RunningHall, WindowController, PrinterSimulator],
) -> None:
    hall, ctrl, sim = window
    number = _register(ctrl, hall, "reply", reason="經營範圍屬許可項目，須先取得許可證")
    wait_until(lambda: ctrl.presenter.view().case.notice != "printing", 15, "notice")
    assert ctrl.presenter.view().case.notice == "printed"
    receipts = sim.wait_for_receipts(3, timeout=10)
    text = "\n".join(receipts[0].lines)
    assert number in text and "不予受理原因：經營範圍屬許可項目，須先取得許可證" in text

    sim.flags.paper_out = True  # the window's printer has run out of paper
    ctrl.outcomes.clear()
    _register(ctrl, hall, "promised")
    wait_until(lambda: ctrl.presenter.view().case.notice != "printing", 15, "notice")
    assert ctrl.presenter.view().case.notice == "print_failed"
    assert len(sim.receipts) == 3
    assert hall.service is not None  # the case is registered and the ticket finished all the same
    assert ctrl.presenter.view().ticket is None
