"""Real-time status (DLE EOT n): ask, parse the bits, turn a bad state into a typed fault.

Every status byte has bit 1 and bit 4 set and bits 0 and 7 clear (``0x12`` under mask
``0x93``); a reply that does not is not a status, and no reply at all is a timeout. Unlike
python-escpos's ``paper_status()``, an unknown answer is never read as "paper present".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from devices.printer.commands import status_query
from devices.printer.errors import (
    CoverOpen,
    PaperNearEnd,
    PaperOut,
    PrinterFault,
    PrinterOffline,
    PrinterTimeout,
    StatusUnreadable,
)

FIXED_MASK = 0x93
FIXED_BITS = 0x12

# n = 1, printer status
OFFLINE = 0x08
# n = 2, offline cause
COVER_OPEN = 0x04
FEED_BUTTON = 0x08
STOPPED_PAPER_END = 0x20
ERROR = 0x40
# n = 4, roll paper sensor
NEAR_END = 0x0C
PAPER_END = 0x60

Ask = Callable[[bytes], bytes]
"""Sends one DLE EOT query and returns the reply (empty when none came in time)."""


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    cover_open: bool
    paper_out: bool
    paper_near_end: bool
    error: bool

    @property
    def ready(self) -> bool:
        return self.online and not (self.cover_open or self.paper_out or self.error)


def status_byte(reply: bytes, n: int) -> int:
    """The status byte of a DLE EOT ``n`` reply; raises on none or a malformed one."""
    if not reply:
        raise PrinterTimeout(f"no answer to DLE EOT {n}")
    value = reply[-1]  # a late earlier answer may precede the one we asked for
    if value & FIXED_MASK != FIXED_BITS:
        raise StatusUnreadable(f"DLE EOT {n} answered 0x{value:02x}, not a status byte")
    return value


def read_status(ask: Ask) -> PrinterStatus:
    """Query printer (n=1), offline cause (n=2) and paper sensor (n=4)."""
    printer = status_byte(ask(status_query(1)), 1)
    cause = status_byte(ask(status_query(2)), 2)
    paper = status_byte(ask(status_query(4)), 4)
    return PrinterStatus(
        online=not printer & OFFLINE,
        cover_open=bool(cause & COVER_OPEN),
        paper_out=bool(paper & PAPER_END) or bool(cause & STOPPED_PAPER_END),
        paper_near_end=bool(paper & NEAR_END),
        error=bool(cause & ERROR),
    )


def faults_of(status: PrinterStatus) -> list[PrinterFault]:
    """The faults a status shows, blocking ones first (cover, paper, offline, near end)."""
    faults: list[PrinterFault] = []
    if status.cover_open:
        faults.append(CoverOpen("cover open"))
    if status.paper_out:
        faults.append(PaperOut("paper end sensor"))
    if status.error or (not status.online and not faults):
        cause = "printer reports an error" if status.error else "printer reports offline"
        faults.append(PrinterOffline(cause))
    if status.paper_near_end and not status.paper_out:
        faults.append(PaperNearEnd("paper near end sensor"))
    return faults


def check_ready(status: PrinterStatus, *, refuse_on_near_end: bool = False) -> list[PrinterFault]:
    """Raise the first blocking fault; return the warnings (paper near end) otherwise."""
    warnings: list[PrinterFault] = []
    for fault in faults_of(status):
        if fault.blocking or refuse_on_near_end:
            raise fault
        warnings.append(fault)
    return warnings
