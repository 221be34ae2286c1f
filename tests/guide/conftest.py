"""GUI fixtures for the guide console and the rating pad: Xvfb, apps, a hall whose clock runs
from a working morning, and where screenshots go."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hall.conf import HallConfig
from tests.support import FakeClock, RunningHall, start_hall
from ui.testing import gui_display, launch_app, shots  # noqa: F401  (fixtures)

LANGS = ("zh-Hant", "zh-Hans", "en")


def running_clock(*local: int) -> Callable[[], float]:
    """A clock that starts at a local time (a working day's morning) and runs."""
    base, started = FakeClock.local(*local)(), time.time()
    return lambda: base + (time.time() - started)


@pytest.fixture
def live_hall(mini_config: HallConfig, tmp_path: Path) -> Iterator[RunningHall]:
    """The mini hall on Wednesday 2026-11-25 from 09:40, its clock running."""
    running = start_hall(mini_config, tmp_path, clock=running_clock(2026, 11, 25, 9, 40))
    try:
        yield running
    finally:
        running.stop()
