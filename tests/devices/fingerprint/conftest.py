"""Fixtures: a simulator on a real pty, and a reader talking to it with short timeouts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devices.fingerprint.reader import FingerprintReader
from devices.fingerprint.simulator import FingerprintSimulator

READ_TIMEOUT = 0.3  # seconds per reply: keeps fault tests short


@pytest.fixture
def sim() -> Iterator[FingerprintSimulator]:
    simulator = FingerprintSimulator(library_size=300)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def reader(sim: FingerprintSimulator) -> Iterator[FingerprintReader]:
    fp = FingerprintReader.serial(sim.port, 57600, timeout=READ_TIMEOUT, poll_s=0.02)
    try:
        yield fp
    finally:
        fp.close()
