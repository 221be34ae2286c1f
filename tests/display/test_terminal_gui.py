"""A window terminal and the lobby display under Xvfb, both on the real broker and service:
buttons and function keys on the terminal move tickets, the display follows."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hall.conf import HallConfig
from hall.i18n import t
from tests.display.helpers import issue_for
from tests.display.test_display_gui import LANGS, display_argv
from tests.support import RunningHall, start_hall


def terminal_argv(hall: RunningHall, window: str) -> list[str]:
    return hall.app_argv("terminal.app", window, "--hold", "60")


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_terminal_drives_the_display(
    sample_config: HallConfig, tmp_path: Path, launch_hd, shots: Path
) -> None:
    hall = start_hall(sample_config, tmp_path)
    try:
        display = launch_hd(display_argv(hall, "--min-show", "0.2", "--no-voice"))
        notices = tmp_path / "notices"
        term = launch_hd([*terminal_argv(hall, "W03"), "--printer", f"sim:{notices}"])
        kiosk = hall.client("kiosk-01")
        numbers = [issue_for(kiosk, sample_config, "W03")["number"] for _ in range(3)]

        s = term.wait_for(
            lambda s: s["connection"] == "online" and s["status"] == "closed",
            timeout=20,
            what="terminal online",
        )
        assert s["enabled"] == ["open"]
        term.tap("sign_button")  # the sign-in panel: staff id and PIN
        term.wait_for(lambda s: s["dialog"] == "sign_in", what="sign-in panel")
        term.tap("sign_in_staff")
        term.type("S015", enter=False)
        term.tap("sign_in_pin")
        term.type("1234", enter=False)
        term.tap("sign_in_send")
        s = term.wait_for(lambda s: s["staff"] is not None, what="signed in")
        assert s["staff"][0] == "S015" and s["dialog"] is None
        display.wait_for(lambda s: not s["stale"], timeout=20, what="display in sync")
        term.tap("btn_open")
        s = term.wait_for(lambda s: s["status"] == "open", what="window open")
        assert s["waiting"] == 3

        started = time.monotonic()
        term.tap("btn_call_next")
        display.wait_for(lambda s: s["windows"]["W03"] == numbers[0], what="display shows call")
        tap_to_display_s = time.monotonic() - started
        assert tap_to_display_s < 2.0
        display.wait_for(lambda s: s["highlight"] == numbers[0], what="highlighted")
        s = term.wait_for(lambda s: s["ticket"] == numbers[0], what="ticket at the counter")
        assert s["ticket_status"] == "called" and s["waiting"] == 2
        item = sample_config.item_by_code[s["item"]]
        assert s["item_line"].startswith(item.name.get("zh-Hant"))

        term.tap("btn_start")
        term.wait_for(lambda s: s["ticket_status"] == "serving", what="serving")
        for lang in LANGS:
            term.call("set_lang", lang)
            term.screenshot(shots / f"window-serving-{lang}.png")
        term.call("set_lang", "zh-Hant")

        assert term.call("key", "f4")  # finish: the case kind chooser opens
        assert term.state()["dialog"] == "finish"
        for lang in LANGS:
            term.call("set_lang", lang)
            term.screenshot(shots / f"window-finish-{lang}.png")
        term.call("set_lang", "zh-Hant")
        term.call("key", "2")  # 承諾件: the case form, registered then finished
        term.wait_for(lambda s: s["dialog"] == "case", what="case form")
        term.tap("case_name")
        term.type("Chou", enter=False)
        term.tap("case_contact")
        term.type("139-0000-0000", enter=False)
        term.tap("case_materials")
        term.type("form x1, ID copy x2", enter=False)
        for lang in LANGS:
            term.call("set_lang", lang)
            term.screenshot(shots / f"window-case-{lang}.png")
        term.call("set_lang", "zh-Hant")
        term.tap("case_send")
        s = term.wait_for(lambda s: s["last"] and s["ticket"] is None, what="finished")
        assert s["last"][0] == [numbers[0], "promised"]
        s = term.wait_for(lambda s: s["case"] is not None, what="case number shown")
        assert s["case"] in s["case_info"]
        printed = t("terminal.notice_printed", "zh-Hant")
        s = term.wait_for(lambda s: printed in s["case_info"], what="notice printed")
        assert len(list(notices.glob("*.png"))) == 3  # window, applicant, business section
        term.screenshot(shots / "window-case-registered-zh-Hant.png")
        display.wait_for(lambda s: s["windows"]["W03"] is None, what="display tile cleared")

        term.call("key", "f1")  # call next by keyboard
        term.wait_for(lambda s: s["ticket"] == numbers[1], what="second call")
        display.wait_for(lambda s: s["highlight"] == numbers[1], what="second on display")
        term.tap("btn_transfer")
        term.tap("transfer_window")
        term.type("5", enter=False)
        term.tap("transfer_note")
        term.type("materials at W05", enter=False)
        term.tap("transfer_send")
        s = term.wait_for(lambda s: s["last"][0][1] == "transferred", what="transferred")
        assert s["last"][0][0] == numbers[1]
        assert hall.service is not None
        moved = next(
            t for t in hall.service.engine.state.tickets.values() if t.number == numbers[1]
        )
        assert (moved.status, moved.target_window) == ("waiting", "W05")

        # Offline: the press is held, shown, and sent once when the broker is back.
        hall.broker.stop()
        term.wait_for(lambda s: s["connection"] == "offline", timeout=20, what="offline")
        display.wait_for(lambda s: s["stale"], timeout=20, what="display stale")
        term.call("key", "f1")
        s = term.wait_for(lambda s: s["pending"] == "call_next", what="held")
        for lang in LANGS:
            term.call("set_lang", lang)
            term.screenshot(shots / f"window-offline-{lang}.png")
        term.call("set_lang", "zh-Hant")
        hall.broker.start()
        s = term.wait_for(
            lambda s: s["ticket"] == numbers[2] and s["pending"] is None,
            timeout=40,
            what="held call sent when back",
        )
        calls = [x for x in s["sent"] if x[0] == "window.call_next"]
        assert [x[2] for x in calls] == ["ok", "ok", "ok"]  # tap, F1, F1 held offline
        assert len({x[1] for x in calls}) == 3
        assert sum(t.calls for t in hall.service.engine.state.tickets.values()) == 3
        display.wait_for(
            lambda s: not s["stale"] and s["windows"]["W03"] == numbers[2],
            timeout=30,
            what="display caught up after the outage",
        )
        term.screenshot(shots / "window-called-zh-Hant.png")
    finally:
        hall.stop()
