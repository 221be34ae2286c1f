"""The window terminal's case panel through the real broker and service: finishing a ticket
registers its case (number and promised date shown), and a returning ticket shows its case."""

from __future__ import annotations

from hall.codes import is_valid_case_number
from terminal.controller import WindowController
from tests.support import RunningHall, wait_until
from tests.terminal.test_outbox import outcome_of


def _signed_in_window(ctrl: WindowController, staff: str) -> None:
    ctrl.start(wait_s=5)
    ctrl.sign_in(staff, "1234")
    assert outcome_of(ctrl, "staff.sign_in").status == "ok"
    ctrl.press("open")
    assert outcome_of(ctrl, "window.open").status == "ok"


def _call(ctrl: WindowController, number: str) -> None:
    ctrl.outcomes.clear()
    ctrl.press("call_next")
    assert outcome_of(ctrl, "window.call_next").status == "ok"
    wait_until(lambda: ctrl.presenter.view().ticket == number, 5, f"{number} at the counter")


def test_promised_case_registered_on_finish(hall: RunningHall, w02: WindowController) -> None:
    ctrl = w02
    kiosk = hall.client("kiosk-01")
    ticket = kiosk.command("ticket.issue", {"item": "XK-SJ-001"})["ticket"]
    _call(ctrl, ticket["number"])
    materials = [("營業執照申請書", 1), ("身份證複印件", 2)]
    assert ctrl.finish_case("promised", "周女士", "139-0000-0000", materials)
    reg = outcome_of(ctrl, "case.register")
    assert reg.status == "ok", reg
    sent = reg.command.args
    assert sent["ticket"] == ticket["id"] and sent["item"] == "XK-SJ-001"
    fin = outcome_of(ctrl, "window.finish")
    assert fin.status == "ok" and fin.command.args["outcome"] == "promised"
    wait_until(lambda: ctrl.presenter.view().ticket is None, 5, "counter free")
    case = ctrl.presenter.view().case
    assert case is not None and case.registered
    assert is_valid_case_number(case.number, "GY")
    assert (case.kind, case.status) == ("promised", "accepted") and case.due
    assert ctrl.presenter.view().message.key == "terminal.msg.done"  # then finished
    assert ctrl.link.client is not None
    stored = ctrl.link.client.command("case.lookup", {"case": case.number})["case"]
    assert stored["due"] == case.due and stored["materials"][1]["count"] == 2


def test_returning_ticket_shows_its_case(hall: RunningHall, w02: WindowController) -> None:
    ctrl = w02
    kiosk = hall.client("kiosk-01")
    first = kiosk.command("ticket.issue", {"item": "XK-SJ-001"})["ticket"]
    _call(ctrl, first["number"])
    missing = ["股東會決議原件", "公司章程"]
    assert ctrl.finish_case("supplement", "李先生", "138-1111-2222", [("申請書", 1)], missing)
    assert outcome_of(ctrl, "window.finish").status == "ok"
    wait_until(lambda: ctrl.presenter.view().case is not None, 5, "case on the panel")
    number = ctrl.presenter.view().case.number
    assert ctrl.presenter.view().case.due is None  # 補辦件: no clock until complete

    back = kiosk.command("case.check_in", {"case": number})
    assert back["ticket"]["case_no"] == number
    _call(ctrl, back["ticket"]["number"])
    assert ctrl.presenter.view().case_no == number
    wait_until(
        lambda: (c := ctrl.presenter.view().case) is not None and not c.registered,
        10,
        "looked-up case on the panel",
    )
    case = ctrl.presenter.view().case
    assert (case.number, case.status, case.due) == (number, "waiting_materials", None)
    assert case.missing == tuple(missing)

    # The materials are complete now: the case goes on as a 承諾件 (no new case), its
    # clock starts, and the returning ticket is finished.
    ctrl.outcomes.clear()
    assert ctrl.finish_case("promised", "", "")
    upd = outcome_of(ctrl, "case.update")
    assert upd.status == "ok", upd
    assert upd.command.args == {"case": number, "to": "accepted", "kind": "promised"}
    assert outcome_of(ctrl, "window.finish").status == "ok"
    assert not any(o.command.ctype == "case.register" for o in ctrl.outcomes)
    wait_until(lambda: ctrl.presenter.view().ticket is None, 5, "counter free")
    case = ctrl.presenter.view().case
    assert (case.number, case.kind, case.status) == (number, "promised", "accepted")
    assert case.due is not None
