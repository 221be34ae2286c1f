"""Window terminal presenter without a broker: what the staff see and may press."""

from __future__ import annotations

from hall.conf import HallConfig
from terminal.presenter import WindowPresenter, format_duration

T0 = 1_795_744_800.0
ROOT = "hall/GY/v1"


def window_state(seq: int, status: str = "open", ticket: dict | None = None, served: int = 0):
    return {
        "seq": seq,
        "epoch": "e1",
        "window": {"id": "W01", "status": status, "after_hours": False, "served": served},
        "ticket": ticket,
    }


def test_idle_open_window(mini_config: HallConfig) -> None:
    p = WindowPresenter(mini_config, "W01", clock=lambda: T0)
    v = p.view()
    assert v.status == "unknown" and not any(v.enabled.values())
    assert v.connection == "offline"
    p.set_connected(True)
    p.handle(f"{ROOT}/state/window/W01", window_state(3, served=4))
    p.handle(f"{ROOT}/state/queues", {"items_waiting": {"XK-GA-001": 3, "XK-OTHER-001": 9}})
    v = p.view()
    assert v.connection == "online" and v.ticket is None and v.served_today == 4
    assert v.waiting == 3  # only the items this window serves
    on = {k for k, e in v.enabled.items() if e}
    assert on == {"call_next", "call", "pause", "close"}


def test_ticket_at_counter_and_timer(mini_config: HallConfig) -> None:
    p = WindowPresenter(mini_config, "W01", clock=lambda: T0)
    called = {
        "number": "A012",
        "status": "called",
        "called_at": T0 - 75,
        "calls": 2,
        "item": "XK-GA-001",
        "priority": "elderly",
    }
    p.handle(f"{ROOT}/state/window/W01", window_state(5, ticket=called))
    v = p.view()
    assert (v.ticket, v.ticket_status, v.at_counter_s, v.calls) == ("A012", "called", 75, 2)
    assert (v.item, v.priority) == ("XK-GA-001", "elderly")
    assert {k for k, e in v.enabled.items() if e} == {
        "recall",
        "start",
        "finish",
        "skip",
        "transfer",
    }
    serving = {**called, "status": "serving", "started_at": T0 - 10}
    p.handle(f"{ROOT}/state/window/W01", window_state(6, ticket=serving))
    v = p.view()
    assert v.at_counter_s == 10
    assert {k for k, e in v.enabled.items() if e} == {"finish", "transfer"}
    p.handle(f"{ROOT}/state/window/W01", window_state(4, ticket=None))  # older: ignored
    assert p.view().ticket == "A012"
    assert format_duration(75) == "01:15" and format_duration(3725) == "1:02:05"


def test_last_handled_from_events(mini_config: HallConfig) -> None:
    p = WindowPresenter(mini_config, "W01", clock=lambda: T0)
    events = [
        (7, "ticket.finished", {"ticket": "20261127-A010", "window": "W01", "outcome": "promised"}),
        (8, "ticket.requeued", {"ticket": "20261127-A011", "window": "W01", "skips": 1}),
        (9, "ticket.requeued", {"ticket": "20261127-A013", "window": "W01", "transfer": True}),
        (10, "ticket.finished", {"ticket": "20261127-B001", "window": "W02", "outcome": "joint"}),
    ]
    for seq, etype, data in events + events[:1]:  # a repeated event is not counted twice
        p.handle(f"{ROOT}/events", {"seq": seq, "type": etype, "data": {**data, "at": T0}})
    last = [(h.number, h.kind) for h in p.view().last]
    assert last == [("A013", "transferred"), ("A011", "skipped"), ("A010", "promised")]


def test_service_offline_and_after_hours(mini_config: HallConfig) -> None:
    p = WindowPresenter(mini_config, "W04", clock=lambda: T0)
    p.set_connected(True)
    p.handle(f"{ROOT}/status/queue-service", {"online": False})
    p.handle(f"{ROOT}/state/window/W04", {**window_state(1), "window": {"status": "closed"}})
    v = p.view()
    assert v.connection == "service_offline"
    assert v.after_hours_allowed and v.enabled["after_hours"] and v.enabled["open"]
    assert not WindowPresenter(mini_config, "W01").view().after_hours_allowed


def test_who_is_signed_in_comes_from_the_window_snapshot(mini_config: HallConfig) -> None:
    p = WindowPresenter(mini_config, "W01", clock=lambda: T0)
    assert p.view().staff is None and not p.view().sign_in_open
    p.set_sign_in_open(True)
    p.handle(f"{ROOT}/state/window/W01", {**window_state(2), "staff": None})
    assert p.view().staff is None and p.view().sign_in_open
    p.handle(
        f"{ROOT}/state/window/W01", {**window_state(3), "staff": {"staff": "S011", "name": "王"}}
    )
    v = p.view()
    assert v.staff == ("S011", "王") and not v.sign_in_open  # signed in: the panel closes
    p.handle(f"{ROOT}/state/window/W01", {**window_state(4), "staff": None})
    assert p.view().staff is None


def test_a_returning_ticket_shows_its_case_number(mini_config: HallConfig) -> None:
    p = WindowPresenter(mini_config, "W01", clock=lambda: T0)
    ticket = {"id": "20261127-R001", "number": "R001", "status": "called", "called_at": T0}
    p.handle(f"{ROOT}/state/window/W01", window_state(1, ticket=ticket))
    assert p.view().case_no is None
    returning = {**ticket, "case_no": "GY2026112500019"}
    p.handle(f"{ROOT}/state/window/W01", window_state(2, ticket=returning))
    assert p.view().case_no == "GY2026112500019"


def test_materials_typed_on_the_case_form() -> None:
    from terminal.presenter import parse_list, parse_materials

    assert parse_materials("申請書×1，身份證複印件 x2, 章程,  ") == [
        ("申請書", 1),
        ("身份證複印件", 2),
        ("章程", 1),
    ]
    assert parse_materials("Form X 3") == [("Form", 3)]
    assert parse_list("股東會決議原件，公司章程, ") == ["股東會決議原件", "公司章程"]


def test_the_window_sees_its_cases_due_soon_from_the_register(mini_config) -> None:  # type: ignore[no-untyped-def]
    from terminal.presenter import WindowPresenter

    p = WindowPresenter(mini_config, "W02")
    root = mini_config.topic_root
    flagged = {
        "W02": [
            {"number": "GY202611250001X", "flag": "overdue", "due": "2026-11-24"},
            {"number": "GY202611250002X", "flag": "due_today", "due": "2026-11-25"},
        ],
        "W01": [{"number": "GY202611250003X", "flag": "due_today", "due": "2026-11-25"}],
    }
    p.handle(f"{root}/state/cases", {"flagged": flagged, "open": 3, "overdue": 1})
    assert p.view().due_cases == (
        ("GY202611250001X", "overdue", "2026-11-24"),
        ("GY202611250002X", "due_today", "2026-11-25"),
    )
