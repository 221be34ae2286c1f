"""The shared Kivy base under Xvfb: real touches, language switch, thread hand-over, screenshots."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image

from ui.driver import python_module
from ui.theme import PALETTE, contrast, hex_rgb, mm_to_px, screen_dpi


def test_palette_contrast_is_at_least_4_5() -> None:
    name, ratio = PALETTE.worst_contrast()
    assert ratio >= 4.5, (name, ratio)
    assert round(contrast(hex_rgb("#FFFFFF"), hex_rgb("#000000")), 1) == 21.0


def test_millimetres_to_pixels() -> None:
    dpi = screen_dpi(1920, 1080, 21.5)
    assert 102 < dpi < 103
    assert round(mm_to_px(25.4, dpi)) == round(dpi)


@pytest.mark.timeout(300)
def test_taps_language_thread_handover_and_screenshot(launch_app, tmp_path: Path) -> None:
    app = launch_app(python_module("ui.sample"))
    assert app.state() == {"lang": "zh-Hant", "taps": 0, "pushed": 0}
    app.tap("count")
    app.tap("count")
    assert app.state()["taps"] == 2
    app.tap("lang_en")
    assert app.state()["lang"] == "en"
    assert app.find("lang_en")["text"] == "English"
    app.tap("text:简体")
    assert app.state()["lang"] == "zh-Hans"
    app.tap("from_thread")
    app.wait_for(lambda s: s["pushed"] == 1, what="hand-over from a thread")
    # rendered labels keep their texture only, not a second copy of their pixels
    assert app.call("label_surfaces") == 0
    shot = app.screenshot(tmp_path / "sample.png")
    with Image.open(shot) as image:
        assert image.size == (1024, 640)
        # the background colour fills the corner; text pixels exist in the title area
        assert image.getpixel((2, 2)) == tuple(round(c * 255) for c in hex_rgb(PALETTE.background))
        colours = image.crop((0, 0, 1024, 300)).getcolors(100000)
        assert colours is not None and len(colours) > 20


@pytest.mark.timeout(300)
def test_periodic_screenshots_keep_the_latest_and_a_bounded_number(
    launch_app, tmp_path: Path
) -> None:
    app = launch_app(python_module("ui.sample"))
    shots = tmp_path / "screens"
    app.call("shoot_every", str(shots), 0.1, 3)
    deadline = time.monotonic() + 30
    while not (shots / "sample-00006.png").exists():
        assert time.monotonic() < deadline, sorted(p.name for p in shots.glob("*.png"))
        time.sleep(0.05)
    app.request("ping")
    numbered = sorted(p.name for p in shots.glob("sample-*.png"))
    assert len(numbered) <= 4 and "sample-00001.png" not in numbered
    with Image.open(shots / "latest.png") as image:
        assert image.size == (1024, 640)
