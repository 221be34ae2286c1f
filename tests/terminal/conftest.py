"""A window terminal on the test hall (``hall`` of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hall.conf import HallConfig
from terminal.controller import WindowController
from tests.support import RunningHall
from tests.terminal.test_case_panel import _signed_in_window


@pytest.fixture
def w02(hall: RunningHall, mini_config: HallConfig) -> Iterator[WindowController]:
    """Window W02 of the test hall, open, with S012 signed in."""
    ctrl = WindowController(mini_config, "W02", hall.endpoint("window-02"))
    try:
        _signed_in_window(ctrl, "S012")
        yield ctrl
    finally:
        ctrl.stop()
