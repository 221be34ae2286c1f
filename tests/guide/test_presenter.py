"""The guide console's presenter without a window or a broker: snapshots, statuses and
events in, view state out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from guide.presenter import (
    GuidePresenter,
    KioskRow,
    ago_text,
    printer_state,
    reason_text,
    scanner_state,
)
from hall.conf import HallConfig
from hall.contract.base import ClientStatus
from hall.contract.queue import Ticket
from hall.i18n import LANGUAGES, catalog
from hall.mqtt import status_payload
from tests.support import FakeClock

ROOT = "hall/GY/v1"
DAY = "2026-11-25"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock.local(2026, 11, 25, 10, 0)


@pytest.fixture
def p(mini_config: HallConfig, clock: FakeClock) -> GuidePresenter:
    presenter = GuidePresenter(mini_config, clock)
    assert presenter.topics.root == ROOT
    presenter.set_connected(True)
    return presenter


def _ticket(number: str, issued_at: float, item: str = "XK-GA-001", **kw: Any) -> dict:
    serial = int(number[1:])
    return Ticket(
        id=f"20261125-{number}", ref=f"GY-20261125-{number}", day=DAY, number=number,
        prefix=number[0], serial=serial, item=item, priority=kw.pop("priority", "normal"),
        rank=kw.pop("rank", 0), issued_at=issued_at, order_key=issued_at, kiosk="kiosk-01", **kw,
    ).model_dump(mode="json")  # fmt: skip


class Feed:
    def __init__(self, p: GuidePresenter) -> None:
        self.p, self.seq = p, 0

    def event(self, etype: str, **data: Any) -> None:
        self.seq += 1
        body = {"seq": self.seq, "epoch": "e1", "type": etype, "at": "", "day": DAY, "data": data}
        self.p.handle(f"{ROOT}/events", body)

    def state(self, name: str, **body: Any) -> None:
        stamp = {"seq": self.seq, "epoch": "e1", "day": DAY, "at": "2026-11-25T10:00:00+08:00"}
        self.p.handle(f"{ROOT}/state/{name}", {**stamp, **body})


def test_waiting_list_in_call_order_with_waits_moves_and_priorities(p, clock) -> None:
    feed, now = Feed(p), clock()
    for i, number in enumerate(("A001", "A002", "A003")):
        feed.event("ticket.issued", ticket=_ticket(number, now - 600 + i * 60), ahead=i,
                   est_wait_min=5.0)  # fmt: skip
    feed.event("ticket.prioritised", ticket="20261125-A003", priority="vip", rank=4, by="S004")
    feed.event("ticket.moved", ticket="20261125-A001", item="XK-GA-002", target_window="W04")
    feed.event("ticket.called", ticket="20261125-A002", number="A002", item="XK-GA-001",
               window="W01", at=now)  # fmt: skip
    v = p.view()
    assert [(r.number, r.priority, r.item, r.target_window, r.wait_min) for r in v.waiting] == [
        ("A003", "vip", "XK-GA-001", None, 8),
        ("A001", "normal", "XK-GA-002", "W04", 10),
    ]
    feed.event("ticket.requeued", ticket="20261125-A002", order_key=now, skips=1, window="W01")
    assert [r.number for r in p.view().waiting] == ["A003", "A001", "A002"]
    feed.event("ticket.voided", ticket="20261125-A001", reason="guide", note="dup")
    assert [r.number for r in p.view().waiting] == ["A003", "A002"]


def test_unprinted_tickets_until_a_reprint_and_unseen_ones_counted(p, clock) -> None:
    feed, now = Feed(p), clock()
    feed.event("ticket.issued", ticket=_ticket("A001", now), ahead=0, est_wait_min=1.0)
    feed.event("ticket.printed", ticket="20261125-A001", ok=False, error="paper_out")
    v = p.view()
    assert [r.number for r in v.unprinted] == ["A001"]
    assert v.waiting[0].printed == "failed"
    feed.event("ticket.reprint", ticket="20261125-A001", kiosk="kiosk-02")
    assert p.view().unprinted == ()
    prefix = {"waiting": 3, "open_windows": 1, "service_minutes": 8.0, "est_wait_min": 16.0,
              "last_issued": 3}  # fmt: skip
    feed.state("queues", prefixes={"A": prefix}, items_waiting={"XK-GA-001": 3})
    v = p.view()
    assert v.unseen_waiting == 2, "two waited before the console connected"
    assert v.prefixes == (("A", 3, 16.0),)


def test_windows_staff_kiosks_and_the_service(p) -> None:
    feed = Feed(p)
    board_w = {"status": "closed", "after_hours": False, "current": None, "current_status": None}
    feed.state("board", recent_calls=[], windows={"W01": board_w, "W02": {**board_w,
               "status": "paused"}})  # fmt: skip
    feed.state("window/W01", window={"status": "open", "after_hours": False},
               ticket={"number": "A007", "status": "serving"},
               staff={"staff": "S011", "name": "趙窗口"})  # fmt: skip
    feed.state("staff", on_duty=[{"client": "guide-01", "staff": "S004", "name": "陳導辦"}])
    p.handle(
        f"{ROOT}/status/kiosk-02", {"client": "kiosk-02", "online": True, "printer": "paper_out"}
    )
    p.handle(f"{ROOT}/status/window-01", {"client": "window-01", "online": True})
    v = p.view()
    rows = {w.window: w for w in v.windows}
    assert (rows["W01"].status, rows["W01"].current, rows["W01"].staff) == (
        "open",
        "A007",
        "趙窗口",
    )
    assert rows["W02"].status == "paused" and rows["W03"].status == "unknown"
    assert [(k.client, k.online, k.printer, k.scanner) for k in v.kiosks] == [
        ("kiosk-01", None, "unknown", None),
        ("kiosk-02", True, "paper_out", None),
    ]
    assert v.connection == "online"
    p.set_service_responding(False)
    assert p.view().connection == "service_offline"
    p.set_connected(False)
    assert p.view().connection == "offline"


def _kiosk(p: GuidePresenter, client: str, body: dict[str, Any]) -> KioskRow:
    p.handle(f"{ROOT}/status/{client}", body)
    return next(k for k in p.view().kiosks if k.client == client)


def test_kiosk_printer_and_scanner_from_its_retained_status(p) -> None:
    """What a kiosk publishes (``kiosk/desk.py``): ``printer.fault.*`` keys and ``scan.*``."""
    status = {"client": "kiosk-02", "online": True, "app": "kiosk", "location": "hall"}
    k = _kiosk(p, "kiosk-02", {**status, "printer": "ok", "scanner": "ok"})
    assert (k.online, k.printer, k.scanner, k.alert) == (True, "ok", "ok", False)
    assert k.text_keys() == ("guide.printer.ok", "guide.scanner.ok")

    k = _kiosk(p, "kiosk-02", {**status, "printer": "ok", "scanner": "scan.camera_fault"})
    assert (k.printer, k.scanner, k.alert) == ("ok", "camera_fault", True), "scanner alone"
    assert k.text_keys() == ("guide.printer.ok", "guide.scanner.camera_fault")

    k = _kiosk(p, "kiosk-02", {**status, "printer": "printer.fault.paper_out", "scanner": "ok"})
    assert (k.printer, k.scanner, k.alert) == ("paper_out", "ok", True), "printer alone"
    assert k.text_keys() == ("guide.printer.paper_out", "guide.scanner.ok")

    k = _kiosk(p, "kiosk-02", {**status, "printer": "printer.fault.cover_open",
                               "scanner": "scan.scanner_fault"})  # fmt: skip
    assert (k.printer, k.scanner, k.alert) == ("cover_open", "scanner_fault", True)
    assert k.text_keys() == ("guide.printer.cover_open", "guide.scanner.scanner_fault")

    k = _kiosk(p, "kiosk-02", {**status, "printer": "printer.fault.smoke", "scanner": "scan.x"})
    assert (k.printer, k.scanner, k.alert) == ("generic", "fault", True), "keys it has no text for"

    k = _kiosk(p, "kiosk-02", {**status, "printer": "none"})
    assert (k.printer, k.scanner, k.alert) == ("none", None, True), "no printer, scanner unsaid"
    assert k.text_keys() == ("guide.printer.none",)

    k = _kiosk(p, "kiosk-02", {**status, "printer": "unknown", "scanner": "ok"})
    assert k.alert is False, "a printer not asked yet is no fault"


def _status(client: str, state: str, since: float | None, at: float | None = None, **extra):
    """A status as the writer makes it (``hall.mqtt.status_payload``), ``at`` on our clock."""
    body = json.loads(status_payload(client, state, since, **extra))  # type: ignore[arg-type]
    if at is not None:
        body["at"] = at
    assert ClientStatus.model_validate(body).presence == state
    return body


def test_a_kiosk_without_status_or_offline_from_before_the_state_was_given(p) -> None:
    k = next(k for k in p.view().kiosks if k.client == "kiosk-01")
    assert (k.online, k.alert, k.text_keys()) == (None, True, ("guide.kiosk.no_status",))
    old_will = {"client": "kiosk-01", "online": False, "app": "kiosk", "printer": "ok",
                "scanner": "scan.camera_fault"}  # fmt: skip
    k = _kiosk(p, "kiosk-01", old_will)
    assert (k.online, k.presence, k.alert, k.text_keys()) == (
        False, "offline", True, ("guide.kiosk.offline",),
    ), "offline alone: the devices' last states are stale"  # fmt: skip
    k = _kiosk(p, "kiosk-01", {**old_will, "reason": "lost"})
    assert (k.presence, k.alert) == ("lost", True), "read from reason, as retained from before"
    k = _kiosk(p, "kiosk-01", {**old_will, "online": True, "scanner": "ok"})
    assert (k.online, k.presence, k.alert) == (True, "online", False)
    k = _kiosk(p, "kiosk-01", {})  # the retained status cleared
    assert (k.online, k.alert, k.text_keys()) == (None, True, ("guide.kiosk.no_status",))
    p.handle(f"{ROOT}/status/window-01", {"client": "window-01", "online": False})
    assert [k.client for k in p.view().kiosks] == ["kiosk-01", "kiosk-02"], "kiosks only"


def test_a_kiosk_lost_while_the_console_watched_is_dated_when_heard(p, clock) -> None:
    since = clock() - 3600
    k = _kiosk(p, "kiosk-01", _status("kiosk-01", "online", since, app="kiosk", printer="ok"))
    assert (k.presence, k.alert, k.minutes_ago) == ("online", False, None)
    clock.advance(120)
    k = _kiosk(p, "kiosk-01", _status("kiosk-01", "lost", since))  # its Last Will, live
    assert (k.online, k.presence, k.alert) == (False, "lost", True)
    assert (k.text_keys(), k.minutes_ago, k.ago()) == (
        ("guide.kiosk.lost",), 0, ("guide.ago.now", {}),
    ), "lost just now, not two minutes ago (the will carries no time)"  # fmt: skip
    clock.advance(7 * 60 + 59)
    k = next(k for k in p.view().kiosks if k.client == "kiosk-01")
    assert k.ago() == ("guide.ago.minutes", {"minutes": 7})
    clock.advance(60 * 60)
    p.handle(f"{ROOT}/status/kiosk-01", _status("kiosk-01", "lost", since))  # resubscribed
    k = next(k for k in p.view().kiosks if k.client == "kiosk-01")
    assert k.ago() == ("guide.ago.hours", {"hours": 1, "minutes": 7}), "heard again: same loss"
    assert k.lost_before is None


def test_a_loss_the_console_did_not_see_happen_is_lost_before_it_heard(p, clock) -> None:
    since = clock() - 3600
    k = _kiosk(p, "kiosk-01", _status("kiosk-01", "lost", since))  # retained when subscribing
    assert (k.presence, k.alert, k.minutes_ago, k.ago()) == ("lost", True, None, None)
    assert (k.text_keys(), k.lost_before) == (("guide.kiosk.lost_before",), "10:00")
    clock.advance(300)
    assert next(k for k in p.view().kiosks if k.client == "kiosk-01").lost_before == "10:00"
    # Online on one connection, the will of another (the console missed a reconnect): the
    # loss is not dated either.
    _kiosk(p, "kiosk-02", _status("kiosk-02", "online", since))
    k = _kiosk(p, "kiosk-02", _status("kiosk-02", "lost", since + 600))
    assert (k.presence, k.minutes_ago, k.lost_before) == ("lost", None, "10:05")
    # Back online: the loss is forgotten.
    k = _kiosk(p, "kiosk-01", _status("kiosk-01", "online", clock(), printer="ok"))
    assert (k.presence, k.alert, k.lost_before, k.text_keys()) == (
        "online", False, None, ("guide.printer.ok",),
    )  # fmt: skip


def test_a_kiosk_closed_on_purpose_is_no_alarm_and_says_when(p, clock) -> None:
    since = clock() - 8 * 3600
    _kiosk(p, "kiosk-02", _status("kiosk-02", "online", since, printer="printer.fault.paper_out"))
    k = _kiosk(p, "kiosk-02", _status("kiosk-02", "closed", since, at=clock() - 65 * 60))
    assert (k.online, k.presence, k.alert) == (False, "closed", False), "shut down: no (!)"
    assert (k.text_keys(), k.ago()) == (
        ("guide.kiosk.closed",), ("guide.ago.hours", {"hours": 1, "minutes": 5}),
    ), "its own time, also when the console did not see it close"  # fmt: skip
    k = _kiosk(p, "kiosk-01", _status("kiosk-01", "closed", None, at=clock() + 5))
    assert k.ago() == ("guide.ago.now", {}), "a clock a little ahead is not in the future"


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, ("guide.ago.now", {})),
        (1, ("guide.ago.minutes", {"minutes": 1})),
        (59, ("guide.ago.minutes", {"minutes": 59})),
        (60, ("guide.ago.hours", {"hours": 1, "minutes": 0})),
        (605, ("guide.ago.hours", {"hours": 10, "minutes": 5})),
    ],
)
def test_ago_text(minutes: int, expected: tuple) -> None:
    assert ago_text(minutes) == expected


def test_every_kiosk_state_has_a_guide_text_in_every_language() -> None:
    """Each printer fault the driver can report and each scanner fault a kiosk can publish
    reads as itself on the console, not as the generic fault."""
    faults = {k.rsplit(".", 1)[-1] for k in catalog("zh-Hant") if k.startswith("printer.fault.")}
    assert faults and {printer_state(f"printer.fault.{f}") for f in faults} == faults
    assert {scanner_state(k) for k in ("scan.camera_fault", "scan.scanner_fault")} == {
        "camera_fault",
        "scanner_fault",
    }
    keys = {f"guide.printer.{f}" for f in (*faults, "ok", "none", "unknown")}
    keys |= {f"guide.scanner.{s}" for s in ("ok", "camera_fault", "scanner_fault", "fault")}
    keys |= {f"guide.kiosk.{k}" for k in ("offline", "no_status", "lost", "lost_before", "closed")}
    keys |= {f"guide.ago.{k}" for k in ("now", "minutes", "hours")}
    for lang in LANGUAGES:
        assert keys <= catalog(lang).keys(), (lang, sorted(keys - catalog(lang).keys()))


def test_ratings_complaints_appointments_and_notice(p) -> None:
    feed = Feed(p)
    low = {"ticket": "20261125-E001", "number": "E001", "window": "W03", "staff": "S013",
           "level": 1, "reason": "wait, 太慢了", "at": 1.0}  # fmt: skip
    feed.state("ratings", today={"5": 3, "1": 1}, low=[low])
    complaint = {"id": "C20261125-001", "opened_at": 1.0, "applicant": "王先生", "what": "等候過久",
                 "window": "W02", "ticket": None, "by": "S004", "status": "open"}  # fmt: skip
    feed.state("complaints", open=[complaint], closed_recently=[], opened_this_month=1)
    booking = {"day": DAY, "item": "XK-SW-001", "name": "林", "phone": "138****1234",
               "status": "booked"}  # fmt: skip
    feed.state("appointments", days={
        DAY: [{**booking, "code": "BBBBBB", "slot": "14:00"}, {**booking, "code": "AAAAAA",
              "slot": "09:00"}],
        "2026-11-26": [{**booking, "code": "CCCCCC", "slot": "09:00", "day": "2026-11-26"}],
    })  # fmt: skip
    feed.state("notice", text={"zh-Hant": "午休", "en": "Lunch"}, until=None, by="S004")
    v = p.view()
    assert v.ratings_today == {"5": 3, "1": 1} and v.low_ratings[0].number == "E001"
    assert [c.id for c in v.complaints] == ["C20261125-001"]
    assert [a.code for a in v.appointments] == ["AAAAAA", "BBBBBB"]
    assert v.appointments_ahead == 1
    assert v.notice == {"zh-Hant": "午休", "en": "Lunch"}
    assert reason_text("wait, 太慢了", "zh-Hant") == "等候太久、太慢了"
    assert reason_text("wait, attitude", "en") == "Waited too long, Unfriendly staff"


def test_a_new_business_day_drops_yesterdays_tickets(p, clock) -> None:
    feed = Feed(p)
    feed.event("ticket.issued", ticket=_ticket("A001", clock()), ahead=0, est_wait_min=1.0)
    assert len(p.view().waiting) == 1
    p.handle(f"{ROOT}/events", {"seq": 9, "epoch": "e1", "type": "day.opened", "at": "",
             "day": "2026-11-26", "data": {"day": "2026-11-26", "previous": DAY}})  # fmt: skip
    assert p.view().waiting == ()


def test_unreadable_messages_change_nothing(p) -> None:
    p.handle(f"{ROOT}/state/queues", {"prefixes": "nonsense"})
    p.handle(f"{ROOT}/events", {"type": "ticket.issued", "data": {"ticket": 3}})
    p.handle("other/root/state/queues", {})
    v = p.view()
    assert v.waiting == () and v.prefixes == ()


def test_waits_are_measured_on_the_services_clock(p, clock) -> None:
    """A console whose clock is an hour behind the service's still shows true waits."""
    service_now = clock() + 3600
    body = {"seq": 1, "epoch": "e1", "type": "ticket.issued", "day": DAY,
            "at": datetime.fromtimestamp(service_now, UTC).isoformat(),
            "data": {"ticket": _ticket("A001", service_now - 300), "ahead": 0,
                     "est_wait_min": 1.0}}  # fmt: skip
    p.handle(f"{ROOT}/events", body)
    assert p.view().waiting[0].wait_min == 5


