"""SerialScanner over a pseudo-terminal, and the keyboard-wedge scanner."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator

import pytest
import serial

from devices.scanner.serial_scanner import SerialScanner, WedgeScanner, clean_line


@pytest.fixture
def pty_scanner() -> Iterator[tuple[int, SerialScanner]]:
    """(master fd to type into, scanner on the slave side)."""
    master, slave = os.openpty()
    scanner = SerialScanner(os.ttyname(slave), 9600, idle_flush_s=0.3)
    scanner.open()  # opening flushes the input: open before typing
    try:
        yield master, scanner
    finally:
        scanner.close()
        os.close(master)
        os.close(slave)


def test_lines_with_noise_bytes_are_cleaned(pty_scanner: tuple[int, SerialScanner]) -> None:
    master, scanner = pty_scanner
    os.write(master, b"\x00\xff\x02130127196211191209\x03\r\n")
    os.write(master, b"\r\n\x00\r\n gy202607168439x \n")
    os.write(master, "高邑縣政務服務中心".encode("gbk") + b"\r")
    assert scanner.read_code(timeout=2.0).payload == "130127196211191209"
    assert scanner.read_code(timeout=2.0).payload == "gy202607168439x"  # classify normalises
    assert scanner.read_code(timeout=2.0).payload == "高邑縣政務服務中心"


def test_silent_line_times_out_quickly(pty_scanner: tuple[int, SerialScanner]) -> None:
    _, scanner = pty_scanner
    started = time.monotonic()
    result = scanner.read_code(timeout=0.3)
    assert result.status == "timeout" and not result.ok
    assert time.monotonic() - started < 0.8


def test_line_split_across_writes_and_missing_terminator(
    pty_scanner: tuple[int, SerialScanner],
) -> None:
    master, scanner = pty_scanner
    os.write(master, b"11010519")
    assert scanner.read_code(timeout=0.1).status == "timeout"  # half a line is kept ...
    os.write(master, b"491231002X\r\n")
    assert scanner.read_code(timeout=1.0).payload == "11010519491231002X"  # ... and completed
    os.write(master, b"GY2026030845767")  # a scanner set up without a suffix
    assert scanner.read_code(timeout=2.0).payload == "GY2026030845767"


class BrokenPort:
    """A port that fails on read, like a USB serial adapter pulled out."""

    in_waiting = 0

    def read(self, size: int = 1) -> bytes:
        raise serial.SerialException("device reports readiness to read but returned no data")

    def close(self) -> None:
        pass


def test_failure_reports_error_then_reconnects() -> None:
    opened: list[str] = []

    def opener(url: str, **kwargs: object) -> serial.SerialBase:
        opened.append(url)
        if len(opened) == 1:
            raise serial.SerialException("could not open port /dev/ttyUSB9")
        if len(opened) == 2:
            return BrokenPort()  # type: ignore[return-value]
        port = serial.serial_for_url("loop://", timeout=0.05)
        port.write(b"GY2026030845767\r\n")
        return port

    scanner = SerialScanner("/dev/ttyUSB9", opener=opener, reconnect_s=0.05)
    first = scanner.read_code(timeout=0.2)
    assert first.status == "error" and "could not open" in first.detail
    time.sleep(0.06)
    second = scanner.read_code(timeout=0.5)
    assert second.status == "error" and "returned no data" in second.detail
    time.sleep(0.06)
    assert scanner.read_code(timeout=1.0).payload == "GY2026030845767"
    assert len(opened) == 3
    scanner.close()


def test_clean_line() -> None:
    assert clean_line(b"\x02ABC\x03") == "ABC"
    assert clean_line(b"\xff\xfe\x00") == ""
    assert clean_line("歡迎".encode()) == "歡迎"


def test_wedge_scanner_reads_lines_then_reports_the_end() -> None:
    wedge = WedgeScanner(io.StringIO("\n  11010519491231002x \r\n\x1b\nGY2026030845767\n"))
    assert wedge.read_code(timeout=1.0).payload == "11010519491231002x"
    assert wedge.read_code(timeout=1.0).payload == "GY2026030845767"
    assert wedge.read_code(timeout=1.0).status == "error"


def test_wedge_scanner_times_out_on_a_quiet_stream() -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd) as stream, os.fdopen(write_fd, "w") as keyboard:
        wedge = WedgeScanner(stream)
        started = time.monotonic()
        assert wedge.read_code(timeout=0.2).status == "timeout"
        assert time.monotonic() - started < 0.6
        keyboard.write("130127196211191209\n")
        keyboard.flush()
        assert wedge.read_code(timeout=1.0).payload == "130127196211191209"
