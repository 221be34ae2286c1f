"""Printer test fixtures: a simulator on a free port, and the fixed sample slips."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.printer.profiles import PrinterProfile, get_profile
from devices.printer.simulator import PrinterSimulator

GOLDEN = Path(__file__).with_name("golden")


@pytest.fixture
def profile() -> PrinterProfile:
    return get_profile("generic-80")


@pytest.fixture
def simulator(tmp_path: Path, profile: PrinterProfile) -> Iterator[PrinterSimulator]:
    """A virtual network printer on 127.0.0.1 at a port the OS picked (bind to port 0)."""
    sim = PrinterSimulator(profile, tmp_path / "receipts", port=0).start()
    try:
        yield sim
    finally:
        sim.stop()
