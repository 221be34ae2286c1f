"""The lobby display app under Xvfb, fed by the real broker and queue service."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from hall.conf import HallConfig
from tests.display.helpers import issue_for
from tests.support import RunningHall, start_hall

LANGS = ("zh-Hant", "zh-Hans", "en")
REPO = Path(__file__).resolve().parents[2]


def display_argv(hall: RunningHall, *extra: str) -> list[str]:
    return hall.app_argv("display.app", "--player", "record", *extra)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_display_shows_calls_in_order_and_goes_stale(
    sample_config: HallConfig, tmp_path: Path, launch_hd, shots: Path
) -> None:
    hall = start_hall(sample_config, tmp_path)
    try:
        app = launch_hd(display_argv(hall, "--min-show", "0.3"))
        app.wait_for(lambda s: not s["stale"], timeout=20, what="display in sync")

        kiosk = hall.client("kiosk-01")
        calling = ["W01", "W05", "W12", "W18", "W23", "W36"]
        expected = {}
        for w in calling:
            expected[w] = issue_for(kiosk, sample_config, w)["number"]
        for _ in range(12):  # people waiting in the queues strip
            issue_for(kiosk, sample_config, "W02")
        order = []
        for w in calling:
            c = hall.client(f"window-{w[1:]}")
            c.command("window.open")
            c.command("window.call", {"number": expected[w]})
            order.append(expected[w])
        hall.client("window-02").command("window.open")
        hall.client("window-03").command("window.pause")

        state = app.wait_for(
            lambda s: all(s["windows"][w] == n for w, n in expected.items()),
            timeout=10,
            what="every calling window on the display",
        )
        assert state["announced"] == order
        state = app.wait_for(lambda s: s["pending"] == 0, timeout=10, what="all calls shown")
        assert state["highlight"] == order[-1]
        assert [n for n, _w in state["calls"]] == order[::-1]  # newest first
        assert state["window_status"]["W02"] == "open"
        assert state["window_status"]["W03"] == "paused"
        assert state["queues"]

        app.call("pause_ticker")
        for lang in LANGS:
            app.call("set_lang", lang)
            path = app.screenshot(shots / f"display-calling-{lang}.png")
            with Image.open(path) as image:
                assert image.size == (1920, 1080)
                assert len(image.getcolors(1 << 20) or []) > 50

        labels = " ".join(lbl["text"] for lbl in app.labels())
        assert "Window 5" in labels and order[0] in labels

        hall.stop_service()  # the service says goodbye: status offline
        state = app.wait_for(lambda s: s["stale"], timeout=10, what="stale marker")
        assert "service_offline" in state["stale_reasons"]
        for lang in LANGS:
            app.call("set_lang", lang)
            app.screenshot(shots / f"display-stale-{lang}.png")
        app.call("set_lang", "zh-Hant")
        texts = " ".join(app.texts())
        assert "資料暫停更新" in texts
        assert expected["W05"] not in [lbl["text"] for lbl in app.labels()]
    finally:
        hall.stop()
