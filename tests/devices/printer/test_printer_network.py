"""The TCP (port 9100) adapter against the simulator: printing, every fault, reconnects."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from devices.printer.connections import TimedNetwork, send_job
from devices.printer.errors import (
    CoverOpen,
    PaperNearEnd,
    PaperOut,
    PrinterOffline,
    PrinterTimeout,
    StatusUnreadable,
)
from devices.printer.samples import sample_ticket
from devices.printer.service import TicketPrinter
from devices.printer.simulator import PrinterSimulator
from hall.net import free_port

from .test_printer_golden import golden

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def printer(simulator: PrinterSimulator) -> Iterator[TicketPrinter]:
    with TicketPrinter.from_url(f"{simulator.url}?timeout=0.5", "generic-80") as ticket_printer:
        yield ticket_printer


def test_prints_the_golden_bytes_and_a_png(
    printer: TicketPrinter, simulator: PrinterSimulator
) -> None:
    result = printer.print_slip(sample_ticket("zh-Hant"))
    (receipt,) = simulator.wait_for_receipts(1)
    assert bytes(receipt.raw) == golden("ticket-zh-Hant-generic-80")
    assert result.receipts == 1 and result.bytes_sent == len(receipt.raw)
    assert result.warnings == () and result.status is not None and result.status.ready
    assert simulator.png_paths[0].read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("flag", "fault"),
    [
        ("paper_out", PaperOut),
        ("cover_open", CoverOpen),
        ("offline", PrinterOffline),
        ("mute", PrinterTimeout),
        ("garbled", StatusUnreadable),
    ],
)
def test_fault_stops_the_print_before_any_byte(
    printer: TicketPrinter, simulator: PrinterSimulator, flag: str, fault: type
) -> None:
    setattr(simulator.flags, flag, True)
    with pytest.raises(fault) as raised:
        printer.print_slip(sample_ticket())
    assert raised.value.message("zh-Hant")
    assert simulator.receipts == []
    setattr(simulator.flags, flag, False)
    printer.print_slip(sample_ticket())  # recovers once the printer does
    assert len(simulator.wait_for_receipts(1)) == 1


def test_paper_near_end_prints_with_a_warning(
    printer: TicketPrinter, simulator: PrinterSimulator
) -> None:
    simulator.flags.paper_near_end = True
    result = printer.print_slip(sample_ticket())
    assert [type(w) for w in result.warnings] == [PaperNearEnd]
    assert len(simulator.wait_for_receipts(1)) == 1
    with pytest.raises(PaperNearEnd):
        printer.print_slip(sample_ticket(), refuse_on_near_end=True)


def test_power_cycled_printer_is_reconnected(
    printer: TicketPrinter, simulator: PrinterSimulator
) -> None:
    printer.print_slip(sample_ticket())
    simulator.wait_for_receipts(1)
    simulator.drop_connections()  # the printer was switched off and on
    printer.print_slip(sample_ticket())
    assert len(simulator.wait_for_receipts(2)) == 2


def test_refused_connection_is_offline() -> None:
    port = free_port()  # nothing listens there
    with (
        TicketPrinter.from_url(f"tcp:127.0.0.1:{port}?timeout=0.5") as closed,
        pytest.raises(PrinterOffline),
    ):
        closed.print_slip(sample_ticket())


def test_a_printer_that_stops_reading_times_out_the_write() -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True)
    thread.start()
    connection = TimedNetwork(host="127.0.0.1", port=server.getsockname()[1], timeout=0.2)
    connection.open()
    try:
        with pytest.raises(PrinterTimeout):
            send_job(connection, b"\x00" * (64 * 1024 * 1024))
    finally:
        connection.close()
        thread.join(timeout=2)
        for sock in [*accepted, server]:
            sock.close()
