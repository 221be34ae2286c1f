"""GUI fixtures for the lobby display: a 1920×1080 Xvfb (the shared one is 1280×800)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ui.driver import AppDriver
from ui.testing import Xvfb, launcher, shots  # noqa: F401  (shots: a fixture)

HD_SCREEN = "1920x1080x24"


@pytest.fixture(scope="session")
def hd_display() -> Iterator[str]:
    """An X display big enough for the lobby screen."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    server = Xvfb(HD_SCREEN)
    try:
        yield server.display
    finally:
        server.stop()


@pytest.fixture
def launch_hd(hd_display: str, tmp_path: Path) -> Iterator[Callable[..., AppDriver]]:
    """Like ``ui.testing.launch_app`` but on the 1920×1080 display."""
    with launcher(hd_display, tmp_path) as launch:
        yield launch
