"""`hall screens` grabs a real Xvfb screen as PNG, keeps latest.png and prunes old ones."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from PIL import Image

from hall.conf.machine import DisplayMode
from runner.display import plan_display, xvfb_argv
from runner.screens import run
from runner.supervisor import Child, Supervisor

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")


def test_screens_of_a_virtual_display(tmp_path: Path) -> None:
    plan = plan_display(DisplayMode.XVFB, {})
    xvfb = Child(
        "xvfb", xvfb_argv(plan.display, "640x480"), tmp_path / "xvfb.log", ready=plan.socket.exists
    )
    sup = Supervisor([xvfb])
    sup.start_all()
    try:
        stop = threading.Event()
        out = tmp_path / "screens"
        shots: list[int] = []
        worker = threading.Thread(
            target=lambda: shots.append(run(plan.display, out, 0.05, 3, stop))
        )
        worker.start()
        deadline = threading.Event()
        for _ in range(200):
            if len(list(out.glob("screen-*.png"))) >= 3 and (out / "latest.png").exists():
                break
            deadline.wait(0.05)
        stop.set()
        worker.join(10)
    finally:
        sup.stop_all()
    assert shots and shots[0] >= 3
    assert len(list(out.glob("screen-*.png"))) <= 3  # pruned to `keep`
    with Image.open(out / "latest.png") as image:
        assert image.size == (640, 480)
