"""The case register in the writer (issue 11): register at the window, move through the
statuses, joint cases, extensions, the kiosk's scan-to-ticket loop, and a restart."""

from __future__ import annotations

import pytest

from hall.codes import is_valid_case_number
from hall.mqtt import HallClient
from tests.support import Collector, FakeClock, RunningHall

pytestmark = [pytest.mark.broker, pytest.mark.service_on_clock]  # `hall` runs on `clock`

APPLICANT = {"name": "周女士", "unit": "", "contact": "139-0000-0000", "id_masked": None}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock.local(2026, 11, 25, 10, 0)  # Wednesday


def _window(hall: RunningHall, n: int, staff: str) -> HallClient:
    w = hall.client(f"window-{n:02d}")
    w.command("staff.sign_in", {"staff": staff, "pin": "1234"})
    w.command("window.open")
    return w


def _error(client: HallClient, ctype: str, args: dict) -> str:
    reply = client.request(ctype, args)
    assert not reply.ok and reply.error is not None, reply
    return reply.error.code


def test_a_promised_case_is_registered_with_a_valid_number_and_due_date(
    hall: RunningHall,
) -> None:
    w2 = _window(hall, 2, "S012")
    case = w2.command(
        "case.register",
        {
            "item": "XK-SJ-001",
            "kind": "promised",
            "applicant": APPLICANT,
            "materials": [
                {"name": "營業執照申請書", "count": 1},
                {"name": "身份證複印件", "count": 2},
            ],
        },
    )["case"]
    assert case["number"].startswith("GY20261125") and is_valid_case_number(case["number"], "GY")
    assert case["number"][10:14] == "0001"
    # promised 3 working days, counted from the day after receipt (Wed): Thu, Fri, Mon.
    assert (case["status"], case["due"]) == ("accepted", "2026-11-30")
    assert case["first_handler"] == "S012"
    assert case["materials"][1] == {"name": "身份證複印件", "count": 2}
    second = w2.command(
        "case.register", {"item": "XK-SJ-001", "kind": "immediate", "applicant": APPLICANT}
    )["case"]
    assert second["number"][10:14] == "0002"


def test_statuses_move_by_the_rules_and_other_units_are_refused(hall: RunningHall) -> None:
    w2, w3 = _window(hall, 2, "S012"), _window(hall, 3, "S013")
    number = w2.command(
        "case.register", {"item": "XK-SJ-001", "kind": "promised", "applicant": APPLICANT}
    )["case"]["number"]
    assert _error(w3, "case.update", {"case": number, "to": "in_progress"}) == "not_your_case"
    assert _error(w2, "case.update", {"case": number, "to": "opinions_in"}) == "illegal_transition"
    assert _error(w2, "case.update", {"case": number, "to": "replied"}) == "reason_required"
    w2.command("case.update", {"case": number, "to": "in_progress"})
    done = w2.command("case.update", {"case": number, "to": "done"})["case"]
    assert done["status"] == "done"
    assert [h["status"] for h in done["history"]] == ["accepted", "in_progress", "done"]
    assert all(h["by"] == "S012" for h in done["history"])
    assert _error(
        w2, "case.extend", {"case": number, "days": 2, "approver": "S001", "reason": "x"}
    ) == ("extension_not_allowed")


def test_a_supplement_case_tells_the_kiosk_what_to_bring_and_brings_the_applicant_back(
    hall: RunningHall, clock: FakeClock
) -> None:
    w2 = _window(hall, 2, "S012")
    events = Collector()
    hall.client("display-lobby").subscribe(hall.topics.events, events)
    assert (
        _error(
            w2, "case.register", {"item": "XK-SJ-001", "kind": "supplement", "applicant": APPLICANT}
        )
        == "missing_required"
    )
    number = w2.command(
        "case.register",
        {
            "item": "XK-SJ-001",
            "kind": "supplement",
            "applicant": APPLICANT,
            "missing": ["公司章程原件", "股東會決議"],
        },
    )["case"]["number"]
    kiosk = hall.client("kiosk-01")
    seen = kiosk.command("case.lookup", {"case": number})["case"]
    assert (seen["status"], seen["due"]) == ("waiting_materials", None)
    assert seen["missing"] == ["公司章程原件", "股東會決議"]
    assert seen["applicant"] == {} and seen["first_handler"] is None, "no personal data at a kiosk"

    clock.set_local(2026, 11, 27, 9, 0)
    back = kiosk.command("case.check_in", {"case": number, "lang": "zh-Hans"})
    ticket = back["ticket"]
    assert (ticket["priority"], ticket["target_window"], ticket["case_no"]) == (
        "returning",
        "W02",
        number,
    )
    # Its wait is the one at the case's window, where it now stands: ticket.status agrees.
    status = kiosk.command("ticket.status", {"ticket": ticket["ref"]})
    wait = ("people_ahead", "est_wait_min", "est_wait", "windows")
    assert {k: status[k] for k in wait} == {k: back[k] for k in wait}
    assert status["windows"] == ["W02"]
    w2 = _window(hall, 2, "S012")  # a new day: sign in and open again
    assert w2.command("window.call_next")["ticket"]["number"] == ticket["number"]
    w2.command(
        "case.update", {"case": number, "to": "accepted", "kind": "promised"}
    )  # materials complete: the clock starts the next day
    case = w2.command("case.lookup", {"case": number})["case"]
    assert case["due"] == "2026-12-02"  # Fri 27 + 3 working days: Mon, Tue, Wed


def test_a_joint_case_tracks_partner_opinions(hall: RunningHall) -> None:
    w2, w1 = _window(hall, 2, "S012"), _window(hall, 1, "S011")
    number = w2.command(
        "case.register", {"item": "XK-SJ-001", "kind": "joint", "applicant": APPLICANT}
    )["case"]["number"]
    assert _error(w1, "case.opinion", {"case": number}) == "not_a_partner"
    w2.command("case.notify_partners", {"case": number, "units": ["U01", "U03"]})
    w1.command("case.opinion", {"case": number})
    w2.command("case.update", {"case": number, "to": "in_progress"})
    assert _error(w2, "case.update", {"case": number, "to": "opinions_in"}) == "opinions_missing"
    case = w2.command("case.lookup", {"case": number})["case"]
    due = {p["unit"]: p["opinion_due"] for p in case["partners"]}
    assert due == {"U01": "2026-12-02", "U03": "2026-12-02"}  # 5 working days from Wed


def test_the_register_outlives_a_restart_and_flags_due_cases(
    hall: RunningHall, clock: FakeClock
) -> None:
    w2 = _window(hall, 2, "S012")
    number = w2.command(
        "case.register", {"item": "XK-SJ-001", "kind": "promised", "applicant": APPLICANT}
    )["case"]["number"]
    hall.stop_service()
    clock.set_local(2026, 11, 27, 9, 0)  # Friday: due Monday, the next working day
    hall.start_service(clock=clock)
    state = Collector()
    hall.client("display-lobby").subscribe(hall.topics.state("cases"), state)
    w2 = _window(hall, 2, "S012")
    _t, snap = state.wait_for(lambda t, b: b.get("flagged"))
    flagged = snap["flagged"]["W02"][0]
    assert (flagged["number"], flagged["flag"]) == (number, "due_next_working_day")
    assert snap["open"] == 1
    again = w2.command(
        "case.register", {"item": "XK-SJ-001", "kind": "immediate", "applicant": APPLICANT}
    )["case"]
    assert again["number"][2:14] == "202611270001"
