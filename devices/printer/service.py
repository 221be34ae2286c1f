"""TicketPrinter: what a kiosk or a window uses to print a slip to a printer URL.

One print = status check (online, cover, paper; reconnect once if the link died, e.g. the
printer was power-cycled) -> the whole job rendered in memory -> sent in chunks under the
write timeout -> status checked again. Failures are :class:`PrinterFault` subclasses; a job
that failed half-way is never resent automatically (the caller marks the ticket unprinted
and offers a reprint).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from escpos.escpos import Escpos
from escpos.printer import Dummy

from devices.printer.connections import ConnectionLost, open_connection, send_job
from devices.printer.errors import PrinterFault, PrinterOffline, PrinterTimeout
from devices.printer.ops import Cut, Op
from devices.printer.profiles import PrinterProfile, get_profile
from devices.printer.render import render_ops
from devices.printer.slips import CaseNoticeSlip, TicketSlip, slip_ops
from devices.printer.status import PrinterStatus, check_ready, read_status
from devices.printer.url import ConnectionConfig, NetworkConfig, SimConfig, parse_printer_url

if TYPE_CHECKING:
    from devices.printer.simulator import PrinterSimulator


def job_bytes(ops: list[Op], profile: PrinterProfile) -> bytes:
    """The exact bytes of a job (rendered against python-escpos's Dummy printer)."""
    dummy = Dummy()
    render_ops(ops, dummy, profile)
    return dummy.output


@dataclass(frozen=True)
class PrintResult:
    receipts: int
    """Receipts cut (a three-copy notice gives 3)."""
    bytes_sent: int
    warnings: tuple[PrinterFault, ...] = ()
    """Non-blocking faults, e.g. PaperNearEnd: the slip printed, staff should act."""
    status: PrinterStatus | None = None
    """Status read after printing; None for a file target."""


@dataclass
class TicketPrinter:
    config: ConnectionConfig
    profile: PrinterProfile
    connect: Callable[[ConnectionConfig], Escpos] = open_connection
    _printer: Escpos | None = field(default=None, init=False, repr=False)
    _simulator: PrinterSimulator | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def from_url(cls, url: str, profile: str | None = None) -> TicketPrinter:
        """A printer for ``url``; ``sim`` starts an in-process simulator on a free port."""
        config = parse_printer_url(url)
        chosen = get_profile(profile)
        if not isinstance(config, SimConfig):
            return cls(config, chosen)
        from devices.printer.simulator import PrinterSimulator  # the simulator is dev-only

        simulator = PrinterSimulator(chosen, out_dir=config.out_dir, port=0).start()
        printer = cls(NetworkConfig("127.0.0.1", simulator.port, config.timeout), chosen)
        printer._simulator = simulator
        return printer

    @property
    def simulator(self) -> PrinterSimulator | None:
        """The in-process simulator behind a ``sim`` URL, else None."""
        return self._simulator

    def status(self) -> PrinterStatus | None:
        """The printer's status (None when the target cannot answer, e.g. a file)."""
        with self._lock:
            return self._with_reconnect(self._read_status)

    def print_slip(
        self, slip: TicketSlip | CaseNoticeSlip, *, refuse_on_near_end: bool = False
    ) -> PrintResult:
        """Print a ticket or a case notice; raises a blocking PrinterFault on failure."""
        return self.print_ops(slip_ops(slip), refuse_on_near_end=refuse_on_near_end)

    def print_ops(self, ops: list[Op], *, refuse_on_near_end: bool = False) -> PrintResult:
        """Print prepared operations as one job (see the module docstring for the steps)."""
        job = job_bytes(ops, self.profile)
        with self._lock:
            before = self._with_reconnect(self._read_status)
            warnings = check_ready(before, refuse_on_near_end=refuse_on_near_end) if before else []
            try:
                send_job(self._open(), job)
            except (ConnectionLost, PrinterTimeout):
                self.close_connection()
                raise
            after = self._read_status() if before else None
        if after:
            seen = {type(w) for w in warnings}
            warnings += [w for w in check_ready(after) if type(w) not in seen]
        receipts = sum(1 for op in ops if isinstance(op, Cut))
        return PrintResult(receipts, len(job), tuple(warnings), after)

    def close(self) -> None:
        """Close the connection, and stop the simulator of a ``sim`` URL."""
        self.close_connection()
        if self._simulator is not None:
            self._simulator.stop()
            self._simulator = None

    def close_connection(self) -> None:
        if self._printer is not None:
            with contextlib.suppress(OSError):
                self._printer.close()
            self._printer = None

    def __enter__(self) -> TicketPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> Escpos:
        if self._printer is None:
            self._printer = self.connect(self.config)
        return self._printer

    def _read_status(self) -> PrinterStatus | None:
        printer = self._open()
        if not getattr(printer, "supports_status", False):
            return None
        printer.discard_input()  # type: ignore[attr-defined]

        def ask(query: bytes) -> bytes:
            printer._raw(query)
            return printer._read()

        return read_status(ask)

    def _with_reconnect(self, action: Callable[[], PrinterStatus | None]) -> PrinterStatus | None:
        try:
            return action()
        except (ConnectionLost, PrinterTimeout):
            # A power-cycled printer kills the old link (USB handle, TCP socket) or does not
            # answer on it: reopen once, before any byte of the job has been sent.
            self.close_connection()
        try:
            return action()
        except (PrinterOffline, PrinterTimeout):
            self.close_connection()
            raise
