"""Fixtures for the kiosk tests: GUI (Xvfb, launch_app) and the printer simulator."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.printer import get_profile
from devices.printer.simulator import PrinterSimulator
from ui.testing import gui_display, launch_app  # noqa: F401  (fixtures)


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[PrinterSimulator]:
    """A network ESC/POS printer simulator on a free port, printing into ``tmp_path``."""
    sim = PrinterSimulator(get_profile(None), out_dir=tmp_path / "tickets", port=0).start()
    yield sim
    sim.stop()
