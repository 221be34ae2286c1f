"""ESC/POS ticket printer: queue tickets and case notices on thermal printers.

The kiosk's entry point is :class:`TicketPrinter`::

    printer = TicketPrinter.from_url("tcp:10.0.0.5:9100", profile="generic-80")
    result = printer.print_slip(ticket)   # raises a PrinterFault subclass on failure

Everything else (URL parsing, profiles, status queries, the layouts, the simulator)
lives in one small module per concern. Names are imported on first use, so that
``hall --help`` (which imports ``devices.printer.cli``) does not load python-escpos.
"""

from __future__ import annotations

import importlib
from typing import Any

from devices.printer import capabilities_cache

# Before any submodule imports python-escpos: one shared capabilities cache, not a new
# temporary directory and a YAML parse on every start (see capabilities_cache).
capabilities_cache.prepare()

_EXPORTS = {
    "CaseKind": "devices.printer.slips",
    "CaseNoticeSlip": "devices.printer.slips",
    "TicketSlip": "devices.printer.slips",
    "CoverOpen": "devices.printer.errors",
    "PaperNearEnd": "devices.printer.errors",
    "PaperOut": "devices.printer.errors",
    "PrinterFault": "devices.printer.errors",
    "PrinterOffline": "devices.printer.errors",
    "PrinterTimeout": "devices.printer.errors",
    "StatusUnreadable": "devices.printer.errors",
    "PrinterProfile": "devices.printer.profiles",
    "get_profile": "devices.printer.profiles",
    "PrintResult": "devices.printer.service",
    "TicketPrinter": "devices.printer.service",
    "parse_printer_url": "devices.printer.url",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'devices.printer' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
