"""Typed printer faults a caller can show: each carries a translation key.

``str(fault)`` is a technician's message (English, with details); ``fault.message(lang)``
is the text for a screen, from ``hall/locales/<lang>/printer.toml``.
"""

from __future__ import annotations

from hall.i18n import t


class PrinterFault(Exception):
    """Base of every printer problem that stops (or threatens) a print."""

    key = "printer.fault.generic"
    blocking = True
    """False for a warning: the job can still be printed (paper near end)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.key)
        self.detail = detail

    def message(self, lang: str = "zh-Hant") -> str:
        """The user-facing text in ``lang``."""
        return t(self.key, lang)


class PrinterOffline(PrinterFault):
    """Not reachable, not found, or reports itself offline."""

    key = "printer.fault.offline"


class StatusUnreadable(PrinterOffline):
    """The printer answered a status query with bytes that are not a status."""

    key = "printer.fault.status_unreadable"


class PaperOut(PrinterFault):
    """The paper roll is empty."""

    key = "printer.fault.paper_out"


class PaperNearEnd(PrinterFault):
    """The roll reached the near-end sensor: printing works, staff should change it."""

    key = "printer.fault.paper_near_end"
    blocking = False


class CoverOpen(PrinterFault):
    """The cover is open."""

    key = "printer.fault.cover_open"


class PrinterTimeout(PrinterFault):
    """A write or a status query did not complete in time."""

    key = "printer.fault.timeout"
