"""The wall clock stepped under a running service (NTP after a dead CMOS battery, an
operator's mistake): forward a day and back again. The business day never goes backwards,
ticketing never stops, and the log still balances with what applicants hold."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hall.conf import HallConfig
from hall.mqtt import HallClient
from tests.faults.harness import LONG, Applicants, check
from tests.support import FakeClock, start_hall

pytestmark = [pytest.mark.faults, pytest.mark.broker, pytest.mark.slow]

ITEM = "XK-GA-001"
KIOSKS = ("kiosk-01", "kiosk-02")
DAY = 86_400.0


def test_clock_steps_both_ways(
    mini_config: HallConfig, tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    hall = start_hall(mini_config, tmp_path, clock=clock)
    assert hall.service is not None
    per = 30 if LONG else 5
    # (step in seconds, name): a day forward, then back; the long run adds smaller steps
    steps = [(DAY, "+1 day"), (-DAY, "-1 day")]
    if LONG:
        steps += [(-3600.0, "-1 hour"), (7200.0, "+2 hours"), (-DAY, "-1 day again")]

    def connect(kiosk: str) -> HallClient:
        return HallClient(hall.endpoint(kiosk), hall.topics, request_timeout_s=2.0).connect(10)

    everyone = Applicants(connect, KIOSKS, ITEM, per)
    phases: list[tuple[str, list[str]]] = []
    try:
        first = Applicants(connect, KIOSKS, ITEM, per).start()
        first.join()
        everyone.outcomes += first.outcomes
        phases.append(("start", sorted({t["day"] for t in first.tickets()})))
        for step, name in steps:
            clock.advance(step)
            phase = Applicants(connect, KIOSKS, ITEM, per).start()
            phase.join()
            everyone.outcomes += phase.outcomes
            everyone.errors += phase.errors
            phases.append((name, sorted({t["day"] for t in phase.tickets()})))
            assert hall.service.fatal is None, hall.service.fatal
    finally:
        hall.stop()
    row = check(
        "clock-steps",
        everyone,
        tmp_path / "hall.db",
        {"steps": [n for _s, n in steps], "days_per_phase": phases},
        allow_gave_up=False,
    )
    assert row["refused"] == {}, row
    assert row["acked"] == per * len(KIOSKS) * (len(steps) + 1)
    # The business day follows the clock forward and never goes back.
    days = [d for _n, ds in phases for d in ds]
    assert days == sorted(days), phases
    assert phases[1][1] == ["2026-11-26"] and phases[2][1] == ["2026-11-26"], phases
    assert caplog.text.count("wall clock stepped") >= len(steps), "a clock step must be logged"
