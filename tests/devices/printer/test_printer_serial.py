"""The serial adapter against a pseudo-terminal whose other end is the simulator."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.printer.errors import PaperOut, PrinterOffline, PrinterTimeout
from devices.printer.profiles import get_profile
from devices.printer.samples import sample_case_notice, sample_ticket
from devices.printer.service import TicketPrinter
from devices.printer.simulator import PrinterSimulator
from devices.printer.slips import CaseKind
from devices.printer.url import parse_printer_url

from .test_printer_golden import golden

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def serial_sim(tmp_path: Path) -> Iterator[tuple[str, PrinterSimulator]]:
    """(slave tty path, simulator serving the master side)."""
    master, slave = os.openpty()
    simulator = PrinterSimulator(get_profile("generic-58"), tmp_path / "receipts")
    simulator.serve_fd(master)
    try:
        yield os.ttyname(slave), simulator
    finally:
        simulator.stop()
        os.close(slave)
        os.close(master)


def open_serial(tty: str) -> TicketPrinter:
    config = parse_printer_url(f"serial:{tty}?baud=19200&timeout=0.5")
    return TicketPrinter(config, get_profile("generic-58"))


def test_prints_golden_bytes_over_serial(serial_sim: tuple[str, PrinterSimulator]) -> None:
    tty, simulator = serial_sim
    with open_serial(tty) as printer:
        result = printer.print_slip(sample_case_notice("zh-Hant", CaseKind.SUPPLEMENT))
    (receipt,) = simulator.wait_for_receipts(1)
    assert bytes(receipt.raw) == golden("notice-supplement-zh-Hant-generic-58")
    assert result.receipts == 1 and result.status is not None
    assert receipt.barcodes == ["GY202611270012X"]


def test_paper_out_over_serial(serial_sim: tuple[str, PrinterSimulator]) -> None:
    tty, simulator = serial_sim
    simulator.flags.paper_out = True
    with open_serial(tty) as printer, pytest.raises(PaperOut):
        printer.print_slip(sample_ticket())
    assert simulator.receipts == []


def test_silent_serial_printer_times_out(serial_sim: tuple[str, PrinterSimulator]) -> None:
    tty, simulator = serial_sim
    simulator.flags.mute = True
    with open_serial(tty) as printer, pytest.raises(PrinterTimeout):
        printer.status()


def test_missing_serial_port_is_offline(tmp_path: Path) -> None:
    with open_serial(str(tmp_path / "ttyUSB9")) as printer, pytest.raises(PrinterOffline):
        printer.print_slip(sample_ticket())
