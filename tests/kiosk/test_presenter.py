"""Every kiosk flow and error through the presenter, without a window.

The service, the broker and the printer are real (Mosquitto, the queue service, the
printer simulator); only the executor is inline and the clock is moved by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from devices.printer import TicketPrinter
from devices.printer.simulator import PrinterSimulator
from hall.conf import HallConfig
from hall.conf.kiosks import KioskDefaults
from hall.i18n import t
from hall.idhash import id_hash
from hall.mqtt import HallClient
from kiosk.backend import ServiceBackend
from kiosk.catalog import Catalog
from kiosk.desk import TicketDesk
from kiosk.presenter import Presenter
from tests.support import Collector, FakeClock, RunningHall, start_hall

pytestmark = pytest.mark.broker

GOOD_ID = "11010519491231002X"
BAD_ID = "110105194912310021"  # check character should be X
KEY = b"k" * 32


class Tick:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def inline(work: Callable[[], Any], done: Callable[[Any], None]) -> None:
    done(work())


class Deferred:
    """An executor that holds work until the test releases it (a slow service)."""

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

    def __call__(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.pending.append((work, done))

    def release(self) -> None:
        while self.pending:
            work, done = self.pending.pop(0)
            done(work())


@pytest.fixture
def make_kiosk(hall: RunningHall, simulator: PrinterSimulator):
    clients: list[HallClient] = []

    def make(
        run: Callable[..., None] = inline, timeout: float = 2.0, printer: bool = True
    ) -> tuple[Presenter, TicketDesk, Tick]:
        client = HallClient(hall.endpoint("kiosk-01"), hall.topics, request_timeout_s=timeout)
        client.connect(5)
        clients.append(client)
        ticket_printer = TicketPrinter.from_url(f"{simulator.url}?timeout=3") if printer else None
        desk = TicketDesk(hall.config, client, ticket_printer)
        clock = Tick()
        settings = KioskDefaults(page_size=2, retry_s=3, idle_timeout_s=60, issued_timeout_s=20)
        presenter = Presenter(hall.config, settings, ServiceBackend(desk, client), run, KEY, clock)
        return presenter, desk, clock

    yield make
    for c in clients:
        c.close(1)


def ticket_count(hall: RunningHall) -> int:
    assert hall.service is not None
    return len(hall.service.state.tickets)


# ------------------------------------------------------------------ choose


def test_home_shows_classes_priorities_and_switches_language(make_kiosk) -> None:
    p, _desk, _clock = make_kiosk()
    v = p.view
    assert (v.screen, v.lang, v.hall_name) == ("home", "zh-Hant", "高邑縣政務服務中心")
    assert [b.label for b in v.classes] == ["行政許可", "非行政許可", "監管事項"]
    assert {b.key for b in v.priorities} == {"elderly", "appointment"}
    assert "掃描" in v.scan_prompt
    v = p.set_language("en")
    assert v.hall_name.startswith("Gaoyi") and v.classes[0].label == "Administrative licences"
    v = p.set_language("zh-Hans")
    assert v.labels["search"] == "搜索事项"


def test_department_then_item_then_confirm_then_issued_and_printed(
    make_kiosk, hall: RunningHall, simulator: PrinterSimulator
) -> None:
    p, _desk, _clock = make_kiosk()
    p.toggle_priority("elderly")
    v = p.choose_class("licence")
    assert v.screen == "choose" and v.entries
    unit = next(b for b in v.entries if b.label == "公安局")
    v = p.tap_entry(unit.key)
    assert [b.key for b in v.entries] == ["XK-GA-001", "XK-GA-002"]
    v = p.tap_entry("XK-GA-001")
    assert v.screen == "confirm" and v.item_name == "戶口遷移"
    assert "窗口" in v.windows_text and "視窗" not in v.windows_text
    assert v.materials and v.print_notice
    v = p.take_ticket()
    assert v.screen == "issued", v.message
    assert v.number == "A001" and v.qr.endswith("-A001")
    assert any("老年人" in line for line in v.ticket_lines)
    assert v.message_kind == "ok"
    (receipt,) = simulator.wait_for_receipts(1)
    codes = decode(Image.open(simulator.png_paths[0]))
    assert [c.data.decode() for c in codes] == [v.qr]
    assert any("A001" in line for line in receipt.lines)
    assert any("老年人" in line for line in receipt.lines)
    assert ticket_count(hall) == 1
    assert p.touch_to_print_ms and p.touch_to_print_ms[0] >= 0


def test_confirm_shows_people_ahead_from_the_queues_snapshot(make_kiosk, hall: RunningHall) -> None:
    p, desk, _clock = make_kiosk(printer=False)
    desk.take_ticket("XK-GA-001")
    desk.take_ticket("XK-GA-001")
    seen = Collector()
    watcher = hall.client("kiosk-02")
    watcher.subscribe(hall.topics.state("queues"), seen)
    _t, snapshot = seen.wait_for(
        lambda _t, b: b.get("prefixes", {}).get("A", {}).get("waiting") == 2
    )
    p.set_queues(snapshot)
    p.choose_class(None)
    v = p.tap_entry("XK-GA-001")
    assert v.ahead_text == "前面約有 2 人等候"
    # The item's own wait (what its issue reply will say), not its prefix's busiest item's.
    told = snapshot["items_wait"]["XK-GA-001"]["est_wait_min"]
    assert told > 0
    assert v.wait_text == f"預計等候約 {round(told)} 分鐘"


def test_confirm_shows_the_items_own_wait_not_its_prefixs(make_kiosk, hall: RunningHall) -> None:
    """Prefix B's items are served at different windows: FX-SJ-001 also at W04, which has
    nothing to do, while XK-SJ-001's two tickets wait for W02. The confirm screen shows what
    the issue reply for FX-SJ-001 will say, not the wait of the prefix's busiest item."""
    p, desk, _clock = make_kiosk(printer=False)
    desk.take_ticket("XK-SJ-001")
    desk.take_ticket("XK-SJ-001")
    seen = Collector()
    hall.client("kiosk-02").subscribe(hall.topics.state("queues"), seen)
    _t, snapshot = seen.wait_for(
        lambda _t, b: b.get("prefixes", {}).get("B", {}).get("waiting") == 2
    )
    own = snapshot["items_wait"]["FX-SJ-001"]["est_wait_min"]
    assert snapshot["prefixes"]["B"]["est_item"] == "XK-SJ-001"
    assert round(snapshot["prefixes"]["B"]["est_wait_min"]) != round(own)
    p.set_queues(snapshot)
    p.choose_class(None)
    v = p.tap_entry("FX-SJ-001")
    assert v.wait_text == f"預計等候約 {round(own)} 分鐘"


