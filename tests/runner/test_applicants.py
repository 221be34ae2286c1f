"""`hall demo-applicants` with `--prefer`: an applicant looking for what a window serves finds
it on the real kiosk screen, turning the pages when it is not on the first (the demo sends
applicants to the window terminals it shows)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

from hall.conf import HallConfig
from tests.runner.test_staff import Procs, _listening, _spawn, _stop
from tests.support import start_hall
from ui.xvfb import Xvfb


@pytest.mark.slow
@pytest.mark.broker
@pytest.mark.timeout(240)
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
def test_applicants_find_a_preferred_windows_item_on_a_later_page(
    sample_config: HallConfig, tmp_path: Path
) -> None:
    # Window 6's items come after the first page of its department (U02) on the kiosk.
    w06 = sorted(sample_config.items_by_window["W06"])
    hall = start_hall(sample_config, tmp_path)
    screen = Xvfb("1920x1080x24")
    procs: Procs = []
    log = tmp_path / "applicants.log"
    try:
        port = _listening(
            procs,
            [sys.executable, "-m", "hall.cli", "demo-applicants", "--pace", "0.1",
             "--prefer", ",".join(["U02", *w06]), "--prefer-share", "1"],
            log,
        )  # fmt: skip
        _spawn(
            procs,
            [sys.executable, "-m", "hall.cli", "kiosk", "--kiosk-id", "kiosk-01",
             "--config", str(sample_config.directory), "--var", str(tmp_path),
             "--broker-port", str(hall.port), "--printer", f"sim:{tmp_path / 'tickets'}",
             "--windowed"],
            tmp_path / "kiosk.log",
            {
                "DISPLAY": screen.display,
                "HALL_UI_DRIVER": f"127.0.0.1:{port}",
                "KIVY_HOME": str(tmp_path / "kivy"),
            },
        )  # fmt: skip
        assert hall.service is not None
        tickets = hall.service.engine.state.tickets
        deadline = time.monotonic() + 150
        while len(tickets) < 2:
            assert all(p.poll() is None for p in procs), log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        items = {t.item for t in tickets.values()}
    finally:
        _stop(procs)
        screen.stop()
        hall.stop()
    assert items <= set(w06), items
    assert "W06" in {w for i in items for w in sample_config.item_by_code[i].windows}
