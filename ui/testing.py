"""pytest fixtures for GUI tests: an Xvfb display and hall apps driven through it.

Use from a ``conftest.py``::

    from ui.testing import gui_display, launch_app  # noqa: F401  (fixtures)

    def test_home(launch_app):
        app = launch_app(python_module("kiosk.app", "--config", "config"))
        app.tap("lang_en")
        assert app.state()["lang"] == "en"

Each app runs in its own process (one Kivy window per process, never closed in a
test) on one Xvfb server shared by the session. Without ``Xvfb`` on the PATH the
GUI tests are skipped with the reason; set ``HALL_UI_DISPLAY=:0`` to watch them
on a real screen instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from ui.driver import AppDriver
from ui.xvfb import Xvfb


@pytest.fixture(scope="session")
def gui_display() -> Iterator[str]:
    """The X display GUI tests open their windows on (a session-wide Xvfb)."""
    chosen = os.environ.get("HALL_UI_DISPLAY")
    if chosen:
        yield chosen
        return
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    server = Xvfb()
    try:
        yield server.display
    finally:
        server.stop()


@contextlib.contextmanager
def launcher(display: str, tmp_path: Path) -> Iterator[Callable[..., AppDriver]]:
    """``launch(argv, env=None, **kw)`` starts an app on X ``display`` and returns its
    driver; every app it started is stopped on exit. App N's log is ``tmp_path/app-N.log``
    (quoted in driver errors)."""
    started: list[AppDriver] = []

    def launch(argv: Sequence[str], env: dict[str, str] | None = None, **kw: Any) -> AppDriver:
        log_path = tmp_path / f"app-{len(started) + 1}.log"
        child_env = {"KIVY_HOME": str(tmp_path / "kivy-home"), **(env or {})}
        driver = AppDriver(argv, display, env=child_env, log_path=log_path, **kw)
        started.append(driver)
        return driver

    try:
        yield launch
    finally:
        for driver in started:
            driver.stop()


@pytest.fixture
def launch_app(gui_display: str, tmp_path: Path) -> Iterator[Callable[..., AppDriver]]:
    """Factory: ``launch_app(argv, env=None)`` starts an app and returns its driver;
    every app started is stopped at the end of the test (see :func:`launcher`)."""
    with launcher(gui_display, tmp_path) as launch:
        yield launch


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: ``HALL_SCREENSHOT_DIR`` (docs/screenshots) or a temp dir."""
    chosen = os.environ.get("HALL_SCREENSHOT_DIR")
    path = Path(chosen) if chosen else tmp_path / "shots"
    path.mkdir(parents=True, exist_ok=True)
    return path