def test_paging_and_going_back(make_kiosk) -> None:
    p, _desk, _clock = make_kiosk()
    v = p.choose_class(None)
    assert len(v.entries) == 2 and v.has_next and not v.has_prev  # 3 departments
    assert v.page_text == "第 1 / 2 頁"
    v = p.page(+1)
    assert v.has_prev and not v.has_next
    v = p.tap_entry(v.entries[0].key)
    v = p.back()
    assert v.screen == "choose" and v.title == "請選擇部門"
    v = p.back()
    assert v.screen == "home"


def test_search_by_code_and_by_name_start(sample_config: HallConfig) -> None:
    catalog = Catalog(sample_config)
    assert len(sample_config.items) == 173
    assert [i.code for i in catalog.search("xk-ga-00")][:2] == ["XK-GA-001", "XK-GA-002"]
    assert [i.code for i in catalog.search("XKGA001")] == ["XK-GA-001"]
    assert catalog.search("戶口")[0].name.get("zh-Hant").startswith("戶口")
    assert catalog.search("户口")[0].code == catalog.search("戶口")[0].code
    assert catalog.search("passport")
    assert catalog.search("") == []


def test_search_screen_types_and_pages(make_kiosk) -> None:
    p, _desk, _clock = make_kiosk()
    v = p.open_search()
    assert v.screen == "search" and "A" in v.keys
    for ch in "XK":
        v = p.key(ch)
    assert v.typed == "XK" and {b.key for b in v.entries} <= {
        "XK-GA-001",
        "XK-GA-002",
        "XK-SJ-001",
        "XK-SW-001",
    }
    v = p.key("Q")
    assert v.entries == () and v.message == "找不到相符的事項"
    v = p.backspace()
    v = p.tap_entry("XK-SJ-001")
    assert v.screen == "confirm"
    v = p.back()
    assert v.screen == "search" and v.typed == "XK"


