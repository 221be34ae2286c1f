"""The display follows a service restart (new epoch) and a broker outage, headless, for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from display.runtime import DisplayRuntime
from display.settings import DisplaySettings, ScreenSettings, VoiceConfig
from display.voice.player import RecordingSink
from hall.conf import HallConfig
from tests.support import start_hall, wait_until


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_display_follows_service_restart_and_broker_outage(
    mini_config: HallConfig, tmp_path: Path
) -> None:
    hall = start_hall(mini_config, tmp_path)
    settings = DisplaySettings(
        display=ScreenSettings(min_show_s=0.0), voice=VoiceConfig(repeat=1, player="record")
    )
    runtime = DisplayRuntime(
        mini_config, hall.endpoint("display-lobby"), settings, tmp_path / "voice", RecordingSink()
    )
    p = runtime.presenter
    try:
        kiosk = hall.client("kiosk-01")
        w1 = hall.client("window-01")
        numbers = [kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]["number"]
                   for _ in range(4)]  # fmt: skip
        w1.command("window.open")
        w1.command("window.call_next")  # before the display starts: history, not announced
        runtime.start(wait_s=5)
        wait_until(lambda: not p.view().stale, 10, "display in sync")
        view = p.view()
        assert {t.window: t.number for t in view.windows}["W01"] == numbers[0]
        assert [c.number for c in view.calls] == [numbers[0]] and p.call_log == []
        epoch = view.epoch

        hall.stop_service()
        wait_until(lambda: "service_offline" in p.view().stale_reasons, 10, "stale")
        hall.start_service()
        wait_until(lambda: not p.view().stale and p.view().epoch != epoch, 10, "new epoch")
        w1.command("window.finish", {"outcome": "immediate"})
        w1.command("window.call_next")
        wait_until(lambda: [c.number for c in p.call_log] == [numbers[1]], 10, "call after restart")

        runtime.poll_connection()
        hall.broker.stop()
        # Other reasons (the service's status) may show first; wait for the display's own.
        wait_until(
            lambda: (runtime.poll_connection(), "disconnected" in p.view().stale_reasons)[1],
            20,
            "disconnected",
        )
        hall.broker.start()
        wait_until(lambda: (runtime.poll_connection(), not p.view().stale)[1], 30, "back in sync")
        w1.command("window.finish", {"outcome": "immediate"})
        w1.command("window.call_next")
        wait_until(lambda: len(p.call_log) == 2, 10, "call after the outage")
        assert [c.number for c in p.call_log] == numbers[1:3]
        assert {t.window: t.number for t in p.view().windows}["W01"] == numbers[2]
        assert runtime.announcer is not None
        assert [a.number for a in runtime.announcer.queued()] == numbers[1:3]
    finally:
        runtime.stop()
        hall.stop()
