"""The guide console and a rating pad under Xvfb on the real broker and service (mini hall):
the guide signs in, sees the queue, moves, prioritises, reprints and voids tickets, opens a
window, logs a complaint, books an appointment, sets the notice; the pad rates a finished
ticket and the console shows the low rating."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hall.i18n import t
from hall.mqtt import status_payload
from tests.guide.conftest import LANGS
from tests.support import Collector, RunningHall

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def _shoot(app, shots: Path, name: str) -> None:
    """One screenshot per language; nothing clipped in any of them."""
    for lang in LANGS:
        app.call("set_lang", lang)
        app.wait_for(lambda s, lang=lang: s["lang"] == lang)
        assert app.request("clipped") == [], f"{name} {lang}"
        app.screenshot(shots / f"{name}-{lang}.png")
    app.call("set_lang", "zh-Hant")


def _on_screen(app, *texts: str) -> None:
    """Wait (5 s at most) until every text is a label on screen."""
    deadline = time.monotonic() + 5
    while not set(texts) <= {lab["text"] for lab in app.labels()}:
        assert time.monotonic() < deadline, f"{texts!r} not all on screen"
        time.sleep(0.05)


def _message(app, key: str) -> dict:
    s = app.wait_for(lambda s: s["pending"] is None and s["message"] == key, what=key)
    shown = s["message_text"]
    assert shown and shown != key and "{" not in shown, shown
    _on_screen(app, shown)
    return s


@pytest.mark.timeout(300)
def test_guide_console_and_rating_pad(
    live_hall: RunningHall, tmp_path: Path, launch_app, shots: Path
) -> None:
    hall = live_hall
    events = Collector()
    watcher = hall.client("display-lobby")
    watcher.subscribe(hall.topics.events, events)
    kiosk = hall.client("kiosk-01")
    early = kiosk.command("ticket.issue", {"item": "XK-SW-001"})["ticket"]["number"]

    guide = launch_app(hall.app_argv("guide.app"))
    s = guide.wait_for(lambda s: s["connection"] == "online", timeout=30, what="online")
    assert s["screen"] == "signin"
    guide.tap("staff_in")
    guide.type("S004")
    guide.type("9999")  # Enter in the PIN field signs in
    _message(guide, "errors.sign_in_refused")
    _shoot(guide, shots, "guide-signin")
    assert guide.request("press_key", 27), "Escape clears the message, never closes the console"
    assert guide.state()["message"] is None
    guide.tap("staff_in")
    guide.call("fill", "staff_in", "")
    guide.type("S004")
    guide.type("1234")
    guide.wait_for(lambda s: s["signed_in"] == "S004" and s["screen"] == "main", what="signed in")

    numbers = [kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]["number"]
               for _ in range(4)]  # fmt: skip
    printed = hall.client("kiosk-02")
    failed = numbers[3]
    kiosk.command("ticket.print_result", {"ticket": failed, "ok": False, "error": "paper_out"})
    printed.publish(  # what kiosk/desk.py publishes: a printer fault key and the scanner's
        hall.topics.status("kiosk-02"),
        status_payload("kiosk-02", "online", app="kiosk", printer="printer.fault.paper_out",
                       scanner="scan.camera_fault"),
        retain=True,
    )  # fmt: skip
    # The one issued before the console started comes from the writer's state/waiting.
    s = guide.wait_for(
        lambda s: [w[0] for w in s["waiting"]] == [early, *numbers] and s["unprinted"] == [failed],
        what="the queue as issued",
    )
    assert s["unseen"] == 0

    # Move the first to W04 (tapping its row fills the ticket field), give the second VIP.
    guide.tap(f"key:ticket:{numbers[0]}")
    guide.tap("to_window_in")
    guide.type("4")  # Enter moves
    _message(guide, "guide.done.move")
    guide.tap(f"key:ticket:{numbers[1]}")
    guide.tap("key:priority:vip")
    _message(guide, "guide.done.prioritise")
    guide.call("fill", "ticket_in", failed)
    guide.tap("key:reprint:kiosk-02")
    _message(guide, "guide.done.reprint")
    guide.call("fill", "ticket_in", numbers[2])
    guide.call("fill", "void_reason_in", "duplicate ticket")
    guide.tap("void")
    _message(guide, "guide.done.void")
    # A reply is handled on paho's thread, the events on the dispatcher's: the list may
    # show the events a moment after the message.
    expected = [
        [numbers[1], "XK-GA-001", "vip", None],
        [early, "XK-SW-001", "normal", None],
        [numbers[0], "XK-GA-001", "normal", "W04"],
        [failed, "XK-GA-001", "normal", None],
    ]
    guide.wait_for(
        lambda s: s["waiting"] == expected and s["unprinted"] == [],
        what="the queue after the move, the priority, the reprint and the void",
    )
    _t, reprint = events.wait_for(lambda t_, b: b.get("type") == "ticket.reprint")
    assert reprint["data"]["kiosk"] == "kiosk-02" and reprint["data"]["by"] == "S004"
    guide.call("fill", "ticket_in", "A999")
    guide.call("fill", "to_window_in", "W99")
    guide.tap("move")
    _message(guide, "errors.unknown_ticket")
    unprinted = kiosk.command("ticket.issue", {"item": "XK-SW-001"})["ticket"]["number"]
    kiosk.command("ticket.print_result", {"ticket": unprinted, "ok": False, "error": "paper_out"})
    guide.wait_for(lambda s: s["unprinted"] == [unprinted], what="a new failed print shows")
    _shoot(guide, shots, "guide-queue")

    w1, w4 = hall.client("window-01"), hall.client("window-04")
    for w in (w1, w4):
        w.command("staff.sign_in", {"staff": f"S01{w.client_id[-1]}", "pin": "1234"})

    # Windows and kiosks: the guide opens W01; its call gets the VIP ticket, W04 the moved one.
    guide.call("tab", "windows")
    guide.tap("key:set:W01:open")
    s = guide.wait_for(lambda s: s["windows"]["W01"][0] == "open", what="W01 open")
    assert w1.command("window.call_next")["ticket"]["number"] == numbers[1], "VIP first"
    w4.command("window.open")
    assert w4.command("window.call_next")["ticket"]["number"] == numbers[0], "moved to W04"
    s = guide.wait_for(
        lambda s: s["windows"]["W01"][1] == numbers[1] and s["windows"]["W04"][2] == "S014",
        what="who serves what",
    )
    # Kiosks: kiosk-02's printer and scanner both at fault; kiosk-01 shuts down (closed: it
    # says goodbye, so it is not marked; a lost one is, see test_guide_kiosk_presence.py).
    assert s["kiosks"]["kiosk-02"] == [True, "paper_out", "camera_fault", True, "online"]
    kiosk.close()
    s = guide.wait_for(lambda s: s["kiosks"]["kiosk-01"][0] is False, what="kiosk-01 offline")
    assert (s["kiosks"]["kiosk-01"][3], s["kiosks"]["kiosk-01"][4]) == (False, "closed")
    for lang in LANGS:
        guide.call("set_lang", lang)
        guide.wait_for(lambda s, lang=lang: s["lang"] == lang)
        fault = t("guide.printer.paper_out", lang) + " · " + t("guide.scanner.camera_fault", lang)
        closed = t("guide.kiosk.closed", lang, ago=t("guide.ago.now", lang))
        _on_screen(guide, f"(!) kiosk-02: {fault}", f"kiosk-01: {closed}")
    _shoot(guide, shots, "guide-windows")

    # The rating pad at W01 rates the finished VIP ticket low; the console shows it.
    pad = launch_app(hall.app_argv("rating.app", "--window", "W01", "--size", "1024x600",
                                   "--timeout", "60"))  # fmt: skip
    pad.wait_for(lambda s: s["connection"] == "online", timeout=30, what="pad online")
    _shoot(pad, shots, "rating-idle")
    w1.command("window.start")
    w1.command("window.finish")
    pad.wait_for(lambda s: s["screen"] == "ask" and s["number"] == numbers[1], what="ask")
    _shoot(pad, shots, "rating-ask")
    pad.tap("level_2")
    pad.wait_for(lambda s: s["screen"] == "reason", what="reason")
    pad.tap("key:reason:wait")
    pad.call("fill", "other", "櫃台前太擠")
    _shoot(pad, shots, "rating-reason")
    pad.tap("send")
    s = pad.wait_for(lambda s: s["screen"] == "thanks", what="thanks")
    assert s["sent"] == [[f"20261125-{numbers[1]}", 2, "ok"]]
    _shoot(pad, shots, "rating-thanks")

    guide.call("tab", "feedback")
    s = guide.wait_for(lambda s: s["low"], what="low rating on the console")
    assert s["low"] == [[numbers[1], 2, "wait, 櫃台前太擠"]]
    reason = t("rating.reasons.wait", "zh-Hant") + "、櫃台前太擠"  # the chip in words
    assert any(lab["text"].endswith(reason) for lab in guide.labels())
    assert any("趙窗口 (S011)" in lab["text"] for lab in guide.labels()), "who served, by name"

    # Complaints: log one, follow it up.
    guide.call("fill", "applicant_in", "王先生 138-0000-1234")
    guide.call("fill", "what_in", "等候過久")
    guide.call("fill", "c_window_in", "2")
    guide.tap("complaint_open")
    s = _message(guide, "guide.done.complaint_open")
    cid = s["complaints"][0]
    guide.tap(f"key:complaint:{cid}")
    guide.call("fill", "follow_in", "已聯繫窗口負責人")
    guide.tap("complaint_follow")
    _message(guide, "guide.done.complaint_follow")
    _shoot(guide, shots, "guide-feedback")

    # Appointments: book one for this afternoon, see it listed, then the notice.
    guide.call("tab", "appointments")
    for field, value in (
        ("day_in", "2026-11-25"),
        ("slot_in", "14:00"),
        ("item_in", "XK-SW-001"),
        ("name_in", "林小姐"),
        ("phone_in", "13800001234"),
    ):
        guide.call("fill", field, value)  # fmt: skip
    guide.tap("book")
    s = _message(guide, "guide.done.book")
    s = guide.wait_for(lambda s: s["appointments"], what="booking listed")
    assert s["appointments"][0][1] == "booked"
    _shoot(guide, shots, "guide-appointments")

    guide.call("tab", "notice")
    guide.call("fill", "notice_zh_Hant", "午休 12:00–13:30，延時服務請到 4 號窗口")
    guide.call("fill", "notice_en", "Lunch 12:00–13:30; after hours: window 4")
    guide.tap("set_notice")
    s = guide.wait_for(lambda s: s["notice"].get("en", "").startswith("Lunch"), what="notice")
    assert s["sent"][-1] == ["guide.notice", "ok"]
    assert all(outcome in ("ok", "sign_in_refused", "unknown_ticket") for _c, outcome in s["sent"])
