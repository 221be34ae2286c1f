"""Shared fixtures: configs, a controllable clock, a real Mosquitto and a running hall, and the
network printer simulator."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

from devices.printer import get_profile
from devices.printer.simulator import PrinterSimulator
from hall.conf import HallConfig, load_config
from tests.support import FakeClock, RunningHall, start_hall

REPO = Path(__file__).resolve().parents[1]
MINI_HALL = REPO / "tests" / "data" / "mini-hall"
SAMPLE_HALL = REPO / "config"

SERVICE_ON_CLOCK = "service_on_clock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{SERVICE_ON_CLOCK}: the `hall` fixture runs the queue service on the test's `clock` "
        "fixture (a FakeClock the test moves) instead of the real time",
    )


@pytest.fixture(scope="session")
def mini_config() -> HallConfig:
    return load_config(MINI_HALL)


@pytest.fixture(scope="session")
def sample_config() -> HallConfig:
    return load_config(SAMPLE_HALL)


@pytest.fixture
def clock() -> FakeClock:
    """Wednesday 2026-11-25 10:00 in the hall's time zone, moved by the test."""
    return FakeClock.local(2026, 11, 25, 10, 0)


def _running_hall(config: HallConfig, directory: Path, **kw: Any) -> Iterator[RunningHall]:
    running = start_hall(config, directory, **kw)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def hall(
    mini_config: HallConfig, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[RunningHall]:
    """A real Mosquitto on a free loopback port and the queue service, on the mini hall; the
    service on the real time, or on ``clock`` in a test marked ``service_on_clock``."""
    kw: dict[str, Any] = {}
    if request.node.get_closest_marker(SERVICE_ON_CLOCK) is not None:
        kw["clock"] = request.getfixturevalue("clock")
    yield from _running_hall(mini_config, tmp_path, **kw)


@pytest.fixture
def bare_hall(mini_config: HallConfig, tmp_path: Path) -> Iterator[RunningHall]:
    """A real Mosquitto on the mini hall and no queue service (a test runs its own, as a
    process, or none)."""
    yield from _running_hall(mini_config, tmp_path, service=False)


@pytest.fixture
def sample_hall(sample_config: HallConfig, tmp_path: Path) -> Iterator[RunningHall]:
    """The same on the sample config (``config/``: the sample hall's units, items, kiosks)."""
    yield from _running_hall(sample_config, tmp_path)


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[PrinterSimulator]:
    """A network ESC/POS printer simulator on a free port, printing into ``tmp_path``."""
    sim = PrinterSimulator(get_profile(None), out_dir=tmp_path / "tickets", port=0).start()
    yield sim
    sim.stop()
