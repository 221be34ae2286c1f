from dataclasses import replace
from datetime import date

import pytest

from devices.printer.ops import Barcode128, Cut, Line, QRCode
from devices.printer.samples import SAMPLE_ISSUED_AT, sample_case_notice, sample_ticket
from devices.printer.slips import (
    CaseKind,
    CaseNoticeSlip,
    CopyHolder,
    TicketSlip,
    case_notice_ops,
    ticket_ops,
)


def texts(ops: list) -> list[str]:
    return [op.text for op in ops if isinstance(op, Line)]


def test_ticket_shows_everything_the_applicant_needs() -> None:
    ops = ticket_ops(sample_ticket("zh-Hant"))
    lines = texts(ops)
    assert lines[0] == "高邑縣政務服務中心"
    big = next(op for op in ops if isinstance(op, Line) and op.text == "A012")
    assert big.width >= 3 and big.height >= 3
    assert "辦理事項：個體工商戶設立登記" in lines
    assert "優先：老年人／殘疾人" in lines
    # the window list does not fit 58 mm paper on one line: one whole name per line
    at = lines.index("辦理窗口：")
    assert lines[at + 1 : at + 3] == ["12號窗口（工商局）", "13號窗口"]
    assert "前面還有 4 人等候" in lines
    assert "預計等候約 18 分鐘" in lines
    assert "取號時間：2026年11月27日 09:41" in lines
    assert "身分證號：1301**********1209" in lines
    assert "一次性告知：請備齊以下材料" in lines
    assert "1. 個體工商戶開業登記申請書" in lines
    assert [op.payload for op in ops if isinstance(op, QRCode)] == ["GY-20261127-A012"]
    assert isinstance(ops[-1], Cut)


def test_ticket_without_id_or_materials_or_queue() -> None:
    slip = replace(sample_ticket("en", with_materials=False), id_masked=None, people_ahead=0)
    lines = texts(ticket_ops(slip))
    assert not any(line.startswith("ID number") for line in lines)
    assert not any("One-time notice" in line for line in lines)
    assert "Nobody ahead of you: watch for your number" in lines


@pytest.mark.parametrize("bad", ["130105198001011209", "13010519800101120X", "1301*198001011209"])
def test_a_whole_id_number_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        replace(sample_ticket(), id_masked=bad)


def test_reference_must_be_ascii() -> None:
    with pytest.raises(ValueError):
        replace(sample_ticket(), reference="高邑-A012")


def test_promised_notice_prints_three_labelled_copies() -> None:
    ops = case_notice_ops(sample_case_notice("zh-Hant", CaseKind.PROMISED))
    assert sum(isinstance(op, Cut) for op in ops) == 3
    lines = texts(ops)
    assert lines.count("承諾件通知書") == 3
    assert "第 1 聯（共 3 聯）：窗口存根" in lines
    assert "第 3 聯（共 3 聯）：業務科存查" in lines
    assert "承諾辦結日期：2026年12月4日" in lines
    assert [op.data for op in ops if isinstance(op, Barcode128)] == ["GY202611270012X"] * 3
    assert "辦件編號：GY202611270012X" in lines


@pytest.mark.parametrize(
    ("kind", "title", "specific"),
    [
        (CaseKind.JOINT, "聯辦件通知書", "5 個工作日內"),
        (CaseKind.REPLY, "答覆件通知書", "不予受理原因："),
        (CaseKind.SUPPLEMENT, "補辦件通知書", "1. 經營場所產權證明影本"),
    ],
)
def test_each_notice_kind_has_its_own_section(kind: CaseKind, title: str, specific: str) -> None:
    lines = texts(case_notice_ops(sample_case_notice("zh-Hant", kind)))
    assert title in lines
    assert any(specific in line for line in lines)


def test_notice_rules() -> None:
    base = dict(
        language="zh-Hant",
        hall_name="高邑縣政務服務中心",
        case_number="GY202611270012X",
        item_name="x",
        unit="工商局",
        window="12號窗口",
        received_on=date(2026, 11, 27),
        issued_at=SAMPLE_ISSUED_AT,
    )
    with pytest.raises(ValueError):
        CaseNoticeSlip(kind=CaseKind.IMMEDIATE, **base)
    with pytest.raises(ValueError):
        CaseNoticeSlip(kind=CaseKind.SUPPLEMENT, **base)  # no missing materials
    with pytest.raises(ValueError):
        CaseNoticeSlip(kind=CaseKind.PROMISED, **base)  # no deadline
    slip = CaseNoticeSlip(
        kind=CaseKind.JOINT, deadline=date(2026, 12, 4), copies=(CopyHolder.WINDOW,), **base
    )
    assert sum(isinstance(op, Cut) for op in case_notice_ops(slip)) == 1


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        TicketSlip(
            language="fr",
            hall_name="h",
            ticket_number="A1",
            service_name="s",
            window_names=[],
            people_ahead=0,
            est_wait_minutes=0,
            issued_at=SAMPLE_ISSUED_AT,
            reference="R",
        )


def test_short_window_list_stays_on_one_line_and_normal_ticket_has_no_priority() -> None:
    slip = replace(
        sample_ticket("zh-Hans"), window_names=["1号窗口", "4号窗口"], priority_name=None
    )
    lines = texts(ticket_ops(slip))
    assert "办理窗口：1号窗口、4号窗口" in lines
    assert not any(line.startswith("优先") for line in lines)


def test_english_slip_is_proportional_with_a_margin_for_materials() -> None:
    ops = [op for op in ticket_ops(sample_ticket("en")) if isinstance(op, Line)]
    title = next(op for op in ops if op.text.startswith("Service: "))
    assert title.proportional and title.width == title.height  # not squeezed
    material = next(op for op in ops if op.text.startswith("1. "))
    assert material.proportional and material.indent >= 1 and material.hang == 3
    assert next(op for op in ops if op.text == "A012").width == 4
    chinese = [op for op in ticket_ops(sample_ticket("zh-Hant")) if isinstance(op, Line)]
    assert not any(op.proportional for op in chinese)