def test_appointment_code_checks_in_and_issues_the_booked_item(
    mini_config: HallConfig, tmp_path: Path, simulator: PrinterSimulator
) -> None:
    clock = FakeClock.local(2026, 11, 25, 8, 40)  # a Wednesday; the 09:00 slot is free
    hall = start_hall(mini_config, tmp_path / "hall", clock=clock)
    client = HallClient(hall.endpoint("kiosk-01"), hall.topics, request_timeout_s=2.0)
    try:
        client.connect(5)
        guide = hall.client("guide-01")
        guide.command("staff.sign_in", {"staff": "S004", "pin": "1234"})
        booked = guide.command(
            "appointment.book",
            {
                "day": "2026-11-25",
                "slot": "09:00",
                "item": "XK-SJ-001",
                "name": "王小明",
                "phone": "13800001234",
            },
        )
        code = booked["appointment"]["code"]
        printer = TicketPrinter.from_url(f"{simulator.url}?timeout=3")
        desk = TicketDesk(hall.config, client, printer)
        p = Presenter(
            hall.config, KioskDefaults(), ServiceBackend(desk, client), inline, KEY, Tick()
        )
        v = p.toggle_priority("appointment")
        assert v.screen == "appointment" and "0" not in v.keys and "O" not in v.keys
        for ch in "ABC":
            p.key(ch)
        v = p.appointment_ok()
        assert v.message_kind == "error" and v.screen == "appointment"  # too short
        for ch in "DEF":
            p.key(ch)
        v = p.appointment_ok()
        assert v.message == "查無此預約碼，請核對或洽導辦員" and v.screen == "appointment"
        p.clear()
        for ch in code:
            p.key(ch)
        v = p.appointment_ok()
        assert v.screen == "issued", v.message
        assert v.number == "B001" and any("預約" in line for line in v.ticket_lines)
        (receipt,) = simulator.wait_for_receipts(1)
        assert any(line.strip() == "B001" for line in receipt.lines)
        p.home()
        p.toggle_priority("appointment")
        for ch in code:
            p.key(ch)
        v = p.appointment_ok()
        assert v.message == "此預約碼已取過號"
        assert len(hall.service.state.tickets) == 1
    finally:
        client.close(1)
        hall.stop()


@pytest.fixture
def booking_hall(mini_config: HallConfig, tmp_path: Path) -> Iterator[RunningHall]:
    """The mini hall at 08:40 on a Wednesday (the 09:00 slot checks in from 08:30)."""
    hall = start_hall(mini_config, tmp_path / "hall", clock=FakeClock.local(2026, 11, 25, 8, 40))
    try:
        yield hall
    finally:
        hall.stop()


def book(hall: RunningHall, item: str, n: int = 1) -> list[str]:
    guide = hall.client("guide-01")
    guide.command("staff.sign_in", {"staff": "S004", "pin": "1234"})
    args = {
        "day": "2026-11-25",
        "slot": "09:00",
        "item": item,
        "name": "王",
        "phone": "13800001234",
    }
    return [guide.command("appointment.book", args)["appointment"]["code"] for _ in range(n)]


def booking_status(hall: RunningHall, code: str) -> str:
    assert hall.service is not None
    domain = next(d for d in hall.service.records.domains if d.name == "appointments")
    return domain.bookings[code]["status"]


def check_in(p: Presenter, code: str) -> Any:
    p.toggle_priority("appointment")
    for ch in code:
        p.key(ch)
    return p.appointment_ok()


