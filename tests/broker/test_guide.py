"""The guide officer's desk, staff sign-in, complaints, appointments and ratings, over the real
broker and service (issue 9)."""

from __future__ import annotations

import pytest

from hall.codes import mask_id
from hall.idhash import id_hash
from hall.mqtt import HallClient, NotAuthorized
from tests.support import Collector, FakeClock, RunningHall

pytestmark = [pytest.mark.broker, pytest.mark.service_on_clock]  # `hall` runs on `clock`

GOOD_ID = "11010519491231002X"
OTHER_ID = "130127196211191209"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock.local(2026, 11, 25, 9, 40)  # a Wednesday, a working day


def _error(client: HallClient, ctype: str, args: dict | None = None) -> str:
    reply = client.request(ctype, args or {})
    assert not reply.ok, reply
    assert reply.error is not None
    return reply.error.code


def _guide(hall: RunningHall) -> HallClient:
    guide = hall.client("guide-01")
    guide.command("staff.sign_in", {"staff": "S004", "pin": "1234"})
    return guide


def test_guide_commands_need_a_signed_in_guide_officer(hall: RunningHall) -> None:
    guide = hall.client("guide-01")
    assert _error(guide, "guide.notice", {"text": {"zh-Hant": "x"}}) == "sign_in_required"
    assert _error(guide, "staff.sign_in", {"staff": "S004", "pin": "9999"}) == "sign_in_refused"
    assert _error(guide, "staff.sign_in", {"staff": "S999", "pin": "1234"}) == "sign_in_refused"
    assert _error(guide, "staff.sign_in", {"staff": "S011", "pin": "1234"}) == "wrong_role"
    signed = guide.command("staff.sign_in", {"staff": "S004", "pin": "1234"})
    assert signed["staff"]["name"] == "陳導辦"


@pytest.mark.parametrize("client", ["kiosk-01", "window-01", "display-lobby", "rating-01"])
def test_only_the_guide_role_may_send_guide_commands(hall: RunningHall, client: str) -> None:
    other = hall.client(client)
    with pytest.raises(NotAuthorized):
        other.request("guide.move", {"ticket": "A001", "to_window": "W04"}, attempts=1)


def test_move_prioritise_void_reprint_keep_the_queue_right(hall: RunningHall) -> None:
    events = Collector()
    watcher = hall.client("display-lobby")
    watcher.subscribe(hall.topics.events, events)
    kiosk, guide, w1 = hall.client("kiosk-01"), _guide(hall), hall.client("window-01")
    first = kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]
    second = kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]
    third = kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]

    moved = guide.command("guide.move", {"ticket": first["number"], "to_window": "W04"})
    assert moved["ticket"]["target_window"] == "W04"
    assert moved["ticket"]["order_key"] == first["order_key"], "keeps its place"
    raised = guide.command("guide.prioritise", {"ticket": third["number"], "priority": "vip"})
    assert (raised["ticket"]["priority"], raised["ticket"]["rank"]) == ("vip", 4)
    voided = guide.command("guide.void", {"ticket": second["number"], "reason": "duplicate"})
    assert voided["ticket"]["status"] == "void"
    guide.command("guide.reprint", {"ticket": third["number"], "kiosk": "kiosk-02"})
    assert _error(guide, "guide.reprint", {"ticket": "A003", "kiosk": "display-lobby"}) == (
        "unknown_kiosk"
    )

    w1.command("window.open")
    assert w1.command("window.call_next")["ticket"]["number"] == third["number"]  # VIP first
    w4 = hall.client("window-04")
    w4.command("window.open")
    assert w4.command("window.call_next")["ticket"]["number"] == first["number"]
    assert _error(guide, "guide.move", {"ticket": first["number"], "to_window": "W01"}) == (
        "ticket_not_waiting"
    )
    _t, reprint = events.wait_for(lambda t, b: b.get("type") == "ticket.reprint")
    assert reprint["data"] == {"ticket": third["id"], "kiosk": "kiosk-02", "by": "S004"}
    _t, move = events.wait_for(lambda t, b: b.get("type") == "ticket.moved")
    assert move["data"]["by"] == "S004"


