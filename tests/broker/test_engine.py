"""Queue rules and window operations, on the engine alone (no broker, no database)."""

from __future__ import annotations

from typing import Any

import pytest

from broker.engine import Engine
from broker.state import HallState
from hall.conf import HallConfig
from hall.protocol import CommandRejected, parse_args
from tests.support import FakeClock


class Hall:
    """The engine driven the way the service drives it."""

    def __init__(self, config: HallConfig, clock: FakeClock, enforce_hours: bool = False):
        self.config = config
        self.clock = clock
        self.state = HallState()
        self.engine = Engine(config, self.state, clock, enforce_hours=enforce_hours)
        self.log: list[tuple[int, str, dict[str, Any]]] = []

    def do(self, client_id: str, ctype: str, **args: Any) -> dict[str, Any]:
        client = self.config.client_by_id[client_id]
        try:
            return self.engine.execute(client, ctype, parse_args(ctype, args))
        finally:
            self.log += [(e.seq, e.type, e.data) for e in self.engine.take_emitted()]

    def issue(self, item: str, priority: str = "normal", kiosk: str = "kiosk-01") -> str:
        extra = {}
        known = self.engine.config.item_by_code.get(item)
        if known is not None and known.real_name:  # 實名取號: a new person each time
            self.people = getattr(self, "people", 0) + 1
            extra = {"id_masked": "1101**********002X", "id_hash": f"{self.people:064x}"}
        reply = self.do(kiosk, "ticket.issue", item=item, priority=priority, **extra)
        return reply["ticket"]["number"]

    def open(self, *windows: str) -> None:
        for w in windows:
            self.do(f"window-{w[1:]}", "window.open")

    def call(self, window: str) -> str | None:
        ticket = self.do(f"window-{window[1:]}", "window.call_next")["ticket"]
        return ticket["number"] if ticket else None

    def finish(self, window: str, outcome: str = "immediate") -> None:
        self.do(f"window-{window[1:]}", "window.finish", outcome=outcome)


@pytest.fixture
def h(mini_config: HallConfig, clock: FakeClock) -> Hall:
    return Hall(mini_config, clock)


def test_numbers_run_per_prefix(h: Hall) -> None:
    assert [h.issue("XK-GA-001"), h.issue("XK-GA-002"), h.issue("XK-SJ-001")] == [
        "A001",
        "A002",
        "B001",
    ]
    assert h.issue("FX-SJ-001") == "B002"


def test_ticket_reference_is_ascii_and_unique_per_day(h: Hall) -> None:
    t = h.do("kiosk-01", "ticket.issue", item="XK-GA-001")["ticket"]
    assert t["ref"] == "GY-20261125-A001"
    assert t["ref"].isascii()


def test_day_rolls_over_at_local_midnight_and_keeps_history(h: Hall, clock: FakeClock) -> None:
    clock.set_local(2026, 11, 25, 23, 59, 59)
    assert h.issue("XK-GA-001") == "A001"
    assert h.issue("XK-GA-001") == "A002"
    # 16:00 UTC is midnight in Asia/Shanghai: a UTC "today" would still say the 25th.
    clock.set_local(2026, 11, 26, 0, 0, 1)
    t = h.do("kiosk-01", "ticket.issue", item="XK-GA-001")["ticket"]
    assert (t["number"], t["day"], t["id"]) == ("A001", "2026-11-26", "20261126-A001")
    voided = [d["ticket"] for _s, e, d in h.log if e == "ticket.voided"]
    assert voided == ["20261125-A001", "20261125-A002"]
    assert [d["day"] for _s, e, d in h.log if e == "day.opened"] == ["2026-11-25", "2026-11-26"]


def test_people_ahead_and_wait_use_the_windows_serving_the_item(h: Hall, clock: FakeClock) -> None:
    first = h.do("kiosk-01", "ticket.issue", item="XK-GA-001")
    assert (first["people_ahead"], first["est_wait_min"]) == (0, 0)
    assert first["est_wait"] == {"minutes": 0, "range": None}
    h.issue("XK-GA-001")
    third = h.do("kiosk-01", "ticket.issue", item="XK-GA-001")
    # No window open yet: the two configured windows (W01, W04) will serve 2 x 10 minutes.
    assert third["people_ahead"] == 2
    assert third["est_wait_min"] == pytest.approx(2 * 10.0 / 2)
    h.open("W01")
    # Only W01 is open now: it does the whole queue (3 x 10 minutes) alone.
    assert h.do("kiosk-01", "ticket.issue", item="XK-GA-001")["est_wait_min"] == pytest.approx(30.0)


