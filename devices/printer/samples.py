"""Sample slips for ``hall device ticket --sample``, the docs and the golden tests."""

from __future__ import annotations

from datetime import date, datetime

from devices.printer.slips import CaseKind, CaseNoticeSlip, TicketSlip

SAMPLE_ISSUED_AT = datetime(2026, 11, 27, 9, 41)

_TEXT = {
    "zh-Hant": {
        "priority": "老年人／殘疾人",
        "hall": "高邑縣政務服務中心",
        "service": "個體工商戶設立登記",
        "windows": ["12號窗口（工商局）", "13號窗口"],
        "materials": [
            "個體工商戶開業登記申請書",
            "經營者身分證明（原件及影本）",
            "經營場所使用證明〔租賃合約或產權證明〕",
        ],
        "unit": "工商局",
        "window": "12號窗口",
        "applicant": "王○明",
        "missing": ["經營場所產權證明影本", "負責人近期一吋照片兩張"],
        "reason": "經營場所位於規劃禁止經營區域，不符合登記條件",
    },
    "zh-Hans": {
        "priority": "老年人／残疾人",
        "hall": "高邑县政务服务中心",
        "service": "个体工商户设立登记",
        "windows": ["12号窗口（工商局）", "13号窗口"],
        "materials": [
            "个体工商户开业登记申请书",
            "经营者身份证明（原件及复印件）",
            "经营场所使用证明〔租赁合同或产权证明〕",
        ],
        "unit": "工商局",
        "window": "12号窗口",
        "applicant": "王○明",
        "missing": ["经营场所产权证明复印件", "负责人近期一寸照片两张"],
        "reason": "经营场所位于规划禁止经营区域，不符合登记条件",
    },
    "en": {
        "priority": "Elderly / disabled",
        "hall": "Gaoyi County Government Affairs Service Center",
        "service": "Sole proprietorship registration",
        "windows": ["Window 12 (Industry & Commerce)", "Window 13"],
        "materials": [
            "Application form for opening a sole proprietorship",
            "Owner's ID (original and copy)",
            "Proof of use of the premises (lease or title deed)",
        ],
        "unit": "Industry & Commerce Bureau",
        "window": "Window 12",
        "applicant": "Wang X. M.",
        "missing": ["Copy of the premises' title deed", "Two recent 1-inch photos of the owner"],
        "reason": "the premises lie in a zone where this business is not permitted",
    },
}


def sample_ticket(lang: str = "zh-Hant", *, with_materials: bool = True) -> TicketSlip:
    """Ticket A012 for a registration item, with the one-time notice of its materials."""
    text = _TEXT[lang]
    return TicketSlip(
        language=lang,
        hall_name=text["hall"],
        ticket_number="A012",
        service_name=text["service"],
        window_names=text["windows"],
        people_ahead=4,
        est_wait_minutes=18,
        issued_at=SAMPLE_ISSUED_AT,
        id_masked="1301**********1209",
        reference="GY-20261127-A012",
        materials=text["materials"] if with_materials else None,
        priority_name=text["priority"],
    )


def sample_case_notice(lang: str = "zh-Hant", kind: CaseKind = CaseKind.PROMISED) -> CaseNoticeSlip:
    """A case notice of ``kind`` for case GY202611270012X."""
    text = _TEXT[lang]
    deadline = date(2026, 12, 4) if kind is not CaseKind.REPLY else None
    return CaseNoticeSlip(
        language=lang,
        hall_name=text["hall"],
        kind=kind,
        case_number="GY202611270012X",
        item_name=text["service"],
        unit=text["unit"],
        window=text["window"],
        received_on=SAMPLE_ISSUED_AT.date(),
        issued_at=SAMPLE_ISSUED_AT,
        deadline=deadline,
        applicant_name=text["applicant"],
        applicant_id_masked="1301**********1209",
        missing_materials=text["missing"] if kind is CaseKind.SUPPLEMENT else None,
        reason=text["reason"] if kind is CaseKind.REPLY else None,
    )
