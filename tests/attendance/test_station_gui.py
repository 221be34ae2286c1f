"""The sign-in station's screen under Xvfb, with the reader simulator on a pty."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from attendance.rules import Context
from devices.fingerprint.simulator import Fault, FingerprintSimulator
from hall.i18n import t
from tests.attendance.conftest import CONFIG
from ui.driver import python_module

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shots_dir(tmp_path: Path) -> Path:
    """docs/screenshots with ``HALL_WRITE_SCREENSHOTS=1``, else the test's temp dir."""
    return DOCS if os.environ.get("HALL_WRITE_SCREENSHOTS") else tmp_path


@pytest.fixture
def sim(fingerprint_module: FingerprintSimulator, ctx: Context) -> FingerprintSimulator:
    fingerprint_module.enroll(ctx.staff["S020"].fingerprints[0], "s020-thumb")
    return fingerprint_module


def _station(launch_app, sim: FingerprintSimulator, events: Path, lang: str = "zh-Hant"):
    return launch_app(
        python_module(
            "attendance.cli",
            "signin",
            "--reader",
            f"serial:{sim.port}",
            "--config",
            str(CONFIG),
            "--record-file",
            str(events),
            "--clock-from",
            "2026-11-25T08:41:00",
            "--lang",
            lang,
            "--timeout",
            "1.0",
            "--wait",
            "0.5",
        )
    )


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_station_screen_signs_in_and_shows_failures(
    launch_app,
    sim: FingerprintSimulator,
    ctx: Context,
    tmp_path: Path,
) -> None:
    events = tmp_path / "events.jsonl"
    app = _station(launch_app, sim, events)
    state = app.wait_for(lambda s: s["message"] != "", what="first frame")
    assert state["tone"] == "idle" and state["message"] == t("attendance.station.prompt")
    sim.put_finger("s020-thumb")
    state = app.wait_for(lambda s: s["attempts"] == 1, what="a punch")
    name = ctx.staff["S020"].name
    assert state["result"] == "matched" and state["staff"] == "S020"
    assert state["tone"] == "warn" and name in state["message"] and "遲到" in state["message"]
    assert any(name in text for text in app.texts())
    assert not app.clipped()
    app.tap("lang_en")
    state = app.wait_for(lambda s: s["lang"] == "en" and "late" in s["message"], what="English")
    sim.put_finger(None)
    app.wait_for(lambda s: not s["finger_down"], what="the finger lifted")
    sim.put_finger("stranger")
    state = app.wait_for(lambda s: s["attempts"] == 2, what="no match")
    assert state["result"] == "no_match" and state["tone"] == "fail"
    sim.put_finger(None)
    app.wait_for(lambda s: not s["finger_down"], what="the finger lifted")
    app.tap("press")  # the on-screen button: no finger within the wait is recorded
    state = app.wait_for(lambda s: s["attempts"] == 3, what="no finger")
    assert state["result"] == "no_finger"
    sim.inject(Fault.SILENCE)
    state = app.wait_for(lambda s: s["status"] == "offline", timeout=6, what="offline")
    assert state["status_text"] == t("attendance.station.offline", "en")
    results = [
        json.loads(line)["data"]["result"]
        for line in events.read_text().splitlines()
        if '"attempt.failed"' in line
    ]
    assert results == ["no_match", "no_finger", "device_fault"]


@pytest.mark.slow
@pytest.mark.timeout(200)
@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans", "en"])
def test_station_screenshots(
    launch_app,
    sim: FingerprintSimulator,
    tmp_path: Path,
    lang: str,
) -> None:
    app = _station(launch_app, sim, tmp_path / "events.jsonl", lang)
    sim.put_finger("s020-thumb")
    app.wait_for(lambda s: s["attempts"] == 1, what="a punch")
    target = shots_dir(tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    shot = app.screenshot(target / f"signin-{lang}.png")
    assert shot.stat().st_size > 10_000
    assert not app.clipped()