def test_real_name_appointment_asks_for_the_id_then_checks_in(
    booking_hall: RunningHall, simulator: PrinterSimulator
) -> None:
    """A booked real-name item: the code is refused until the ID is scanned; a bad check
    character keeps the kiosk waiting; the scan checks in (masked ID + keyed hash only)."""
    hall = booking_hall
    (code,) = book(hall, "XK-GA-002")
    client = hall.client("kiosk-01")
    desk = TicketDesk(hall.config, client, TicketPrinter.from_url(f"{simulator.url}?timeout=3"))
    p = Presenter(hall.config, KioskDefaults(), ServiceBackend(desk, client), inline, KEY, Tick())
    v = check_in(p, code)
    assert (v.screen, v.message_kind) == ("appointment", "info")
    assert v.message == "此事項須實名取號：請掃描身份證號碼"
    assert len(hall.service.state.tickets) == 0 and booking_status(hall, code) == "booked"
    v = p.scanned(BAD_ID)
    assert (v.screen, v.message) == ("appointment", "身份證號碼校驗位錯誤，請核對號碼")
    assert len(hall.service.state.tickets) == 0
    v = p.scanned(GOOD_ID)  # the scan sends the code again, with the ID
    assert v.screen == "issued", v.message
    assert any("預約" in line for line in v.ticket_lines)
    assert any("1101**********002X" in line for line in v.ticket_lines)
    saved = hall.service.state.ticket_by_number(v.number)
    assert (saved.priority, saved.item) == ("appointment", "XK-GA-002")
    assert saved.id_masked == "1101**********002X" and saved.id_hash == id_hash(GOOD_ID, KEY)
    assert GOOD_ID not in json.dumps(saved.public())
    assert booking_status(hall, code) == "used"
    (receipt,) = simulator.wait_for_receipts(1)
    assert any(line.strip() == v.number for line in receipt.lines)
    # the same code again, ID scanned first this time: used once is used
    p.home()
    p.scanned(GOOD_ID)
    v = check_in(p, code)
    assert (v.screen, v.message) == ("appointment", "此預約碼已取過號")
    assert len(hall.service.state.tickets) == 1


def test_real_name_appointment_counts_against_the_daily_limit(
    booking_hall: RunningHall,
) -> None:
    hall = booking_hall
    codes = book(hall, "XK-GA-002", 2)
    client = hall.client("kiosk-01")
    desk = TicketDesk(hall.config, client, None)
    p = Presenter(hall.config, KioskDefaults(), ServiceBackend(desk, client), inline, KEY, Tick())
    for _ in range(3):  # three walk-in real-name tickets today
        p.home()
        p.scanned(GOOD_ID)
        p.choose_class(None)
        p.tap_entry("XK-GA-002")
        assert p.take_ticket().screen == "issued"
    p.home()
    p.scanned(GOOD_ID)  # the ID first: the code goes in with it at once
    v = check_in(p, codes[0])
    assert (v.screen, v.message_kind) == ("appointment", "error")
    assert v.message == "此身份證號碼今日取號已達上限，請洽導辦員"
    assert booking_status(hall, codes[0]) == "booked" and len(hall.service.state.tickets) == 3
    # someone else's ID: the same code checks in
    p.home()
    v = check_in(p, codes[0])
    assert v.message == "此事項須實名取號：請掃描身份證號碼"
    v = p.scanned("130127196211191209")
    assert v.screen == "issued" and booking_status(hall, codes[0]) == "used"
    # a scanned appointment code (its QR) checks in as if typed; back leaves the wait
    p.home()
    v = p.scanned(codes[1].lower())
    assert (v.screen, v.typed) == ("appointment", codes[1])
    assert v.message == "此事項須實名取號：請掃描身份證號碼"
    assert p.back().screen == "home" and not p.applicant.after_id_scan
    assert booking_status(hall, codes[1]) == "booked"


def test_the_notice_can_be_left_off_the_slip(make_kiosk, simulator: PrinterSimulator) -> None:
    p, _desk, _clock = make_kiosk()
    p.choose_class(None)
    p.tap_entry("XK-SJ-001")
    v = p.toggle_notice()
    assert not v.print_notice and v.notice_text == "不列印材料清單"
    p.take_ticket()
    (receipt,) = simulator.wait_for_receipts(1)
    assert not any("一次性告知" in line for line in receipt.lines)


