"""USB: no real device here. URL parsing, a missing device, and the timeout/fault mapping
of :class:`TimedUsb` against a fake pyusb device."""

from __future__ import annotations

import errno

import pytest

from devices.printer.connections import ConnectionLost, TimedUsb, open_connection
from devices.printer.errors import PrinterOffline, PrinterTimeout
from devices.printer.profiles import get_profile
from devices.printer.samples import sample_ticket
from devices.printer.service import TicketPrinter
from devices.printer.url import UsbConfig, parse_printer_url

from .test_printer_golden import golden

pytestmark = pytest.mark.timeout(10)


def test_missing_usb_printer_is_offline() -> None:
    # Whatever is missing here (pyusb, libusb, the device), the kiosk gets PrinterOffline.
    with (
        TicketPrinter.from_url("usb:0416:5011?timeout=1") as printer,
        pytest.raises(PrinterOffline) as raised,
    ):
        printer.print_slip(sample_ticket())
    assert "0416" in str(raised.value) or "pyusb" in str(raised.value)


def test_usb_connection_gets_a_non_zero_timeout() -> None:
    config = parse_printer_url("usb:0416:5011?timeout=2.5")
    assert isinstance(config, UsbConfig)
    with pytest.raises(PrinterOffline):
        open_connection(config)
    usb = TimedUsb(idVendor=0x0416, idProduct=0x5011, timeout=2500)
    assert usb.timeout == 2500


class FakeContext:
    def dispose(self, device: object) -> None:
        """What ``usb.util.dispose_resources`` calls."""


class FakeUsbDevice:
    """Stands in for a ``usb.core.Device``: write/read with a timeout, or fail."""

    def __init__(self, failure: Exception | None = None, answer: bytes = b"\x12") -> None:
        self._ctx = FakeContext()
        self.failure = failure
        self.answer = answer
        self.written: list[tuple[int, bytes, int]] = []

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        if self.failure:
            raise self.failure
        self.written.append((endpoint, bytes(data), timeout))
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int) -> bytes:
        if self.failure:
            raise self.failure
        return self.answer


def fake_usb(device: FakeUsbDevice) -> TimedUsb:
    printer = TimedUsb(idVendor=0x0416, idProduct=0x5011, timeout=700)
    printer._device = device
    return printer


def test_writes_carry_the_timeout_and_faults_are_typed() -> None:
    usb_core = pytest.importorskip("usb.core")
    device = FakeUsbDevice()
    fake_usb(device)._raw(b"\x1b@")
    assert device.written == [(0x01, b"\x1b@", 700)]
    with pytest.raises(PrinterTimeout):
        fake_usb(FakeUsbDevice(usb_core.USBTimeoutError("timeout", errno.ETIMEDOUT)))._raw(b"x")
    gone = fake_usb(FakeUsbDevice(usb_core.USBError("No such device", errno.ENODEV)))
    with pytest.raises(ConnectionLost):
        gone._raw(b"x")
    assert gone._device is False  # the dead handle is dropped; the next use reopens


def test_power_cycled_usb_printer_is_reopened() -> None:
    usb_core = pytest.importorskip("usb.core")
    dead = FakeUsbDevice(usb_core.USBError("No such device", errno.ENODEV))
    alive = FakeUsbDevice()
    handles = [fake_usb(dead), fake_usb(alive)]
    config = parse_printer_url("usb:0416:5011")
    printer = TicketPrinter(config, get_profile(), connect=lambda _config: handles.pop(0))
    result = printer.print_slip(sample_ticket())
    assert result.receipts == 1 and handles == []
    queries = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"  # DLE EOT 1, 2, 4
    sent = b"".join(data for _, data, _ in alive.written)
    assert sent == queries + golden("ticket-zh-Hant-generic-80") + queries