def test_priority_first_then_longest_wait(h: Hall, clock: FakeClock) -> None:
    h.open("W01")
    h.issue("XK-GA-001")
    clock.advance(5)
    h.issue("XK-GA-001", priority="elderly")
    clock.advance(5)
    h.issue("XK-GA-002", priority="returning")
    order = []
    for _ in range(3):
        order.append(h.call("W01"))
        h.finish("W01")
    assert order == ["A002", "A003", "A001"]
    assert h.call("W01") is None


def test_priority_cannot_starve_normal_tickets(h: Hall, clock: FakeClock) -> None:
    h.open("W01")
    h.issue("XK-GA-001")  # A001 normal, waits
    for _ in range(6):
        clock.advance(1)
        h.issue("XK-GA-001", priority="elderly")
    calls = []
    for _ in range(5):
        calls.append(h.call("W01"))
        h.finish("W01")
    # max_consecutive_priority = 3: the fourth call takes the waiting normal ticket.
    assert calls == ["A002", "A003", "A004", "A001", "A005"]


def test_normal_ticket_waiting_too_long_goes_first(h: Hall, clock: FakeClock) -> None:
    h.open("W01")
    h.issue("XK-GA-001")
    clock.advance(31 * 60)  # starvation_minutes = 30
    h.issue("XK-GA-001", priority="elderly")
    assert h.call("W01") == "A001"


def test_window_serves_only_its_items(h: Hall) -> None:
    h.open("W03")
    h.issue("XK-GA-001")
    assert h.call("W03") is None
    h.issue("XK-SW-001")
    assert h.call("W03") == "E001"


def test_skip_requeues_behind_three_then_voids(h: Hall) -> None:
    h.open("W01")
    for _ in range(6):
        h.issue("XK-GA-001")
    assert h.call("W01") == "A001"
    result = h.do("window-01", "window.skip")
    assert result["requeued"] is True
    calls = [h.call("W01")]
    h.finish("W01")
    for _ in range(3):
        calls.append(h.call("W01"))
        h.finish("W01") if calls[-1] != "A001" else h.do("window-01", "window.skip")
    assert calls == ["A002", "A003", "A004", "A001"]
    # Second no-show requeues again; the third voids it (max_skips = 2).
    while (number := h.call("W01")) != "A001":
        assert number is not None
        h.finish("W01")
    assert h.do("window-01", "window.skip")["requeued"] is False
    assert h.state.ticket_by_number("A001").status == "void"
    assert h.state.ticket_by_number("A001").void_reason == "no_show"


def test_transfer_keeps_issue_time(h: Hall, clock: FakeClock) -> None:
    h.open("W01", "W03")
    h.issue("XK-GA-001")  # A001, the oldest
    clock.advance(60)
    h.issue("XK-SW-001")  # E001
    assert h.call("W01") == "A001"
    h.do("window-01", "window.transfer", to_window="W03")
    t = h.state.ticket_by_number("A001")
    assert (t.status, t.target_window, t.transfers) == ("waiting", "W03", 1)
    # At W03, the transferred ticket goes before E001 because it was issued earlier.
    assert h.call("W03") == "A001"
    h.finish("W03")
    assert h.call("W03") == "E001"


def test_transfer_to_another_item(h: Hall) -> None:
    h.open("W01", "W02")
    h.issue("XK-GA-001")
    assert h.call("W01") == "A001"
    h.do("window-01", "window.transfer", to_item="FX-SJ-001")
    assert h.call("W02") == "A001"


def test_window_rules(h: Hall) -> None:
    h.issue("XK-GA-001")
    with pytest.raises(CommandRejected) as exc:
        h.call("W01")
    assert exc.value.code == "window_closed"
    h.open("W01")
    assert h.call("W01") == "A001"
    for op in ("window.call_next", "window.close", "window.pause"):
        with pytest.raises(CommandRejected) as exc:
            h.do("window-01", op)
        assert exc.value.code == "window_busy"
    h.do("window-01", "window.recall")
    assert h.state.ticket_by_number("A001").calls == 2
    h.do("window-01", "window.start")
    with pytest.raises(CommandRejected) as exc:
        h.do("window-01", "window.skip")
    assert exc.value.code == "wrong_ticket_state"
    h.finish("W01", "promised")
    t = h.state.ticket_by_number("A001")
    assert (t.status, t.outcome) == ("done", "promised")
    h.do("window-01", "window.pause")
    with pytest.raises(CommandRejected) as exc:
        h.call("W01")
    assert exc.value.code == "window_paused"
    with pytest.raises(CommandRejected) as exc:
        h.do("window-01", "window.after_hours", on=True)
    assert exc.value.code == "not_after_hours_window"