def test_the_consoles_sign_in_follows_state_staff(mini_config, clock) -> None:
    p = GuidePresenter(mini_config, clock, client_id="guide-01")
    feed = Feed(p)
    duty = [
        {"client": "guide-01", "staff": "S004", "name": "陳導辦"},
        {"client": "window-01", "staff": "S011", "name": "趙窗口", "window": "W01"},
    ]
    feed.state("staff", on_duty=duty)
    assert (p.view().signed_in, p.view().signed_in_name) == ("S004", "陳導辦")
    feed.state("staff", on_duty=duty[1:])  # signed out elsewhere, or the day ended
    assert p.view().signed_in is None


def test_a_console_started_mid_day_lists_the_waiting_from_state_waiting(p, clock) -> None:  # type: ignore[no-untyped-def]
    feed = Feed(p)
    early = [_ticket("A001", clock() - 1800), _ticket("A002", clock() - 600, printed="failed")]
    feed.state("waiting", tickets=early, more=0)
    view = p.view()
    assert [r.number for r in view.waiting] == ["A001", "A002"]
    assert [r.number for r in view.unprinted] == ["A002"]
    feed.event("ticket.called", ticket="20261125-A001", number="A001", item="XK-GA-001",
               window="W01", at=clock())  # fmt: skip
    feed.state("waiting", tickets=early, more=0)  # a later snapshot does not undo the events
    assert [r.number for r in p.view().waiting] == ["A002"]
