"""python-escpos connections with timeouts on every write and read, and typed faults.

python-escpos 3.1's ``Usb`` defaults to no timeout (a write can block for ever when the
paper runs out), its ``Network`` and ``Serial`` read 16 bytes with the library's own
timeouts, and its errors are generic. These subclasses keep the library's printing
methods and change only how bytes move:

- every write and read has ``config.timeout`` (:class:`PrinterTimeout` when it runs out);
- a broken link (power-cycled printer, pulled cable) raises :class:`ConnectionLost`,
  after which :class:`devices.printer.service.TicketPrinter` reopens the connection;
- failing to open raises :class:`PrinterOffline`.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

import serial
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File, Network, Serial, Usb

from devices.printer.errors import PrinterOffline, PrinterTimeout
from devices.printer.url import (
    ConnectionConfig,
    FileConfig,
    NetworkConfig,
    SerialConfig,
    SimConfig,
    UsbConfig,
)

CHUNK_BYTES = 4096


class ConnectionLost(PrinterOffline):
    """The link broke while in use; reopening may help (power-cycled printer)."""


class TimedNetwork(Network):
    """TCP (port 9100) with a timeout on connect, send and receive."""

    supports_status = True

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except TimeoutError as exc:
            self.device = None
            raise PrinterTimeout(f"connect to {self.host}:{self.port} timed out") from exc
        except OSError as exc:
            self.device = None
            raise PrinterOffline(f"cannot connect to {self.host}:{self.port}: {exc}") from exc

    def _raw(self, msg: bytes) -> None:
        try:
            self._socket().sendall(msg)
        except TimeoutError as exc:
            raise PrinterTimeout(f"write to {self.host}:{self.port} timed out") from exc
        except OSError as exc:
            self._forget()
            raise ConnectionLost(f"connection to {self.host}:{self.port} lost: {exc}") from exc

    def _read(self) -> bytes:
        try:
            data = self._socket().recv(16)
        except TimeoutError:
            return b""
        except OSError as exc:
            self._forget()
            raise ConnectionLost(f"connection to {self.host}:{self.port} lost: {exc}") from exc
        if not data:
            self._forget()
            raise ConnectionLost(f"{self.host}:{self.port} closed the connection")
        return data

    def discard_input(self) -> None:
        """Drop bytes that arrived unasked (late answers, automatic status back)."""
        sock = self._socket()
        sock.setblocking(False)
        try:
            while sock.recv(256):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as exc:
            self._forget()
            raise ConnectionLost(f"connection to {self.host}:{self.port} lost: {exc}") from exc
        finally:
            if self._device:
                sock.settimeout(self.timeout)

    def _socket(self) -> socket.socket:
        if not self._device:
            self.open()
        assert isinstance(self._device, socket.socket)
        return self._device

    def _forget(self) -> None:
        if self._device:
            with contextlib.suppress(OSError):
                self._device.close()
        self._device = False


class TimedSerial(Serial):
    """Serial line with read and write timeouts; hardware flow control only if asked."""

    supports_status = True

    def __init__(self, *args: Any, rtscts: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, dsrdtr=False, **kwargs)
        self.rtscts = rtscts

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = serial.Serial(
                port=self.devfile,
                baudrate=self.baudrate,
                bytesize=self.bytesize,
                parity=self.parity,
                stopbits=self.stopbits,
                timeout=self.timeout,
                write_timeout=self.timeout,
                xonxoff=self.xonxoff,
                rtscts=self.rtscts,
                dsrdtr=False,
                exclusive=True,
            )
        except (ValueError, OSError) as exc:
            self.device = None
            raise PrinterOffline(f"cannot open serial port {self.devfile}: {exc}") from exc

    def _port(self) -> serial.Serial:
        if not self._device:
            self.open()
        assert isinstance(self._device, serial.Serial)
        return self._device

    def _raw(self, msg: bytes) -> None:
        port = self._port()
        try:
            port.write(msg)
            port.flush()
        except serial.SerialTimeoutException as exc:
            raise PrinterTimeout(f"write to {self.devfile} timed out") from exc
        except (serial.SerialException, OSError) as exc:
            self._forget()
            raise ConnectionLost(f"serial port {self.devfile} lost: {exc}") from exc

    def _read(self) -> bytes:
        try:
            return self._port().read(1)
        except (serial.SerialException, OSError) as exc:
            self._forget()
            raise ConnectionLost(f"serial port {self.devfile} lost: {exc}") from exc

    def discard_input(self) -> None:
        try:
            self._port().reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            self._forget()
            raise ConnectionLost(f"serial port {self.devfile} lost: {exc}") from exc

    def _forget(self) -> None:
        if self._device:
            with contextlib.suppress(serial.SerialException, OSError):
                self._device.close()
        self._device = False


class TimedUsb(Usb):
    """USB bulk endpoints with a non-zero timeout (python-escpos's default 0 = for ever)."""

    supports_status = True

    def open(self, raise_not_found: bool = True) -> None:
        if not Usb.is_usable():
            self.device = None
            raise PrinterOffline("USB printing needs the pyusb package (and libusb)")
        import usb.core

        try:
            super().open(raise_not_found=True)
        except (DeviceNotFoundError, usb.core.NoBackendError, usb.core.USBError) as exc:
            self.device = None
            raise PrinterOffline(f"USB printer {self._ids()} not found: {exc}") from exc

    def _ids(self) -> str:
        vendor, product = self.usb_args.get("idVendor", 0), self.usb_args.get("idProduct", 0)
        return f"{vendor:04x}:{product:04x}"

    def _handle(self) -> Any:
        if not self._device:
            self.open()
        return self._device

    def _raw(self, msg: bytes) -> None:
        import usb.core

        try:
            self._handle().write(self.out_ep, msg, self.timeout)
        except usb.core.USBTimeoutError as exc:
            raise PrinterTimeout(f"USB write to {self._ids()} timed out") from exc
        except usb.core.USBError as exc:
            self._forget()
            raise ConnectionLost(f"USB printer {self._ids()} lost: {exc}") from exc

    def _read(self) -> bytes:
        import usb.core

        try:
            return bytes(self._handle().read(self.in_ep, 16, self.timeout))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            self._forget()
            raise ConnectionLost(f"USB printer {self._ids()} lost: {exc}") from exc

    def discard_input(self) -> None:
        """USB printers answer only what is asked; nothing to drop."""

    def _forget(self) -> None:
        if self._device:
            import usb.core
            import usb.util

            with contextlib.suppress(usb.core.USBError):
                usb.util.dispose_resources(self._device)
        self._device = False


class CaptureFile(File):
    """Bytes to a file (a capture, or a device node such as /dev/usb/lp0): no status."""

    supports_status = False

    def open(self, raise_not_found: bool = True) -> None:
        try:
            super().open(raise_not_found=True)
        except DeviceNotFoundError as exc:
            raise PrinterOffline(str(exc)) from exc

    def discard_input(self) -> None:
        """A file gives no answers."""


def open_connection(config: ConnectionConfig) -> Escpos:
    """An opened python-escpos printer for ``config``; raises PrinterOffline / PrinterTimeout."""
    printer: Escpos
    if isinstance(config, NetworkConfig):
        printer = TimedNetwork(host=config.host, port=config.port, timeout=config.timeout)
    elif isinstance(config, SerialConfig):
        printer = TimedSerial(
            devfile=config.port,
            baudrate=config.baud,
            timeout=config.timeout,
            rtscts=config.rtscts,
        )
    elif isinstance(config, UsbConfig):
        printer = TimedUsb(
            idVendor=config.vendor_id,
            idProduct=config.product_id,
            timeout=max(1, round(config.timeout * 1000)),
            in_ep=config.in_ep,
            out_ep=config.out_ep,
        )
    elif isinstance(config, FileConfig):
        printer = CaptureFile(devfile=str(config.path))
    elif isinstance(config, SimConfig):
        raise TypeError("a sim: URL is served by TicketPrinter.from_url, which starts it")
    else:  # pragma: no cover - ConnectionConfig is closed
        raise TypeError(f"unknown connection config {config!r}")
    printer.open()
    return printer


def send_job(printer: Escpos, job: bytes) -> None:
    """Write ``job`` in chunks, each under the connection's write timeout."""
    for start in range(0, len(job), CHUNK_BYTES):
        printer._raw(job[start : start + CHUNK_BYTES])
