"""The serial scanner simulator: codes sent over a real pty, read by ``SerialScanner`` through
the link the simulator points at it; a restarted simulator is found again by the reader."""

from __future__ import annotations

import os
import time
from pathlib import Path

from devices.scanner.serial_scanner import SerialScanner
from devices.scanner.serial_sim import SerialScannerSim


def test_a_scanned_code_arrives_through_the_link(tmp_path: Path) -> None:
    link = tmp_path / "run" / "scanner-kiosk-02"
    with SerialScannerSim(link) as sim:
        assert os.readlink(link) == sim.port and sim.port.startswith("/dev/pts/")
        with SerialScanner(str(link), 9600) as reader:
            reader.open()  # opening flushes the input: open before scanning
            assert sim.scan("11010519491231002X") and sim.scan("GY2026030845767")
            assert reader.read_code(timeout=2.0).payload == "11010519491231002X"
            assert reader.read_code(timeout=2.0).payload == "GY2026030845767"
        assert sim.sent == 2
    assert not link.exists() and not link.is_symlink()  # unplugged: the link is gone


def test_a_line_nobody_reads_fills_up_without_blocking() -> None:
    with SerialScannerSim() as sim:
        sent = 0
        while sim.scan("11010519491231002X"):
            sent += 1
            assert sent < 100_000
    assert sent == sim.sent > 0
    assert not sim.scan("11010519491231002X")  # stopped


def test_the_reader_finds_a_restarted_simulator_again(tmp_path: Path) -> None:
    """The applicants' process restarts: its new pty replaces the link; the kiosk's reader
    sees the old line fail, reopens the link and reads from the new one."""
    link = tmp_path / "scanner"
    first = SerialScannerSim(link).start()
    reader = SerialScanner(str(link), 9600, reconnect_s=0.05)
    try:
        reader.open()
        first.scan("GY2026030845767")
        assert reader.read_code(timeout=2.0).payload == "GY2026030845767"
        second = SerialScannerSim(link).start()
        first.stop()  # the old link is not removed: it points at the new pty now
        assert os.readlink(link) == second.port
        deadline = time.monotonic() + 10  # a hang guard
        while reader.read_code(timeout=0.2).status != "error":
            assert time.monotonic() < deadline, "the closed pty was not noticed"
        while True:
            second.scan("11010519491231002X")
            read = reader.read_code(timeout=0.5)
            if read.ok:
                break
            assert time.monotonic() < deadline, read
        assert read.payload == "11010519491231002X"
        second.stop()
    finally:
        reader.close()
