"""GUI fixtures for the lobby display: a 1920×1080 Xvfb (the shared one is 1280×800)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from ui.driver import AppDriver
from ui.testing import Xvfb

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
    started: list[AppDriver] = []

    def launch(argv: Sequence[str], env: dict[str, str] | None = None, **kw: Any) -> AppDriver:
        log_path = tmp_path / f"app-{len(started) + 1}.log"
        child_env = {"KIVY_HOME": str(tmp_path / "kivy-home"), **(env or {})}
        driver = AppDriver(argv, hd_display, env=child_env, log_path=log_path, **kw)
        started.append(driver)
        return driver

    try:
        yield launch
    finally:
        for driver in started:
            driver.stop()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: ``HALL_SCREENSHOT_DIR`` (docs/screenshots) or a temp dir."""
    chosen = os.environ.get("HALL_SCREENSHOT_DIR")
    path = Path(chosen) if chosen else tmp_path / "shots"
    path.mkdir(parents=True, exist_ok=True)
    return path
