"""What the real service publishes is what ``hall.contract`` says: replies, events, snapshots."""

from __future__ import annotations

import time

import pytest

from broker.domains import RECORD_DOMAINS
from broker.state import HallState
from hall.contract import (
    EVENT_MODELS,
    RESULT_MODELS,
    event_data,
    result,
    snapshot_model,
)
from hall.contract.base import Event, Heartbeat
from tests.support import Collector, RunningHall

pytestmark = pytest.mark.broker


def test_every_folded_event_type_has_a_model() -> None:
    folded = set(HallState._HANDLERS)
    for domain in RECORD_DOMAINS:
        assert not folded & domain.event_types, f"{domain.name} folds a queue event"
        folded |= domain.event_types
    assert folded == set(EVENT_MODELS)


def test_the_service_ticket_is_the_contract_ticket() -> None:
    """One definition: the writer's record has the contract's fields, in its order, with its
    defaults, and what it publishes reads back through the contract unchanged."""
    from broker.state import Ticket as Record
    from hall.contract.queue import Ticket

    required = {n: "x" for n, f in Ticket.model_fields.items() if f.is_required()}
    required |= {"serial": 7, "rank": 2, "issued_at": 1.5, "order_key": 1.5}
    published = Record(**required).public()
    assert list(published) == list(Ticket.model_fields)
    assert Ticket.model_validate(published).model_dump(mode="json") == published
    assert (published["status"], published["printed"]) == ("waiting", "pending")
    assert type(published["status"]) is str  # the log holds strings, not the contract's enums


def test_the_attendance_leave_is_the_contract_leave() -> None:
    """One definition: the attendance record's leave has the contract's fields, in its order
    (then the sessions it covers), and a ``leave.list`` row of it reads back through the
    contract unchanged."""
    from dataclasses import fields
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from attendance.state import Leave
    from hall.conf.duty import SessionCode
    from hall.contract.attendance import LeaveEntry, LeaveRecord

    first = date(2026, 11, 26)
    leave = Leave(
        id="L00001", staff="S014", kind="personal", first=first, first_half="morning",
        last=first, last_half="afternoon", days=1.0, approver="duty_director",
        requested_by="S014", status="pending", sessions=[(first, SessionCode.MORNING)],
        requested_at=datetime(2026, 11, 25, 8, 40, 1, 500_000, ZoneInfo("Asia/Shanghai")),
    )  # fmt: skip
    assert [f.name for f in fields(Leave)] == [*LeaveRecord.model_fields, "sessions"]
    row = {**leave.public(), "can_decide": True}
    assert list(row) == list(LeaveEntry.model_fields)
    assert (row["first"], row["requested_at"]) == ("2026-11-26", "2026-11-25T08:40:01.500000+08:00")
    assert (row["reason"], row["decided_at"]) == ("", None)  # the contract's defaults
    assert LeaveEntry.model_validate(row).model_dump(mode="json") == row


def test_a_day_at_two_windows_conforms(hall: RunningHall) -> None:
    watcher = hall.client("display-lobby")
    seen = Collector()
    watcher.subscribe(hall.topics.events, seen)
    watcher.subscribe(hall.topics.state("#"), seen)
    watcher.subscribe(hall.topics.heartbeat, seen, qos=0)
    kiosk, w1, w4 = hall.client("kiosk-01"), hall.client("window-01"), hall.client("window-04")
    replies = []
    for item in ("XK-GA-001", "XK-GA-001", "XK-SJ-001", "XK-GA-001"):
        replies.append(kiosk.request("ticket.issue", {"item": item, "lang": "en"}))
    first = result(replies[0])
    replies.append(kiosk.request("ticket.print_result", {"ticket": first.ticket.id, "ok": True}))
    replies.append(kiosk.request("ticket.status", {"ticket": first.ticket.ref}))
    replies.append(kiosk.request("service.ping", {"nonce": "n"}))
    for w in (w1, w4):
        replies.append(w.request("window.open"))
    replies += [
        w1.request("window.call_next"),
        w1.request("window.recall"),
        w1.request("window.start"),
        w1.request("window.finish", {"outcome": "promised"}),
        w1.request("window.call_next"),
        w1.request("window.skip"),
        w4.request("window.call_next"),
        w4.request("window.transfer", {"to_window": "W01", "note": "n"}),
        w1.request("window.pause"),
    ]
    for reply in replies:
        assert reply.ok, reply
        if reply.type in RESULT_MODELS:
            typed = result(reply)
            assert typed.model_dump(by_alias=True, exclude_unset=True) is not None

    deadline = time.monotonic() + 10
    while not any(t.endswith("/heartbeat") for t, _b in seen.messages):
        assert time.monotonic() < deadline, "no heartbeat"
        time.sleep(0.05)
    types, snapshots = set(), set()
    root = hall.topics.root
    for topic, body in list(seen.messages):
        if topic == hall.topics.events:
            event = Event.model_validate(body)
            event_data(event)
            types.add(event.type)
        elif topic == hall.topics.heartbeat:
            Heartbeat.model_validate(body)
        else:
            name = topic.removeprefix(f"{root}/state/")
            snapshot_model(name).model_validate(body)
            snapshots.add(name.split("/")[0])
    assert {"ticket.issued", "ticket.called", "ticket.finished", "ticket.requeued"} <= types
    assert {"board", "queues", "service", "catalog", "window"} <= snapshots