# ------------------------------------------------------------------ never twice


def test_double_tap_issues_one_ticket(make_kiosk, hall: RunningHall) -> None:
    run = Deferred()
    p, _desk, _clock = make_kiosk(run=run)
    p.choose_class(None)
    p.tap_entry("XK-GA-001")
    v = p.take_ticket()
    assert v.busy and v.message == "正在取號，請稍候…"
    p.take_ticket()
    p.take_ticket()
    assert len(run.pending) == 1
    run.release()
    assert p.view.screen == "issued"
    assert ticket_count(hall) == 1


def test_service_away_retries_by_itself_and_issues_exactly_one_ticket(
    make_kiosk, hall: RunningHall
) -> None:
    p, _desk, clock = make_kiosk(timeout=0.4)
    hall.stop_service()
    p.choose_class(None)
    p.tap_entry("XK-SJ-001")
    v = p.take_ticket()
    assert v.screen == "confirm" and v.banner and v.message_kind == "error"
    assert "導辦員" in v.message
    command_id = p.applicant.request.command_id
    clock.now += 1
    assert p.tick().screen == "confirm"  # not due yet
    hall.start_service()
    clock.now += 3
    v = p.tick()
    assert v.screen == "issued", v.message
    assert p.applicant.request.command_id == command_id
    assert v.banner == "" and v.number == "B001"
    assert ticket_count(hall) == 1


def test_refusal_is_shown_and_a_new_touch_is_a_new_request(make_kiosk, hall) -> None:
    p, _desk, _clock = make_kiosk()
    p.choose_class(None)
    p.tap_entry("XK-GA-002")  # real-name item
    p.applicant.id_hash = "0" * 64  # an ID hash without a masked ID: the service refuses
    v = p.take_ticket()
    assert v.message == "此事項須實名取號，請先掃描身份證號碼"
    assert p.applicant.request is None and ticket_count(hall) == 0


# ------------------------------------------------------------------ printer


def test_paper_out_shows_number_and_qr_and_tells_the_guide(
    make_kiosk, hall: RunningHall, simulator: PrinterSimulator
) -> None:
    status = Collector()
    guide = hall.client("guide-01")
    guide.subscribe(hall.topics.status("kiosk-01"), status)
    simulator.flags.paper_out = True
    p, _desk, _clock = make_kiosk()
    p.choose_class(None)
    p.tap_entry("XK-SJ-001")
    v = p.take_ticket()
    assert v.screen == "issued" and v.number == "B001" and v.qr
    assert v.message_kind == "error" and "缺紙" in v.message
    assert simulator.receipts == []
    assert hall.service.state.ticket_by_number("B001").printed == "failed"
    status.wait_for(lambda _t, b: b.get("printer") == "printer.fault.paper_out")


def test_printer_offline_is_checked_before_issuing(make_kiosk, hall, simulator) -> None:
    p, desk, _clock = make_kiosk()
    simulator.stop()
    p.choose_class(None)
    p.tap_entry("XK-SJ-001")
    v = p.take_ticket()
    assert v.screen == "issued" and v.number == "B001"
    assert v.message_kind == "error"
    assert desk.printer_state.startswith("printer.fault.")
    assert hall.service.state.ticket_by_number("B001").printed == "failed"


# ------------------------------------------------------------------ scanning


def test_scans_id_bad_id_case_foreign(make_kiosk) -> None:
    p, _desk, _clock = make_kiosk()
    v = p.scanned(GOOD_ID)
    assert v.message_kind == "ok" and v.attached == ("已登記身份證號：1101**********002X",)
    assert GOOD_ID not in json.dumps(v.public(), ensure_ascii=False)
    v = p.scanned(BAD_ID)
    assert v.screen == "scan" and v.message == "身份證號碼校驗位錯誤，請核對號碼"
    v = p.scanned("GY202611250012X"[:-1] + "0")  # our case number shape, wrong check char
    assert v.message_kind == "error"
    from datetime import date

    from hall.codes import make_case_number

    # a well-formed case number the register does not hold: case.check_in refuses it
    v = p.scanned(make_case_number(date(2026, 11, 20), 12, "GY"))
    assert v.message_kind == "error" and v.message == t("errors.unknown_case", "zh-Hant")
    v = p.scanned("https://example.com/promo")
    assert v.message == "此條碼不是身份證號碼或本中心的辦件編號"
    p.set_language("en")
    v = p.scanned(BAD_ID)
    assert "check" in v.message.lower()


