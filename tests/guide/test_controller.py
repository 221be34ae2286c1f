"""The guide console without a window on the real broker and service: sign-in, a command's
outcome in the status line, the connection state, a press while the broker is down."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from guide.controller import GuideController
from tests.support import RunningHall

pytestmark = pytest.mark.broker


def _until(pred: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_console_signs_in_commands_and_refuses_while_offline(live_hall: RunningHall) -> None:
    hall = live_hall
    ctl = GuideController(hall.config, hall.endpoint("guide-01"), retry_s=0.5)
    ctl.start(wait_s=10)
    try:
        p = ctl.presenter
        _until(lambda: (ctl.poll(), p.view().connection)[1] == "online", "online")
        assert ctl.press("notice", text={"zh-Hant": "x"}).result(10)
        assert p.view().message.key == "errors.sign_in_required"
        ctl.press("sign_in", staff="S004", pin="1234").result(10)
        assert p.view().signed_in_name == "陳導辦"
        ctl.press("notice", text={"zh-Hant": "午休", "en": "Lunch"}).result(10)
        _until(lambda: p.view().notice.get("en") == "Lunch", "the notice comes back retained")
        assert p.view().message.key == "guide.done.notice"

        opened = ctl.press("complaint_open", applicant="王先生", what="等候過久", window="W02")
        cid = opened.result(10).result["complaint"]["id"]
        _until(lambda: [c.id for c in p.view().complaints] == [cid], "complaint listed")
        ctl.press("complaint_close", complaint=cid, result="已致歉").result(10)
        assert p.view().message.key == "guide.done.complaint_close"
        _until(lambda: p.view().complaints == (), "closed: no longer open")
        booking = {"day": "2026-11-25", "slot": "14:00", "item": "XK-SW-001", "name": "林",
                   "phone": "13800001234"}  # fmt: skip
        code = ctl.press("book", **booking).result(10).result["appointment"]["code"]
        _until(lambda: [a.code for a in p.view().appointments] == [code], "booking listed")
        ctl.press("cancel", code=code).result(10)
        _until(lambda: p.view().appointments[0].status == "cancelled", "booking cancelled")
        ctl.press("cancel", code=code).result(10)
        assert p.view().message.key == "errors.appointment_cancelled"

        hall.broker.stop()
        _until(lambda: (ctl.poll(), p.view().connection)[1] == "offline", "offline shown")
        assert ctl.press("void", ticket="A001", reason="x").result(10) is None
        assert p.view().message.key == "guide.msg.offline"
        hall.broker.start()
        _until(lambda: (ctl.poll(), p.view().connection)[1] == "online", "back online", 40)
        assert ctl.sent == [
            ("guide.notice", "sign_in_required"),
            ("staff.sign_in", "ok"),
            ("guide.notice", "ok"),
            ("complaint.open", "ok"),
            ("complaint.close", "ok"),
            ("appointment.book", "ok"),
            ("appointment.cancel", "ok"),
            ("appointment.cancel", "appointment_cancelled"),
            ("guide.void", "offline"),
        ]
    finally:
        ctl.stop()
