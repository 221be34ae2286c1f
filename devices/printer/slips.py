"""The queue ticket and the case notice slips: plain data in, print operations out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from devices.printer.ops import Barcode128, Cut, Feed, Line, Op, QRCode, Rule
from devices.printer.text import display_width
from hall.conf.model import CaseKind
from hall.i18n import LANGUAGES, t

NOTICE_KINDS = (CaseKind.PROMISED, CaseKind.JOINT, CaseKind.REPLY, CaseKind.SUPPLEMENT)
MAX_VISIBLE_ID_CHARS = 8


class CopyHolder(StrEnum):
    """Who keeps one copy of a case notice."""

    WINDOW = "window"
    APPLICANT = "applicant"
    BUSINESS = "business"


THREE_COPIES = (CopyHolder.WINDOW, CopyHolder.APPLICANT, CopyHolder.BUSINESS)
"""承諾件 and 答覆件 notices: window, applicant and 業務科 each keep one."""


def check_masked_id(value: str | None) -> None:
    """Refuse anything that could be a whole ID number: a slip shows only a masked one."""
    if value is None:
        return
    visible = sum(1 for char in value if char != "*")
    if "*" not in value or visible > MAX_VISIBLE_ID_CHARS:
        raise ValueError("id_masked must be masked with '*' (at most 8 characters visible)")


def _check_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")


@dataclass(frozen=True)
class TicketSlip:
    """What a kiosk prints when an applicant takes a number."""

    language: str
    hall_name: str
    ticket_number: str
    service_name: str
    window_names: list[str]
    people_ahead: int
    est_wait_minutes: int
    issued_at: datetime
    reference: str
    id_masked: str | None = None
    materials: list[str] | None = None
    """The item's required materials (一次性告知), printed when given."""
    priority_name: str | None = None
    """The priority class (e.g. 老年人／殘疾人), printed when the ticket is not a normal one."""

    def __post_init__(self) -> None:
        _check_language(self.language)
        check_masked_id(self.id_masked)
        if not self.reference.isascii() or not self.reference:
            raise ValueError("reference must be non-empty ASCII (it goes into the QR code)")
        if self.people_ahead < 0 or self.est_wait_minutes < 0:
            raise ValueError("people_ahead and est_wait_minutes cannot be negative")


@dataclass(frozen=True)
class CaseNoticeSlip:
    """A 承諾件 / 聯辦件 / 答覆件 / 補辦件 notice handed out at a window."""

    language: str
    hall_name: str
    kind: CaseKind
    case_number: str
    item_name: str
    unit: str
    window: str
    received_on: date
    issued_at: datetime
    deadline: date | None = None
    applicant_name: str | None = None
    applicant_id_masked: str | None = None
    missing_materials: list[str] | None = None
    reason: str | None = None
    copies: tuple[CopyHolder, ...] = field(default=())
    """Who keeps a copy; empty = the seed's rule for the kind (see :func:`copies_for`)."""

    def __post_init__(self) -> None:
        _check_language(self.language)
        check_masked_id(self.applicant_id_masked)
        if self.kind not in NOTICE_KINDS:
            raise ValueError(f"no notice is printed for a {self.kind} case")
        if not self.case_number.isascii():
            raise ValueError("case_number must be ASCII (it is printed as Code128)")
        if self.kind is CaseKind.SUPPLEMENT and not self.missing_materials:
            raise ValueError("a supplement notice lists the missing materials")
        if self.kind is CaseKind.REPLY and not self.reason:
            raise ValueError("a reply notice says why the application does not qualify")
        if self.kind in (CaseKind.PROMISED, CaseKind.JOINT) and self.deadline is None:
            raise ValueError(f"a {self.kind} notice needs its deadline")


