"""`hall screens` grabs a real Xvfb screen as PNG: what an app draws on it (as the app itself
sees it), nothing while the screen is still blank, latest.png kept and old files pruned."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from hall import secrets
from hall.conf.machine import DisplayMode
from hall.net import free_port
from hall.runtime import RuntimeDir
from runner.display import plan_display, xvfb_argv
from runner.screens import blank
from runner.supervisor import Child, Supervisor
from tests.runner.hallup import REPO
from ui.driver import AppDriver, python_module

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")


def _screens(display: str, out: Path, log: Path) -> Child:
    """`hall screens` as `hall up` runs it, only faster."""
    argv = [sys.executable, "-m", "hall.cli", "screens", "--display", display]
    argv += ["--out", str(out), "--every", "0.3", "--keep", "3"]
    return Child("screens", argv, log)


def _wait_file(path: Path, timeout: float, pred=lambda image: True) -> Image.Image:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with Image.open(path) as image:
                image.load()
                if pred(image):
                    return image.convert("RGB")
        except (FileNotFoundError, OSError):
            pass  # not there yet, or being replaced
        assert time.monotonic() < deadline, f"{path}: nothing within {timeout} s"
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_screens_show_what_an_app_draws_on_its_virtual_screen(tmp_path: Path) -> None:
    """The demo's screenshots of the lobby display, guide console, rating pad, duty console and
    window terminals were black (issue 8/9); this runs one of those apps as `hall up` does (its
    own Xvfb of the machine's size, DISPLAY set) and grabs the screen as `hall screens` does."""
    plan = plan_display(DisplayMode.XVFB, {})
    xvfb = Child(
        "xvfb",
        xvfb_argv(plan.display, "1920x1080"),
        tmp_path / "xvfb.log",
        ready=plan.socket.exists,
    )
    out = tmp_path / "screens"
    sup = Supervisor([xvfb, _screens(plan.display, out, tmp_path / "screens.log")])
    sup.start_all()
    app = None
    try:
        # `hall screens` grabs the empty screen and says so, but saves nothing.
        deadline = time.monotonic() + 60
        while "nothing drawn yet" not in (tmp_path / "screens.log").read_text():
            assert time.monotonic() < deadline, (tmp_path / "screens.log").read_text()
            time.sleep(0.2)
        time.sleep(1.0)  # a few more rounds (every 0.3 s)
        assert not (out / "latest.png").exists(), "a blank screen was saved"
        assert not list(out.glob("screen-*.png"))

        var = RuntimeDir(tmp_path / "var")
        secrets.ensure(var.secrets, ["window-04"])
        argv = python_module(
            "terminal.app", "W04", "--config", str(REPO / "config"),
            "--var", str(var.root), "--port", str(free_port()),
        )  # fmt: skip
        app = AppDriver(
            argv,
            plan.display,
            env={"KIVY_HOME": str(tmp_path / "kivy")},
            log_path=tmp_path / "app.log",
        )
        app.wait_for(lambda s: s["connection"] == "offline", what="terminal up (no broker)")
        width, height = app.request("window")["size"]
        own = app.screenshot(tmp_path / "own.png")  # glReadPixels: what the app drew
        with Image.open(own) as image:
            drawn = image.convert("RGB")
        assert not blank(drawn)

        grabbed = _wait_file(out / "latest.png", 60, lambda image: not blank(image))
        assert grabbed.size == (1920, 1080)
        box = grabbed.getbbox()  # the window on the black root
        assert box is not None
        left, top = box[0], box[1]
        assert (box[2] - left, box[3] - top) == (width, height), box
        window = grabbed.crop((left, top, left + width, top + height))
        differ = ImageChops.difference(window, drawn).convert("L").point(lambda v: v > 24)
        changed = sum(differ.histogram()[1:])
        # The same picture as the app's own screenshot (a clock or blinking cursor may differ).
        assert changed < 0.02 * width * height, f"{changed} of {width * height} pixels differ"
    finally:
        if app is not None:
            app.stop()
        sup.stop_all()
    assert len(list(out.glob("screen-*.png"))) <= 3  # pruned to `keep`
