"""Staff sign-in at a window terminal through the real broker and service: the panel, who is
signed in (from the window snapshot), sign-out, and a refusal for want of a sign-in."""

from __future__ import annotations

from pathlib import Path

from hall.conf import HallConfig
from terminal.controller import WindowController
from tests.support import start_hall, wait_until
from tests.terminal.test_outbox import outcome_of


def test_sign_in_shows_who_serves_and_sign_out_clears_it(mini_config: HallConfig, tmp_path: Path):
    hall = start_hall(mini_config, tmp_path)
    ctrl = WindowController(mini_config, "W01", hall.endpoint("window-01"))
    try:
        ctrl.start(wait_s=5)
        assert ctrl.sign_in("S011", "9999")
        refused = outcome_of(ctrl, "staff.sign_in")
        assert (refused.status, refused.code) == ("error", "sign_in_refused")
        assert ctrl.presenter.view().message.key == "errors.sign_in_refused"
        assert ctrl.presenter.view().staff is None
        ctrl.outcomes.clear()

        assert ctrl.sign_in("s011 ", "1234")
        assert outcome_of(ctrl, "staff.sign_in").status == "ok"
        wait_until(lambda: ctrl.presenter.view().staff is not None, 5, "staff on screen")
        staff_id, name = ctrl.presenter.view().staff
        assert staff_id == "S011" and name
        assert not ctrl.presenter.view().sign_in_open
        assert ctrl.presenter.view().message.key == "terminal.msg.signed_in"

        assert ctrl.sign_out()
        assert outcome_of(ctrl, "staff.sign_out").status == "ok"
        wait_until(lambda: ctrl.presenter.view().staff is None, 5, "nobody signed in")
    finally:
        ctrl.stop()
        hall.stop()


def test_a_command_refused_for_want_of_a_sign_in_opens_the_panel(
    mini_config: HallConfig, tmp_path: Path
):
    hall = start_hall(mini_config, tmp_path)
    ctrl = WindowController(mini_config, "W01", hall.endpoint("window-01"))
    try:
        ctrl.start(wait_s=5)
        hall.client("kiosk-01").command("ticket.issue", {"item": "XK-GA-001"})
        ctrl.press("open")
        assert outcome_of(ctrl, "window.open").status == "ok"
        ctrl.press("call_next")
        assert outcome_of(ctrl, "window.call_next").status == "ok"
        wait_until(lambda: ctrl.presenter.view().ticket is not None, 5, "ticket at the counter")
        assert not ctrl.presenter.view().sign_in_open
        assert ctrl.finish_case("promised", "周女士", "139-0000-0000", [("申請書", 1)])
        o = outcome_of(ctrl, "case.register")
        assert (o.status, o.code) == ("error", "sign_in_required")
        v = ctrl.presenter.view()
        assert v.sign_in_open and v.message.key == "errors.sign_in_required"
        assert v.ticket is not None  # not finished: the case was not registered
    finally:
        ctrl.stop()
        hall.stop()