def test_the_guide_opens_a_window_and_sets_the_notice(hall: RunningHall) -> None:
    guide = _guide(hall)
    state = Collector()
    watcher = hall.client("display-lobby")
    watcher.subscribe(hall.topics.state("#"), state)
    assert (
        guide.command("guide.window", {"window": "W02", "status": "open"})["window"]["status"]
        == "open"
    )
    guide.command("guide.notice", {"text": {"zh-Hant": "午休 12:00-13:30", "en": "Lunch"}})
    _t, notice = state.wait_for(
        lambda t, b: t.endswith("/state/notice") and b.get("text", {}).get("en") == "Lunch"
    )
    assert notice["text"] == {"zh-Hant": "午休 12:00-13:30", "en": "Lunch"}
    assert notice["by"] == "S004"
    state.wait_for(lambda t, b: t.endswith("/state/window/W02") and b["window"]["status"] == "open")


def test_window_staff_sign_in_shows_who_serves_and_signs_every_event(hall: RunningHall) -> None:
    state, events = Collector(), Collector()
    watcher = hall.client("display-lobby")
    watcher.subscribe(hall.topics.state("window/W01"), state)
    watcher.subscribe(hall.topics.events, events)
    w1 = hall.client("window-01")
    w1.command("staff.sign_in", {"staff": "S011", "pin": "1234"})
    _t, snap = state.wait_for(lambda t, b: (b.get("staff") or {}).get("staff") == "S011")
    assert snap["staff"]["name"] == "趙窗口"
    w1.command("window.open")
    _t, opened = events.wait_for(lambda t, b: b.get("type") == "window.changed")
    assert opened["data"]["by"] == "S011"
    w1.command("staff.sign_out")
    state.wait_for(lambda t, b: b.get("staff") is None and b["seq"] > snap["seq"])


def test_complaints_are_logged_followed_closed_and_outlive_a_restart(
    hall: RunningHall, clock: FakeClock
) -> None:
    guide = _guide(hall)
    opened = guide.command(
        "complaint.open",
        {"applicant": "王先生 138-0000-1234", "what": "等候過久", "window": "W02"},
    )["complaint"]
    cid = opened["id"]
    assert cid == "C20261125-001" and opened["by"] == "S004"
    guide.command("complaint.follow", {"complaint": cid, "note": "已聯繫窗口負責人"})

    hall.stop_service()  # the complaint is long-lived: a restart restores it
    hall.start_service(clock=clock)
    guide = _guide(hall)
    closed = guide.command("complaint.close", {"complaint": cid, "result": "已致歉，已辦結"})
    entry = closed["complaint"]
    assert entry["status"] == "closed" and entry["closed_by"] == "S004"
    assert [f["note"] for f in entry["follow_up"]] == ["已聯繫窗口負責人"]
    assert _error(guide, "complaint.close", {"complaint": cid, "result": "x"}) == (
        "complaint_closed"
    )


def test_appointments_book_within_capacity_and_check_in_once(
    hall: RunningHall, clock: FakeClock
) -> None:
    guide, kiosk = _guide(hall), hall.client("kiosk-01")
    book = {
        "day": "2026-11-25",
        "slot": "11:00",
        "item": "XK-SW-001",
        "name": "林",
        "phone": "13800001234",
    }
    codes = [guide.command("appointment.book", book)["appointment"]["code"] for _ in range(10)]
    assert len(set(codes)) == 10
    assert _error(guide, "appointment.book", book) == "fully_booked"
    assert _error(guide, "appointment.book", {**book, "day": "2026-11-28"}) == "not_a_working_day"

    assert _error(kiosk, "ticket.check_in", {"code": codes[0]}) == "appointment_early"
    clock.set_local(2026, 11, 25, 10, 50)
    on_time = kiosk.command("ticket.check_in", {"code": codes[0]})
    assert (on_time["ticket"]["priority"], on_time["late"]) == ("appointment", False)
    assert on_time["appointment"]["phone"] == "138****1234"
    assert _error(kiosk, "ticket.check_in", {"code": codes[0]}) == "appointment_used"
    clock.set_local(2026, 11, 25, 11, 20)
    late = kiosk.command("ticket.check_in", {"code": codes[1].lower()})
    assert (late["ticket"]["priority"], late["late"]) == ("normal", True)
    guide.command("appointment.cancel", {"code": codes[2]})
    assert _error(kiosk, "ticket.check_in", {"code": codes[2]}) == "appointment_cancelled"


