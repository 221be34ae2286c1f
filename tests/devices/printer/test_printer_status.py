import pytest

from devices.printer.commands import status_query
from devices.printer.errors import (
    CoverOpen,
    PaperNearEnd,
    PaperOut,
    PrinterOffline,
    PrinterTimeout,
    StatusUnreadable,
)
from devices.printer.sim_model import StatusFlags
from devices.printer.status import check_ready, read_status, status_byte


def ask_flags(flags: StatusFlags):
    def ask(query: bytes) -> bytes:
        assert query[:2] == b"\x10\x04"
        return flags.reply(query[2])

    return ask


def test_ready_printer_has_no_faults() -> None:
    status = read_status(ask_flags(StatusFlags()))
    assert status.ready and status.online
    assert check_ready(status) == []


@pytest.mark.parametrize(
    ("flags", "fault"),
    [
        (StatusFlags(paper_out=True), PaperOut),
        (StatusFlags(cover_open=True), CoverOpen),
        (StatusFlags(offline=True), PrinterOffline),
        (StatusFlags(cover_open=True, paper_out=True), CoverOpen),
    ],
)
def test_blocking_faults_raise(flags: StatusFlags, fault: type) -> None:
    status = read_status(ask_flags(flags))
    with pytest.raises(fault):
        check_ready(status)


def test_paper_near_end_is_a_warning_unless_refused() -> None:
    status = read_status(ask_flags(StatusFlags(paper_near_end=True)))
    warnings = check_ready(status)
    assert [type(w) for w in warnings] == [PaperNearEnd]
    with pytest.raises(PaperNearEnd):
        check_ready(status, refuse_on_near_end=True)


def test_bits_follow_the_escpos_reference() -> None:
    # DLE EOT 4: bits 2-3 near end, bits 5-6 paper end; bit 1 and 4 always set.
    assert StatusFlags(paper_near_end=True).reply(4) == b"\x1e"
    assert StatusFlags(paper_out=True).reply(4) == b"\x72"
    assert StatusFlags(offline=True).reply(1) == b"\x1a"
    assert StatusFlags(cover_open=True).reply(2) == b"\x16"


def test_no_answer_is_a_timeout_and_garbage_is_unreadable() -> None:
    with pytest.raises(PrinterTimeout):
        status_byte(b"", 1)
    with pytest.raises(StatusUnreadable):
        status_byte(b"\xff", 1)
    with pytest.raises(StatusUnreadable):
        read_status(ask_flags(StatusFlags(garbled=True)))
    with pytest.raises(PrinterTimeout):
        read_status(ask_flags(StatusFlags(mute=True)))


def test_status_query_bytes() -> None:
    assert status_query(1) == b"\x10\x04\x01"
    with pytest.raises(ValueError):
        status_query(5)


def test_faults_carry_translated_messages() -> None:
    assert PaperOut().message("zh-Hant") == "印表機缺紙，請洽導辦員"
    assert PaperOut().message("en").startswith("Printer out of paper")
    assert PrinterTimeout().message("zh-Hans") == "打印机没有响应，请找导办员"