def test_a_scanner_fault_is_said_on_every_screen_until_it_reads_again(make_kiosk) -> None:
    p, _desk, _clock = make_kiosk(printer=False)
    prompt = p.view.scan_prompt
    v = p.set_scanner("scan.camera_fault")
    assert v.scanner_fault == "scan.camera_fault"
    assert v.scan_prompt == "掃描攝像頭無畫面，請聯繫工作人員"
    v = p.choose_class(None)
    assert v.scan_prompt == "掃描攝像頭無畫面，請聯繫工作人員"
    v = p.set_language("en")
    assert v.scan_prompt.startswith("The scanner camera shows no picture")
    v = p.tap_entry("XK-SJ-001")
    v = p.take_ticket()  # the kiosk works on without its scanner
    assert v.screen == "issued" and v.scan_prompt.startswith("The scanner camera")
    p.set_language("zh-Hant")
    v = p.set_scanner("ok")
    assert v.scanner_fault == "" and v.scan_prompt == prompt


def test_ticket_qr_shows_its_place_and_reprints(
    make_kiosk, hall: RunningHall, simulator: PrinterSimulator
) -> None:
    p, desk, _clock = make_kiosk()
    desk.take_ticket("XK-GA-001")
    second = desk.take_ticket("XK-GA-001")
    simulator.wait_for_receipts(2)
    v = p.scanned(second.ticket["ref"])
    assert v.screen == "scan" and v.number == "A002"
    assert "前面約有 1 人" in v.ticket_lines[1]
    assert v.can_reprint
    v = p.reprint()
    assert v.message == "已補印號票"
    receipts = simulator.wait_for_receipts(3)
    assert any("A002" in line for line in receipts[2].lines)
    assert ticket_count(hall) == 2
    v = p.scanned("GY-20200101-A001")
    assert v.message == "查無此號票（只能查詢今日號票）"


def test_real_name_item_asks_for_the_id_then_limits_per_day(make_kiosk, hall: RunningHall) -> None:
    p, _desk, _clock = make_kiosk(printer=False)
    for n in range(3):
        p.home()
        p.choose_class(None)
        p.tap_entry("XK-GA-002")
        v = p.take_ticket()
        assert v.screen == "confirm" and v.message == "此事項須實名取號：請掃描身份證號碼"
        v = p.scanned(GOOD_ID)  # the scan completes the request
        assert v.screen == "issued", v.message
        assert any("1101**********002X" in line for line in v.ticket_lines)
        saved = hall.service.state.ticket_by_number(v.number)
        assert saved.id_masked == "1101**********002X" and saved.id_hash and n < 3
        assert GOOD_ID not in json.dumps(saved.public())
    p.home()
    p.choose_class(None)
    p.tap_entry("XK-GA-002")
    p.scanned(GOOD_ID)
    v = p.take_ticket()
    assert v.screen == "confirm" and "上限" in v.message
    assert ticket_count(hall) == 3


# ------------------------------------------------------------------ idle


def test_idle_timeout_drops_the_half_made_choice(make_kiosk) -> None:
    p, _desk, clock = make_kiosk()
    p.toggle_priority("elderly")
    p.scanned(GOOD_ID)
    p.choose_class("licence")
    clock.now += 59
    assert p.tick().screen == "choose"
    clock.now += 2
    v = p.tick()
    assert v.screen == "home" and v.attached == ()
    assert not any(b.selected for b in v.priorities)


def test_issued_screen_goes_home_after_its_timeout(make_kiosk) -> None:
    p, _desk, clock = make_kiosk(printer=False)
    p.choose_class(None)
    p.tap_entry("XK-SJ-001")
    assert p.take_ticket().screen == "issued"
    clock.now += 21
    assert p.tick().screen == "home"
