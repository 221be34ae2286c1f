"""Shared fixtures: configs, a controllable clock, a real Mosquitto and a running hall."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

from hall.conf import HallConfig, load_config
from tests.support import FakeClock, RunningHall, start_hall

REPO = Path(__file__).resolve().parents[1]
MINI_HALL = REPO / "tests" / "data" / "mini-hall"
SAMPLE_HALL = REPO / "config"


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


def _running_hall(config: HallConfig, directory: Path) -> Iterator[RunningHall]:
    running = start_hall(config, directory)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def hall(mini_config: HallConfig, tmp_path: Path) -> Iterator[RunningHall]:
    """A real Mosquitto on a free loopback port and the queue service, on the mini hall."""
    yield from _running_hall(mini_config, tmp_path)


@pytest.fixture
def sample_hall(sample_config: HallConfig, tmp_path: Path) -> Iterator[RunningHall]:
    """The same on the sample config (``config/``: the sample hall's units, items, kiosks)."""
    yield from _running_hall(sample_config, tmp_path)
