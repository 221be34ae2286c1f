"""Lost or shut down: two real kiosk apps under Xvfb on the real broker, one killed with
SIGKILL (its Last Will: "connection lost", red, marked), one stopped with SIGTERM as
``hall up`` stops it (it says goodbye: "shut down", greyed, no mark). A console started
afterwards finds the loss retained and dates it "before" the time it heard of it."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from devices.printer import get_profile
from devices.printer.simulator import PrinterSimulator
from hall.i18n import t
from tests.guide.conftest import LANGS
from tests.support import RunningHall
from ui.driver import AppDriver, python_module

pytestmark = [pytest.mark.broker, pytest.mark.slow]


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[PrinterSimulator]:
    sim = PrinterSimulator(get_profile(None), out_dir=tmp_path / "tickets", port=0).start()
    yield sim
    sim.stop()


def _kiosk(launch_app, hall: RunningHall, kiosk_id: str, printer_url: str) -> AppDriver:
    app = launch_app(
        python_module(
            "kiosk.app", "--config", str(hall.config.directory), "--kiosk-id", kiosk_id,
            "--var", str(hall.directory), "--broker-port", str(hall.port),
            "--printer", printer_url, "--windowed",
        )
    )  # fmt: skip
    app.wait_for(lambda s: s["connected"] and not s["banner"], 60, f"{kiosk_id} connected")
    return app


def _guide(launch_app, hall: RunningHall) -> AppDriver:
    """The console, signed in (a restarted one picks up its sign-in), on F2."""
    guide = launch_app(hall.app_argv("guide.app"))
    s = guide.wait_for(lambda s: s["connection"] == "online", timeout=30, what="online")
    if s["signed_in"] is None:
        guide.tap("staff_in")
        guide.type("S004")
        guide.type("1234")
    guide.wait_for(lambda s: s["signed_in"] == "S004" and s["screen"] == "main", what="signed in")
    guide.call("tab", "windows")
    return guide


def _on_screen(app: AppDriver, *texts: str) -> None:
    deadline = time.monotonic() + 5
    while not set(texts) <= {lab["text"] for lab in app.labels()}:
        assert time.monotonic() < deadline, f"{texts!r} not all on screen"
        time.sleep(0.05)


@pytest.mark.timeout(300)
def test_a_kiosk_killed_is_lost_and_one_stopped_is_shut_down(
    live_hall: RunningHall, launch_app, shots: Path, printer: PrinterSimulator
) -> None:
    hall = live_hall
    guide = _guide(launch_app, hall)
    k1 = _kiosk(launch_app, hall, "kiosk-01", printer.url)
    k2 = _kiosk(launch_app, hall, "kiosk-02", printer.url)
    guide.wait_for(
        lambda s: [s["kiosks"][k][4] for k in ("kiosk-01", "kiosk-02")] == ["online", "online"],
        what="both kiosks online",
    )

    k1.proc.send_signal(signal.SIGKILL)  # crash, cable, power: no goodbye
    k1.proc.wait(10)
    s = guide.wait_for(lambda s: s["kiosks"]["kiosk-01"][4] == "lost", what="kiosk-01 lost")
    online, _printer, _scanner, alert, _presence = s["kiosks"]["kiosk-01"]
    assert (online, alert) == (False, True), "lost: marked"

    k2.proc.send_signal(signal.SIGTERM)  # what hall up does at the end of the day
    assert k2.proc.wait(10) == 0, "the kiosk stops on SIGTERM (its window ignores close)"
    s = guide.wait_for(lambda s: s["kiosks"]["kiosk-02"][4] == "closed", what="kiosk-02 closed")
    online, _printer, _scanner, alert, _presence = s["kiosks"]["kiosk-02"]
    assert (online, alert) == (False, False), "shut down: not marked"

    for lang in LANGS:
        guide.call("set_lang", lang)
        guide.wait_for(lambda s, lang=lang: s["lang"] == lang)
        now = t("guide.ago.now", lang)
        _on_screen(
            guide,
            f"(!) kiosk-01: {t('guide.kiosk.lost', lang, ago=now)}",
            f"kiosk-02: {t('guide.kiosk.closed', lang, ago=now)}",
        )
        assert guide.request("clipped") == [], lang
        guide.screenshot(shots / f"guide-kiosks-{lang}.png")
    guide.call("set_lang", "zh-Hant")

    # A console started now finds both retained: the closed one says when (its own time), the
    # lost one only that it was lost before the console heard of it.
    guide.stop()
    heard = time.time()
    again = _guide(launch_app, hall)
    s = again.wait_for(
        lambda s: [s["kiosks"][k][4] for k in ("kiosk-01", "kiosk-02")] == ["lost", "closed"],
        what="retained presence",
    )
    minutes = {datetime.fromtimestamp(x, hall.config.tz).strftime("%H:%M")
               for x in (heard, time.time())}  # fmt: skip
    lost = {f"(!) kiosk-01: {t('guide.kiosk.lost_before', 'zh-Hant', time=m)}" for m in minutes}
    deadline = time.monotonic() + 5
    while not lost & {lab["text"] for lab in again.labels()}:
        assert time.monotonic() < deadline, (lost, [lab["text"] for lab in again.labels()])
        time.sleep(0.05)
    closed = t("guide.kiosk.closed", "zh-Hant", ago=t("guide.ago.now", "zh-Hant"))
    _on_screen(again, f"kiosk-02: {closed}")
