"""The wait estimate and the service-time measurement it learns from (issue 6 item 5)."""

from __future__ import annotations

import pytest

from broker.estimate import shown
from hall.conf import HallConfig
from tests.broker.test_engine import Hall
from tests.support import FakeClock


@pytest.fixture
def h(mini_config: HallConfig, clock: FakeClock) -> Hall:
    return Hall(mini_config, clock)


def _serve(h: Hall, clock: FakeClock, window: str, seconds: float, start: bool = True) -> None:
    assert h.call(window) is not None
    if start:
        h.do(f"window-{window[1:]}", "window.start")
    clock.advance(seconds)
    h.finish(window)


def test_a_finish_without_start_is_no_sample(h: Hall, clock: FakeClock) -> None:
    h.open("W01")
    for _ in range(3):
        h.issue("XK-GA-001")
    before = h.do("kiosk-02", "ticket.issue", item="XK-GA-001")["est_wait_min"]
    # Called and finished 3 ms later without window.start: the careless finish of issue 6.
    _serve(h, clock, "W01", 0.003, start=False)
    finished = [d for _s, e, d in h.log if e == "ticket.finished"][-1]
    assert finished["service_s"] is None
    assert h.state.service_minutes == {} and h.state.service_pace == {}
    after = h.do("kiosk-02", "ticket.issue", item="XK-GA-001")["est_wait_min"]
    assert after == pytest.approx(before)  # one served, one more issued: same work ahead
    assert after > 0


def test_implausible_samples_are_rejected(h: Hall, clock: FakeClock) -> None:
    h.open("W01")
    for _ in range(2):
        h.issue("XK-GA-001")
    _serve(h, clock, "W01", 5)  # started and finished within 5 s
    _serve(h, clock, "W01", 10 * 60 * 8)  # 80 minutes for a 10-minute item
    assert h.state.service_minutes == {} and h.state.service_pace == {}


def test_a_sample_is_blended_with_the_configured_minutes(h: Hall, clock: FakeClock) -> None:
    h.open("W01")
    h.issue("XK-GA-001")  # configured 10 minutes
    _serve(h, clock, "W01", 120)
    # One 2-minute service moves the means part of the way, it does not replace them.
    assert h.state.service_minutes["A"] == pytest.approx(10 + 0.2 * (2 - 10))
    assert h.state.service_pace["W01"] == pytest.approx(1 + 0.1 * (0.2 - 1))


def test_measured_pace_survives_the_day(h: Hall, clock: FakeClock) -> None:
    h.open("W01")
    h.issue("XK-GA-001")
    _serve(h, clock, "W01", 20 * 60)
    pace = h.state.service_pace["W01"]
    clock.set_local(2026, 11, 26, 9, 0)
    h.issue("XK-GA-001")
    opened = [d for _s, e, d in h.log if e == "day.opened"][-1]
    assert opened["estimate"]["service_pace"] == {"W01": pace}
    assert h.state.service_pace == {"W01": pace}


def test_a_busy_shared_window_counts_its_other_queues(h: Hall, clock: FakeClock) -> None:
    h.open("W02", "W04")
    for _ in range(3):
        h.issue("XK-GA-001")  # 10 min; W01 is closed, so all three are W04's
    # FX-SJ-001 (12 min) is served by W02 and W04: W02 is idle, so it is called at once.
    assert h.do("kiosk-01", "ticket.issue", item="FX-SJ-001")["est_wait_min"] == 0
    for _ in range(2):
        h.issue("XK-SJ-001")  # 20 min, W02 only
    # W02: 2 x 20 + its half of the FX-SJ-001 ticket (6) = 46 minutes of work;
    # W04: 3 x 10 + the other half (6) = 36. The ticket goes to the first one through: W04.
    assert h.do("kiosk-01", "ticket.issue", item="FX-SJ-001")["est_wait_min"] == pytest.approx(36)


def test_a_priority_ticket_waits_for_normal_tickets_that_starve(h: Hall, clock: FakeClock) -> None:
    h.open("W02")
    for _ in range(4):
        h.issue("XK-SJ-001")  # 4 x 20 minutes of normal tickets at W02
        clock.advance(60)
    elderly = h.do("kiosk-01", "ticket.issue", item="XK-SJ-001", priority="elderly")
    # Nothing of its rank is ahead, but one call in max_consecutive_priority + 1 goes to the
    # normal queue: 0 minutes of work, so 0.
    assert elderly["est_wait_min"] == 0
    h.issue("XK-SJ-001", priority="elderly")
    clock.advance(26 * 60)
    later = h.do("kiosk-01", "ticket.issue", item="XK-SJ-001", priority="elderly")
    # One elderly ticket ahead (20 min): by then the normal tickets have waited 26-30 min and
    # reach starvation_minutes (30) first, so all four go before it.
    assert later["est_wait_min"] > 20 + 3 * 20


def test_a_wait_crossing_lunch_gets_the_break(h: Hall, clock: FakeClock) -> None:
    clock.set_local(2026, 11, 25, 11, 45)
    h.open("W01")
    for _ in range(2):
        h.issue("XK-GA-001")
    # 20 minutes of work at W01 alone from 11:45: 15 before the 12:00-13:30 break, 5 after.
    r = h.do("kiosk-01", "ticket.issue", item="XK-GA-001")
    assert r["est_wait_min"] == pytest.approx(20 + 90)


def test_a_ticket_sent_to_a_window_waits_for_that_window(h: Hall, clock: FakeClock) -> None:
    h.open("W01", "W04")
    for _ in range(3):
        h.issue("XK-GA-001")  # 10 min, W01 and W04
    assert h.call("W04") == "A001"
    h.do("window-04", "window.start")
    assert h.call("W01") == "A002"
    h.do("window-01", "window.transfer", to_window="W04", note="")
    status = h.do("kiosk-01", "ticket.status", ticket="A002")
    # W01 is free, but only W04 calls A002: after the 10 minutes of A001 at its counter.
    assert status["windows"] == ["W04"]
    assert status["est_wait_min"] == pytest.approx(10)
    assert status["people_ahead"] == 0  # A003 came later
    # A new ticket goes to W01, which is free; transferred tickets count at their window.
    assert h.do("kiosk-01", "ticket.issue", item="XK-GA-001")["est_wait_min"] < 10
    late = h.do("kiosk-01", "ticket.status", ticket="A003")
    assert late["people_ahead"] == 1  # A002, sent to W04, goes first
    assert h.state.ahead_of(h.state.ticket_by_number("A003")) == 1


@pytest.mark.parametrize(
    ("minutes", "low", "high", "expected"),
    [
        (0.4, 0, 2, {"minutes": 0, "range": None}),
        (7.6, 4, 11, {"minutes": 8, "range": None}),
        (23.0, 17, 29, {"minutes": 25, "range": None}),
        (47.0, 30, 64, {"minutes": 45, "range": [30, 65]}),
        (96.0, 60, 131, {"minutes": 100, "range": [60, 135]}),
    ],
)
def test_shown_is_one_rounded_number_or_a_range(
    minutes: float, low: float, high: float, expected: dict[str, object]
) -> None:
    assert shown(minutes, low, high) == expected
