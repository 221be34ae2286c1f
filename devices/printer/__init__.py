"""ESC/POS ticket printer: queue tickets and case notices on thermal printers.

The kiosk's entry point is :class:`TicketPrinter`::

    printer = TicketPrinter.from_url("tcp:10.0.0.5:9100", profile="generic-80")
    result = printer.print_slip(ticket)   # raises a PrinterFault subclass on failure

Everything else (URL parsing, profiles, status queries, the layouts, the simulator)
lives in one small module per concern.
"""

from __future__ import annotations

from devices.printer.errors import (
    CoverOpen,
    PaperNearEnd,
    PaperOut,
    PrinterFault,
    PrinterOffline,
    PrinterTimeout,
    StatusUnreadable,
)
from devices.printer.profiles import PrinterProfile, get_profile
from devices.printer.service import PrintResult, TicketPrinter
from devices.printer.slips import CaseKind, CaseNoticeSlip, TicketSlip
from devices.printer.url import parse_printer_url

__all__ = [
    "CaseKind",
    "CaseNoticeSlip",
    "CoverOpen",
    "PaperNearEnd",
    "PaperOut",
    "PrintResult",
    "PrinterFault",
    "PrinterOffline",
    "PrinterProfile",
    "PrinterTimeout",
    "StatusUnreadable",
    "TicketPrinter",
    "TicketSlip",
    "get_profile",
    "parse_printer_url",
]
