"""Print a registered case's notice (告知單) on the window's printer, in three copies: the
window's, the applicant's and the business section's (業務科). The slip layout is
``devices.printer.slips.CaseNoticeSlip``: the case number as Code128 and as text, the promised
date, and for a 補辦件 exactly which materials to bring."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from devices.printer.errors import PrinterFault
from devices.printer.service import TicketPrinter
from devices.printer.slips import NOTICE_KINDS, THREE_COPIES, CaseNoticeSlip
from hall.conf import HallConfig
from hall.conf.model import CaseKind

log = logging.getLogger(__name__)


def notice_slip(
    config: HallConfig, case: dict[str, Any], lang: str, now: datetime | None = None
) -> CaseNoticeSlip:
    """The notice of ``case`` (a ``case.register`` reply's case) in three copies."""
    item = config.item_by_code.get(case["item"])
    unit = config.unit_by_code.get(case["unit"])
    window = config.window_by_id.get(case["window"])
    applicant = case.get("applicant") or {}
    return CaseNoticeSlip(
        language=lang,
        hall_name=config.hall_file.hall.name.get(lang),
        kind=CaseKind(case["kind"]),
        case_number=case["number"],
        item_name=item.name.get(lang) if item else case["item"],
        unit=unit.name.get(lang) if unit else case["unit"],
        window=window.name.get(lang) if window else case["window"],
        received_on=date.fromisoformat(case["received"]),
        issued_at=now or datetime.now(config.tz),
        deadline=date.fromisoformat(case["due"]) if case.get("due") else None,
        applicant_name=applicant.get("name") or None,
        applicant_id_masked=applicant.get("id_masked") or None,
        missing_materials=list(case.get("missing") or []) or None,
        reason=case.get("reason") or _last_reason(case),
        copies=THREE_COPIES,
    )


def _last_reason(case: dict[str, Any]) -> str | None:
    """答覆件: the reason given at registration (kept in the case's history)."""
    for entry in reversed(case.get("history") or []):
        if entry.get("reason"):
            return str(entry["reason"])
    return None


@dataclass
class NoticePrinter:
    """Called by the controller with each registered case; True when the notice printed."""

    config: HallConfig
    printer: TicketPrinter
    lang: str = "zh-Hant"

    def __call__(self, case: dict[str, Any]) -> bool:
        if CaseKind(case["kind"]) not in NOTICE_KINDS:
            return False
        try:
            result = self.printer.print_slip(notice_slip(self.config, case, self.lang))
        except (PrinterFault, OSError, ValueError) as exc:
            log.warning("notice for %s not printed: %s", case.get("number"), exc)
            return False
        return result.receipts == len(THREE_COPIES)

    def close(self) -> None:
        self.printer.close()