def test_call_a_ticket_by_number(h: Hall) -> None:
    h.open("W01")
    h.issue("XK-GA-001")
    h.issue("XK-GA-001")
    assert h.do("window-01", "window.call", number="A002")["ticket"]["number"] == "A002"
    h.finish("W01")
    with pytest.raises(CommandRejected) as exc:
        h.do("window-01", "window.call", number="A002")
    assert exc.value.code == "ticket_not_waiting"
    with pytest.raises(CommandRejected) as exc:
        h.do("window-01", "window.call", number="Z999")
    assert exc.value.code == "unknown_ticket"


def test_kiosk_cannot_choose_vip_and_unknown_items_are_refused(h: Hall) -> None:
    with pytest.raises(CommandRejected) as exc:
        h.issue("XK-GA-001", priority="vip")
    assert exc.value.code == "priority_not_allowed"
    with pytest.raises(CommandRejected) as exc:
        h.issue("NO-SUCH-001")
    assert exc.value.code == "unknown_item"
    assert h.state.tickets == {}


def test_opening_hours(mini_config: HallConfig, clock: FakeClock) -> None:
    h = Hall(mini_config, clock, enforce_hours=True)
    clock.set_local(2026, 11, 25, 7, 30)
    with pytest.raises(CommandRejected) as exc:
        h.issue("XK-GA-001")
    assert exc.value.code == "hall_closed"
    clock.set_local(2026, 11, 28, 10, 0)  # Saturday
    with pytest.raises(CommandRejected):
        h.issue("XK-GA-001")
    clock.set_local(2026, 11, 25, 18, 30)  # after hours: only via an after-hours window
    with pytest.raises(CommandRejected):
        h.issue("XK-GA-001")
    h.open("W04")
    h.do("window-04", "window.after_hours", on=True)
    assert h.issue("XK-GA-001") == "A001"
    with pytest.raises(CommandRejected):
        h.issue("XK-SW-001")  # tax is not served after hours
    h.open("W01")
    with pytest.raises(CommandRejected) as exc:
        h.call("W01")
    assert exc.value.code == "hall_closed"
    assert h.call("W04") == "A001"


def test_replaying_the_events_rebuilds_the_same_state(h: Hall, clock: FakeClock) -> None:
    h.open("W01", "W02")
    for item in ("XK-GA-001", "XK-SJ-001", "XK-GA-002", "FX-SJ-001"):
        h.issue(item)
        clock.advance(7)
    h.call("W01")
    h.do("window-01", "window.skip")
    h.call("W01")
    h.call("W02")
    h.do("window-02", "window.transfer", to_window="W01")
    rebuilt = HallState()
    for seq, etype, data in h.log:
        rebuilt.apply(seq, etype, data)
    assert rebuilt.tickets == h.state.tickets
    assert rebuilt.windows == h.state.windows
    assert rebuilt.waiting == h.state.waiting
    assert rebuilt.targeted == h.state.targeted
    assert rebuilt.counters == h.state.counters


def test_a_persons_daily_limit_counts_todays_tickets_after_a_replay_and_not_yesterdays(
    sample_config: HallConfig, clock: FakeClock
) -> None:
    """實名取號: the tickets one ID took today are counted as they are issued, rebuilt by a
    replay of the log, and start again at a new business day."""
    limit = sample_config.hall_file.queue.real_name_daily_limit
    item = next(i.code for i in sample_config.items if i.real_name)
    person = {"id_masked": "1101**********002X", "id_hash": "ab" * 32}
    h = Hall(sample_config, clock)
    for _ in range(limit):
        h.do("kiosk-01", "ticket.issue", item=item, **person)
    replayed = HallState()
    for seq, etype, data in h.log:
        replayed.apply(seq, etype, data)
    h.state = h.engine.state = replayed
    h.engine.fold = replayed.apply
    with pytest.raises(CommandRejected) as refused:
        h.do("kiosk-02", "ticket.issue", item=item, **person)
    assert refused.value.code == "real_name_limit"
    clock.advance(24 * 3600)
    h.do("kiosk-02", "ticket.issue", item=item, **person)
