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
from hall.net import free_port
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


@pytest.mark.slow
@pytest.mark.broker
@pytest.mark.timeout(300)
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
@pytest.mark.parametrize("scanner", ["wedge", "camera"])
def test_applicants_scan_an_id_for_a_real_name_item_up_to_the_daily_limit(
    sample_config: HallConfig, tmp_path: Path, scanner: str
) -> None:
    """實名取號 at the real kiosk: asked for the ID, each applicant first presents a misread
    number (wrong check character: the kiosk refuses it on screen), then the right one through
    the kiosk's scanner (typed as a keyboard wedge types; or a QR held up to the simulated
    network camera the kiosk reads); all come with the same number, so the service issues
    three tickets to it and refuses the fourth."""
    kiosk_scanner: list[str] = []
    if scanner == "camera":
        camera = free_port()
        scanner = f"camera:{camera}"
        kiosk_scanner = ["--scanner", f"camera:http://127.0.0.1:{camera}/video.mjpg"]
    item = sample_config.item_by_code["XK-GA-002"]
    assert item.real_name
    limit = sample_config.hall_file.queue.real_name_daily_limit
    hall = start_hall(sample_config, tmp_path)
    screen = Xvfb("1920x1080x24")
    procs: Procs = []
    log = tmp_path / "applicants.log"
    try:
        port = _listening(
            procs,
            [sys.executable, "-m", "hall.cli", "demo-applicants", "--pace", "0.1",
             "--seed", "5", "--prefer-share", "0", "--scanner", scanner,
             "--real-name", f"{item.unit},{item.code}", "--real-name-share", "1",
             "--bad-id-share", "1", "--repeat-id-share", "1"],
            log,
        )  # fmt: skip
        _spawn(
            procs,
            [sys.executable, "-m", "hall.cli", "kiosk", "--kiosk-id", "kiosk-01",
             "--config", str(sample_config.directory), "--var", str(tmp_path),
             "--broker-port", str(hall.port), "--printer", f"sim:{tmp_path / 'tickets'}",
             "--windowed", *kiosk_scanner],
            tmp_path / "kiosk.log",
            {
                "DISPLAY": screen.display,
                "HALL_UI_DRIVER": f"127.0.0.1:{port}",
                "KIVY_HOME": str(tmp_path / "kivy"),
            },
        )  # fmt: skip
        deadline = time.monotonic() + 240  # a hang guard, not a speed check
        while "daily limit per person reached" not in log.read_text():
            assert all(p.poll() is None for p in procs), log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        assert hall.service is not None
        tickets = list(hall.service.engine.state.tickets.values())
    finally:
        _stop(procs)
        screen.stop()
        hall.stop()
    text = log.read_text()
    assert len(tickets) == limit, text
    assert {t.item for t in tickets} == {item.code}
    masked = {t.id_masked for t in tickets}
    assert len(masked) == 1 and None not in masked, masked  # one person, three tickets
    assert {t.id_hash for t in tickets} != {None}
    # Each applicant's misread card was refused on the kiosk's screen first.
    assert text.count("refused by the kiosk") >= limit + 1, text
    assert "ID numbers refused by the kiosk" in text  # the tally on stopping
