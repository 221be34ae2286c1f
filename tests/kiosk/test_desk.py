"""Take a ticket end to end: service saves it, the printer simulator prints it, the flag is set."""

from __future__ import annotations

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from devices.printer import TicketPrinter
from devices.printer.simulator import PrinterSimulator
from hall.mqtt import HallClient
from kiosk.desk import TicketDesk
from tests.support import RunningHall

pytestmark = pytest.mark.broker


def test_ticket_is_saved_printed_and_flagged(
    hall: RunningHall, simulator: PrinterSimulator
) -> None:
    printer = TicketPrinter.from_url(f"{simulator.url}?timeout=3")
    desk = TicketDesk(hall.config, hall.client("kiosk-01"), printer)
    result = desk.take_ticket("XK-GA-001", lang="zh-Hant", id_masked="1301**********1209")
    assert result.ok and result.printed, result
    assert result.ticket["number"] == "A001"
    assert len(simulator.wait_for_receipts(1)) == 1
    codes = decode(Image.open(simulator.png_paths[0]))
    assert [c.data.decode() for c in codes] == [result.ticket["ref"]]
    assert result.ticket["ref"] == f"GY-{result.ticket['day'].replace('-', '')}-A001"
    saved = hall.service.state.ticket_by_number("A001")
    assert saved.printed == "printed"
    assert saved.id_masked == "1301**********1209"


def test_paper_out_keeps_the_ticket_and_marks_it_failed(
    hall: RunningHall, simulator: PrinterSimulator
) -> None:
    simulator.flags.paper_out = True
    printer = TicketPrinter.from_url(f"{simulator.url}?timeout=3")
    desk = TicketDesk(hall.config, hall.client("kiosk-01"), printer)
    result = desk.take_ticket("XK-SJ-001", lang="en")
    assert result.ok and not result.printed
    assert result.error == "printer.fault.paper_out"
    assert "paper" in result.message.lower()
    saved = hall.service.state.ticket_by_number("B001")
    assert (saved.status, saved.printed) == ("waiting", "failed")
    assert simulator.receipts == []
    # Paper back in: the next applicant gets the next number, nothing was used twice.
    simulator.flags.paper_out = False
    assert desk.take_ticket("XK-SJ-001").ticket["number"] == "B002"


def test_refusal_is_shown_in_the_applicants_language(hall: RunningHall) -> None:
    desk = TicketDesk(hall.config, hall.client("kiosk-01"), printer=None)
    result = desk.take_ticket("XK-GA-001", priority="vip", lang="zh-Hans")
    assert (result.ok, result.error) == (False, "priority_not_allowed")
    assert result.message == "此优先类别请找导办员办理"


def test_retry_after_a_timeout_gets_exactly_one_ticket(
    hall: RunningHall, simulator: PrinterSimulator
) -> None:
    client = HallClient(hall.endpoint("kiosk-01"), hall.topics, request_timeout_s=0.4)
    client.connect(5)
    try:
        printer = TicketPrinter.from_url(f"{simulator.url}?timeout=3")
        desk = TicketDesk(hall.config, client, printer)
        hall.stop_service()  # the command waits in the broker; no reply comes
        first = desk.take_ticket("XK-SJ-001", lang="en")
        assert (first.ok, first.error, first.retryable) == (False, "service_unreachable", True)
        assert first.request is not None
        hall.start_service()  # it comes back and finds the waiting copies
        again = desk.take_ticket(first.request)
        assert again.ok and again.printed, again
        assert again.request.command_id == first.request.command_id
        late = desk.take_ticket(first.request)  # one more retry of the same request
        assert late.ticket["id"] == again.ticket["id"]
        assert [t.number for t in hall.service.state.tickets.values()] == ["B001"]
        assert len(simulator.wait_for_receipts(1)) == 1
        # a new applicant is a new request and a new number
        assert desk.take_ticket("XK-SJ-001").ticket["number"] == "B002"
    finally:
        client.close(1)
