"""Byte transports for the reader: a pyserial port, or any byte stream plugged in by tests.

Every read is bounded: :meth:`Transport.read` waits at most one short poll interval, and
:meth:`Transport.read_exactly` stops at an overall deadline, so a silent, unplugged or
noisy module can never hang the caller.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Iterable

import serial

try:
    from termios import error as _TermiosError
except ImportError:  # not a POSIX system
    _TermiosError = OSError

POLL_S = 0.05
# What pyserial lets through when a port breaks (termios.error is not an OSError).
PORT_ERRORS = (serial.SerialException, OSError, _TermiosError)


class TransportError(Exception):
    """The line could not be opened, read or written."""


class TransportTimeout(TransportError):
    """The deadline passed before enough bytes arrived; ``partial`` holds what did."""

    def __init__(self, message: str, partial: bytes = b"") -> None:
        super().__init__(message)
        self.partial = partial


class Transport:
    """The seam between the reader and the wire.

    Subclasses implement :meth:`write`, :meth:`read` (return up to ``size`` bytes,
    waiting at most a short poll interval, ``b""`` when nothing came),
    :meth:`reset_input` and :meth:`close`.
    """

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, size: int) -> bytes:
        raise NotImplementedError

    def reset_input(self) -> None:
        """Drop bytes received but not read yet."""

    def close(self) -> None:
        """Release the line; a later call may open it again."""

    def read_exactly(self, size: int, deadline: float) -> bytes:
        """Read ``size`` bytes before ``deadline`` (a ``time.monotonic()`` value).

        Raises :class:`TransportTimeout` carrying the partial bytes when the deadline passes.
        """
        data = bytearray()
        while len(data) < size:
            if time.monotonic() >= deadline:
                raise TransportTimeout(f"timed out after {len(data)} of {size} bytes", bytes(data))
            data += self.read(size - len(data))
        return bytes(data)


class SerialTransport(Transport):
    """A serial port through pyserial, opened on first use and reopened after an error."""

    def __init__(
        self, port: str, baudrate: int = 57600, write_timeout: float = 1.0, poll_s: float = POLL_S
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.write_timeout = write_timeout
        self.poll_s = poll_s
        self._serial: serial.Serial | None = None

    def _open(self) -> serial.Serial:
        if self._serial is None:
            try:
                self._serial = serial.Serial(
                    self.port,
                    self.baudrate,
                    timeout=self.poll_s,
                    write_timeout=self.write_timeout,
                )
            except (*PORT_ERRORS, ValueError) as exc:
                raise TransportError(f"cannot open {self.port}: {exc}") from exc
        return self._serial

    def _fail(self, action: str, exc: Exception) -> TransportError:
        self.close()
        return TransportError(f"{action} {self.port} failed: {exc}")

    def write(self, data: bytes) -> None:
        port = self._open()
        try:
            written = port.write(data)
        except PORT_ERRORS as exc:
            raise self._fail("writing to", exc) from exc
        if written != len(data):
            raise self._fail("writing to", OSError(f"wrote {written} of {len(data)} bytes"))

    def read(self, size: int) -> bytes:
        port = self._open()
        try:
            first = port.read(1)
            if not first or size <= 1:
                return first
            return first + port.read(min(port.in_waiting, size - 1))
        except PORT_ERRORS as exc:
            raise self._fail("reading from", exc) from exc

    def reset_input(self) -> None:
        if self._serial is None:
            return
        try:
            self._serial.reset_input_buffer()
        except PORT_ERRORS as exc:
            raise self._fail("flushing", exc) from exc

    def close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(*PORT_ERRORS):
                port.close()


class ReplayTransport(Transport):
    """Replays recorded replies: each write makes the next recorded reply readable.

    A reply of ``None`` stands for silence. ``chunk`` limits how many bytes one read
    returns, to imitate replies that arrive split. ``writes`` keeps what was sent.
    """

    def __init__(
        self, replies: Iterable[bytes | None], chunk: int | None = None, poll_s: float = 0.01
    ) -> None:
        self._replies = collections.deque(replies)
        self._pending = bytearray()
        self._lock = threading.Lock()
        self.chunk = chunk
        self.poll_s = poll_s
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        with self._lock:
            self.writes.append(bytes(data))
            reply = self._replies.popleft() if self._replies else None
            if reply:
                self._pending += reply

    def read(self, size: int) -> bytes:
        with self._lock:
            count = min(size, self.chunk or size, len(self._pending))
            data = bytes(self._pending[:count])
            del self._pending[:count]
        if not data:
            time.sleep(self.poll_s)
        return data

    def reset_input(self) -> None:
        with self._lock:
            self._pending.clear()