def copies_for(slip: CaseNoticeSlip) -> tuple[CopyHolder, ...]:
    """The copies to print: promised and reply notices in three, others for the applicant."""
    if slip.copies:
        return slip.copies
    if slip.kind in (CaseKind.PROMISED, CaseKind.REPLY):
        return THREE_COPIES
    return (CopyHolder.APPLICANT,)


def format_date(day: date, lang: str) -> str:
    return t("printer.format.date", lang, year=day.year, month=day.month, day=day.day)


def format_datetime(moment: datetime, lang: str) -> str:
    return t(
        "printer.format.datetime",
        lang,
        year=moment.year,
        month=moment.month,
        day=moment.day,
        hour=moment.hour,
        minute=moment.minute,
    )


def _numbered(items: list[str], lang: str, proportional: bool = False) -> list[Op]:
    """A numbered list with a left margin; wrapped lines hang under the item's text."""
    return [
        Line(
            t("printer.format.list_item", lang, index=index, text=text),
            indent=1,
            hang=len(str(index)) + 2,
            proportional=proportional,
        )
        for index, text in enumerate(items, start=1)
    ]


NARROWEST_COLUMNS = 32
"""Font A columns of a 58 mm printer: a window list that fits goes on one line."""


def _window_lines(slip: TicketSlip, latin: bool) -> list[Op]:
    """The windows on one line when they fit the narrowest paper, else one per line:
    a line never breaks inside a window's name."""
    lang = slip.language
    separator = t("printer.format.list_separator", lang)
    joined = t("printer.ticket.windows", lang, windows=separator.join(slip.window_names))
    if display_width(joined) <= NARROWEST_COLUMNS or len(slip.window_names) == 1:
        return [Line(joined, align="center", proportional=latin)]
    ops: list[Op] = [Line(t("printer.ticket.windows_title", lang), proportional=latin)]
    ops += [Line(name, indent=2, proportional=latin) for name in slip.window_names]
    return ops


def ticket_ops(slip: TicketSlip) -> list[Op]:
    """The queue ticket's layout. Latin text (the English slip) is drawn with the
    proportional font: the printer's own font is monospaced and cramps it."""
    lang = slip.language
    latin = lang == "en"
    ops: list[Op] = [
        Line(slip.hall_name, align="center", bold=True, proportional=latin),
        Line(t("printer.ticket.title", lang), align="center", proportional=latin),
        Rule(),
        Line(t("printer.ticket.your_number", lang), align="center", proportional=latin),
        Line(slip.ticket_number, align="center", bold=True, width=4, height=4),
    ]
    if slip.priority_name:
        ops.append(
            Line(
                t("printer.ticket.priority", lang, name=slip.priority_name),
                align="center",
                bold=True,
                width=1 if latin else 2,
                height=1 if latin else 2,
                proportional=latin,
            )
        )
    ops.append(
        # Chinese titles are drawn double height; a Latin title at double height is squeezed
        # (half as wide as tall), so it is drawn bold at its natural proportions instead.
        Line(
            t("printer.ticket.service", lang, name=slip.service_name),
            align="center",
            bold=True,
            height=1 if latin else 2,
            proportional=latin,
        )
    )
    ops += _window_lines(slip, latin)
    if slip.people_ahead:
        ops.append(
            Line(
                t("printer.ticket.ahead", lang, count=slip.people_ahead),
                align="center",
                proportional=latin,
            )
        )
        ops.append(
            Line(
                t("printer.ticket.wait", lang, minutes=slip.est_wait_minutes),
                align="center",
                proportional=latin,
            )
        )
    else:
        ops.append(Line(t("printer.ticket.ahead_none", lang), align="center", proportional=latin))
    ops.append(Rule())
    if slip.materials:
        ops.append(Line(t("printer.ticket.materials_title", lang), bold=True, proportional=latin))
        ops.extend(_numbered(slip.materials, lang, latin))
        ops.append(Rule())
    if slip.id_masked:
        ops.append(Line(t("printer.ticket.id", lang, id=slip.id_masked), proportional=latin))
    ops += [
        Line(
            t("printer.ticket.issued", lang, time=format_datetime(slip.issued_at, lang)),
            proportional=latin,
        ),
        QRCode(slip.reference),
        Line(t("printer.ticket.reference", lang, reference=slip.reference), align="center"),
        Line(t("printer.ticket.scan", lang), align="center", proportional=latin),
        Line(t("printer.ticket.footer", lang), align="center", proportional=latin),
        Cut(),
    ]
    return ops


