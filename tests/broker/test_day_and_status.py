"""Midnight in the running service, restart replay, and online/offline status via Last Will."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hall.conf import HallConfig
from tests.support import Collector, FakeClock, start_hall

pytestmark = pytest.mark.broker


def test_midnight_rolls_the_day_without_a_command_and_survives_restart(
    mini_config: HallConfig, tmp_path: Path
) -> None:
    clock = FakeClock.local(2026, 11, 25, 23, 59, 0)
    hall = start_hall(mini_config, tmp_path, clock=clock, tick_interval_s=0.1)
    try:
        watcher = hall.client("display-lobby")
        events = Collector()
        watcher.subscribe(hall.topics.events, events)
        kiosk = hall.client("kiosk-01")
        late = kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]
        assert (late["number"], late["day"]) == ("A001", "2026-11-25")

        clock.set_local(2026, 11, 26, 0, 0, 2)  # nobody does anything: the service's tick rolls
        _t, opened = events.wait_for(
            lambda t, b: b.get("type") == "day.opened" and b["data"]["day"] == "2026-11-26"
        )
        _t, voided = events.wait_for(lambda t, b: b.get("type") == "ticket.voided")
        assert voided["data"] == {"ticket": "20261125-A001", "reason": "day_closed"}
        assert voided["seq"] < opened["seq"]

        first = kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]
        assert (first["number"], first["id"]) == ("A001", "20261126-A001")

        # Restart: the state comes back from the log, numbering goes on.
        hall.stop_service()
        hall.start_service(clock=clock)
        assert hall.service.replayed >= 2
        assert (
            kiosk.command("ticket.issue", {"item": "XK-GA-001"}, timeout=10)["ticket"]["number"]
            == "A002"
        )
        assert hall.store.count("ticket_numbers") == 3
    finally:
        hall.stop()


def test_a_vanished_client_is_marked_offline_by_its_last_will(
    mini_config: HallConfig, tmp_path: Path
) -> None:
    hall = start_hall(mini_config, tmp_path, service=False)
    try:
        watcher = hall.client("display-lobby")
        status = Collector()
        watcher.subscribe(hall.topics.status("kiosk-02"), status)
        script = textwrap.dedent(f"""
            import time
            from hall.mqtt import Endpoint, HallClient
            from hall.protocol import Topics
            c = HallClient(Endpoint("127.0.0.1", {hall.port}, "kiosk-02",
                                    {hall.passwords["kiosk-02"]!r}), Topics({hall.topics.root!r}))
            c.connect(5)
            print("up", flush=True)
            time.sleep(60)
        """)
        proc = subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
        status.wait_for(lambda t, b: b.get("online") is True)
        proc.kill()
        proc.wait(10)
        _t, gone = status.wait_for(lambda t, b: b.get("online") is False)
        assert gone["reason"] == "lost"
        # A clean exit says so.
        kiosk = hall.client("kiosk-01")
        status2 = Collector()
        watcher.subscribe(hall.topics.status("kiosk-01"), status2)
        status2.wait_for(lambda t, b: b.get("online") is True)
        kiosk.close()
        _t, closed = status2.wait_for(lambda t, b: b.get("online") is False)
        assert closed["reason"] == "closed"
    finally:
        hall.stop()
