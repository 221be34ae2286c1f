"""Line scanners: serial (pyserial) and keyboard-wedge (text lines on a stream).

A hand scanner sends each code as one line (CR, LF or CRLF). Lines are cleaned of
line noise (NUL, STX/ETX framing, 0xFF from a cable plugged in) and decoded as UTF-8,
else GBK/Big5 (Chinese QR payloads from scanners set to a legacy code page). Every
read has a deadline; a serial port that fails is closed and reopened on a later read.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Literal

import serial

from .text import decode_bytes

Status = Literal["ok", "timeout", "error"]
_NOISE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\xff]")
_NEWLINE = re.compile(rb"[\r\n]")
_NOISE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


@dataclass(frozen=True)
class LineRead:
    status: Status
    payload: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def clean_line(raw: bytes) -> str:
    """A payload from one raw line: noise bytes dropped, decoded, trimmed."""
    return decode_bytes(_NOISE.sub(b"", raw), lossy=True).strip()


class SerialScanner:
    """A line-based scanner on a serial port (or any pyserial URL, e.g. ``loop://``)."""

    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        *,
        poll_s: float = 0.05,
        idle_flush_s: float = 0.5,
        reconnect_s: float = 1.0,
        opener: Callable[..., serial.SerialBase] = serial.serial_for_url,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.poll_s = poll_s
        self.idle_flush_s = idle_flush_s
        self.reconnect_s = reconnect_s
        self._opener = opener
        self._serial: serial.SerialBase | None = None
        self._buffer = bytearray()
        self._last_byte = 0.0
        self._next_attempt = 0.0
        self.last_error = ""

    def open(self) -> None:
        """Open the port now (reads also open it on demand)."""
        self._serial = self._opener(self.port, baudrate=self.baudrate, timeout=self.poll_s)
        self._buffer.clear()

    def close(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(Exception):
                self._serial.close()
        self._serial = None

    def __enter__(self) -> SerialScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take_line(self, now: float) -> str | None:
        """The next complete non-empty line of the buffer (or a stale partial one)."""
        while True:
            match = _NEWLINE.search(self._buffer)
            if match is None:
                break
            raw = bytes(self._buffer[: match.start()])
            del self._buffer[: match.end()]
            text = clean_line(raw)
            if text:
                return text
        if self._buffer and now - self._last_byte >= self.idle_flush_s:
            text = clean_line(bytes(self._buffer))  # scanner configured without a suffix
            self._buffer.clear()
            return text or None
        return None

    def read_code(self, timeout: float = 1.0) -> LineRead:
        """The next scanned line; ``timeout`` after ``timeout`` s; ``error`` when the port
        cannot be opened or fails (it is reopened on a later call)."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            line = self._take_line(now)
            if line is not None:
                return LineRead("ok", line)
            if now >= deadline:
                return LineRead("timeout", detail=f"no code within {timeout:g} s")
            if self._serial is None:
                if now < self._next_attempt:  # wait for the next reconnect attempt
                    time.sleep(max(0.0, min(self._next_attempt, deadline) - now))
                    if time.monotonic() >= deadline:
                        return self._error()
                    continue
                try:
                    self.open()
                except (serial.SerialException, OSError, ValueError) as exc:
                    return self._failed(exc)
            assert self._serial is not None
            try:
                chunk = self._serial.read(max(1, self._serial.in_waiting or 1))
            except (serial.SerialException, OSError, TypeError) as exc:
                return self._failed(exc)
            if chunk:
                self._buffer += chunk
                self._last_byte = time.monotonic()

    def _failed(self, exc: Exception) -> LineRead:
        self.last_error = str(exc) or type(exc).__name__
        self.close()
        self._next_attempt = time.monotonic() + self.reconnect_s
        return self._error()

    def _error(self) -> LineRead:
        return LineRead("error", detail=f"{self.port}: {self.last_error}")


class WedgeScanner:
    """A keyboard-wedge scanner: each code arrives as one text line on a stream (stdin)."""

    def __init__(self, stream: IO[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()
        self.closed = False

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def read_code(self, timeout: float = 1.0) -> LineRead:
        """The next non-empty line, trimmed; ``timeout``, or ``error`` once the stream ended."""
        deadline = time.monotonic() + timeout
        while not self.closed:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return LineRead("timeout", detail=f"no code within {timeout:g} s")
            if line is None:
                self.closed = True
                break
            text = _NOISE_TEXT.sub("", line).strip()
            if text:
                return LineRead("ok", text)
        return LineRead("error", detail="input closed")