def test_a_real_name_appointment_checks_in_with_the_id_scan_and_its_daily_limit(
    hall: RunningHall, clock: FakeClock
) -> None:
    """實名取號 with an appointment: the masked ID and the keyed hash go with the code; the
    per-person limit counts walk-in and appointment tickets; a refusal leaves the code unused."""
    guide, kiosk = _guide(hall), hall.client("kiosk-01")
    book = {
        "day": "2026-11-25",
        "slot": "10:00",
        "item": "XK-GA-002",
        "name": "林",
        "phone": "13800001234",
    }
    codes = [guide.command("appointment.book", book)["appointment"]["code"] for _ in range(3)]
    plain = guide.command("appointment.book", {**book, "item": "XK-GA-001"})["appointment"]
    person = {"id_masked": mask_id(GOOD_ID), "id_hash": id_hash(GOOD_ID, b"k" * 32)}
    reply = kiosk.request("ticket.check_in", {"code": codes[0]})
    assert not reply.ok and reply.error is not None
    assert (reply.error.code, reply.error.details["item"]) == ("real_name_required", "XK-GA-002")
    assert _error(kiosk, "ticket.check_in", {"code": codes[0], "id_hash": person["id_hash"]}) == (
        "real_name_required"  # the hash alone is not an ID scan
    )
    assert _booking(hall, codes[0])["status"] == "booked"
    first = kiosk.command("ticket.check_in", {"code": codes[0], **person})
    assert (first["ticket"]["priority"], first["late"]) == ("appointment", False)
    assert first["ticket"]["id_masked"] == "1101**********002X"
    assert first["ticket"]["id_hash"] == person["id_hash"]
    assert GOOD_ID not in str(first)
    assert _error(kiosk, "ticket.check_in", {"code": codes[0], **person}) == "appointment_used"
    kiosk.command("ticket.issue", {"item": "XK-GA-002", **person})  # walk-ins count too
    kiosk.command("ticket.issue", {"item": "XK-GA-002", **person})
    reply = kiosk.request("ticket.check_in", {"code": codes[1], **person})
    assert not reply.ok and reply.error is not None
    assert (reply.error.code, reply.error.details["limit"]) == ("real_name_limit", 3)
    assert _booking(hall, codes[1])["status"] == "booked"
    other = {"id_masked": mask_id(OTHER_ID), "id_hash": id_hash(OTHER_ID, b"k" * 32)}
    clock.set_local(2026, 11, 25, 10, 20)  # past the grace: a normal ticket, same rules
    late = kiosk.command("ticket.check_in", {"code": codes[1], **other})
    assert (late["ticket"]["priority"], late["late"]) == ("normal", True)
    assert late["ticket"]["id_hash"] == other["id_hash"]
    # an item that is not real-name keeps the masked ID but not the hash
    kept = kiosk.command("ticket.check_in", {"code": plain["code"], **person})["ticket"]
    assert (kept["id_masked"], kept["id_hash"]) == ("1101**********002X", None)


def _booking(hall: RunningHall, code: str) -> dict:
    assert hall.service is not None
    domain = next(d for d in hall.service.records.domains if d.name == "appointments")
    return domain.bookings[code]


def test_the_rating_pad_rates_a_finished_ticket_once(hall: RunningHall) -> None:
    state = Collector()
    watcher = hall.client("display-lobby")
    watcher.subscribe(hall.topics.state("ratings"), state)
    kiosk, w1 = hall.client("kiosk-01"), hall.client("window-01")
    number = kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]["number"]
    w1.command("window.open")
    w1.command("window.call_next")
    pad, other = hall.client("rating-01"), hall.client("rating-02")
    assert _error(pad, "rating.submit", {"ticket": number, "level": 5}) == "not_finished"
    w1.command("window.start")
    w1.command("window.finish")
    assert _error(other, "rating.submit", {"ticket": number, "level": 5}) == "not_served_here"
    rated = pad.command("rating.submit", {"ticket": number, "level": 1, "reason": "態度差"})
    assert rated["rating"]["window"] == "W01"
    assert _error(pad, "rating.submit", {"ticket": number, "level": 5}) == "already_rated"
    _t, ratings = state.wait_for(lambda t, b: b.get("low"))
    assert ratings["today"]["1"] == 1 and ratings["low"][0]["reason"] == "態度差"