def case_notice_ops(slip: CaseNoticeSlip) -> list[Op]:
    """The case notice's layout, once per copy, each ending with a cut."""
    holders = copies_for(slip)
    ops: list[Op] = []
    for index, holder in enumerate(holders, start=1):
        ops += _case_notice_copy(slip, index, len(holders), holder)
    return ops


def _case_notice_copy(slip: CaseNoticeSlip, index: int, total: int, holder: CopyHolder) -> list[Op]:
    lang = slip.language
    kind = slip.kind.value
    holder_text = t(f"printer.notice.holder_{holder.value}", lang)
    ops: list[Op] = [
        Line(slip.hall_name, align="center", bold=True),
        Line(t(f"printer.notice.title_{kind}", lang), align="center", bold=True, width=2, height=2),
        Line(
            t("printer.notice.copy", lang, index=index, total=total, holder=holder_text),
            align="center",
        ),
        Rule(),
        Barcode128(slip.case_number),
        Line(t("printer.notice.case_number", lang, number=slip.case_number), align="center"),
        Rule(),
    ]
    if slip.applicant_name:
        ops.append(Line(t("printer.notice.applicant", lang, name=slip.applicant_name)))
    if slip.applicant_id_masked:
        ops.append(Line(t("printer.notice.id", lang, id=slip.applicant_id_masked)))
    ops += [
        Line(t("printer.notice.item", lang, name=slip.item_name)),
        Line(t("printer.notice.unit", lang, unit=slip.unit)),
        Line(t("printer.notice.window", lang, window=slip.window)),
        Line(t("printer.notice.received", lang, date=format_date(slip.received_on, lang))),
    ]
    ops += _kind_section(slip)
    ops += [
        Rule(),
        Line(t("printer.notice.issued", lang, time=format_datetime(slip.issued_at, lang))),
        Feed(1),
        Line(t("printer.notice.signature_staff", lang)),
        Feed(1),
        Line(t("printer.notice.signature_applicant", lang)),
        Cut(),
    ]
    return ops


def _kind_section(slip: CaseNoticeSlip) -> list[Op]:
    lang = slip.language
    deadline = format_date(slip.deadline, lang) if slip.deadline else ""
    if slip.kind is CaseKind.PROMISED:
        return [
            Line(t("printer.notice.deadline_promised", lang, date=deadline), bold=True),
            Line(t("printer.notice.rule_promised", lang)),
        ]
    if slip.kind is CaseKind.JOINT:
        return [
            Line(t("printer.notice.deadline_joint", lang, date=deadline), bold=True),
            Line(t("printer.notice.rule_joint", lang, unit=slip.unit)),
        ]
    if slip.kind is CaseKind.REPLY:
        return [
            Line(t("printer.notice.reason", lang, reason=slip.reason), bold=True),
            Line(t("printer.notice.rule_reply", lang)),
        ]
    ops: list[Op] = [Line(t("printer.notice.missing_title", lang), bold=True)]
    ops += _numbered(slip.missing_materials or [], lang)
    if slip.deadline:
        ops.append(Line(t("printer.notice.deadline_supplement", lang, date=deadline)))
    ops.append(Line(t("printer.notice.rule_supplement", lang)))
    return ops


def slip_ops(slip: TicketSlip | CaseNoticeSlip) -> list[Op]:
    """The layout of either slip."""
    if isinstance(slip, TicketSlip):
        return ticket_ops(slip)
    return case_notice_ops(slip)
