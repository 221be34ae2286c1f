"""All 36 windows of the sample hall call within one second, through the real broker and service:
the display shows all 36 and the announcement queue holds all 36 in call order."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from display.runtime import DisplayRuntime
from display.settings import DisplaySettings, ScreenSettings, VoiceConfig
from display.voice.phrases import call_text
from display.voice.player import RecordingSink
from hall.conf import HallConfig
from tests.display.helpers import issue_for
from tests.support import Collector, start_hall, wait_until


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_36_windows_call_within_one_second(sample_config: HallConfig, tmp_path: Path) -> None:
    hall = start_hall(sample_config, tmp_path)
    sink = RecordingSink()
    settings = DisplaySettings(
        display=ScreenSettings(min_show_s=30.0), voice=VoiceConfig(repeat=1, player="record")
    )
    runtime = DisplayRuntime(
        sample_config, hall.endpoint("display-lobby"), settings, tmp_path / "voice", sink
    )
    try:
        runtime.start(wait_s=5.0)
        events = Collector()
        watcher = hall.client("diag")
        watcher.subscribe(hall.topics.events, events)

        kiosk = hall.client("kiosk-01")
        assigned: dict[str, str] = {}
        windows = [w.id for w in sample_config.windows]
        assert len(windows) == 36
        for w in windows:
            assigned[w] = issue_for(kiosk, sample_config, w)["number"]
        terminals = {w: hall.client(f"window-{w[1:]}") for w in windows}
        for c in terminals.values():
            c.command("window.open")

        started = time.monotonic()
        sent = [(w, c.send("window.call", {"number": assigned[w]})) for w, c in terminals.items()]
        elapsed_send = time.monotonic() - started
        replies = {w: fut.result(5.0) for w, (_id, fut, _mid) in sent}
        assert all(r.ok for r in replies.values()), [r.error for r in replies.values() if not r.ok]
        assert time.monotonic() - started < 1.0, "the 36 calls did not fit in one second"
        assert elapsed_send < 1.0

        wait_until(
            lambda: len(runtime.presenter.call_log) >= 36, 10, "36 calls on the display", step=0.01
        )
        events.wait_for(
            lambda _t, _b: (
                sum(1 for _tt, e in events.messages if e.get("type") == "ticket.called") >= 36
            )
        )
        service_order = [
            e["data"]["ticket"].split("-")[1]
            for _t, e in sorted(events.messages, key=lambda m: m[1]["seq"])
            if e.get("type") == "ticket.called"
        ]
        view = runtime.presenter.view()
        assert not view.stale, view.stale_reasons
        shown = {t.window: t.number for t in view.windows}
        assert shown == assigned  # every window shows its number
        assert [c.number for c in runtime.presenter.call_log] == service_order
        # None lost: the first is highlighted, the other 35 wait their turn, in order.
        assert view.highlight is not None and view.highlight.number == service_order[0]
        assert [c.number for c in runtime.presenter.pending_calls()] == service_order[1:]
        assert view.pending == 35

        assert runtime.announcer is not None
        assert [a.number for a in runtime.announcer.queued()] == service_order
        played = sink.wait_for(36, timeout=60)
        assert [p.label for p in played] == [
            call_text(n, w) for n, w in ((c.number, c.window) for c in runtime.presenter.call_log)
        ]
    finally:
        runtime.stop()
        hall.stop()
