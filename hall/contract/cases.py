"""The case register (辦件): windows register and move their cases; kiosks look notices up.

Case numbers are the hall code + receipt date + 4-digit daily serial + an ISO 7064 MOD 11-2
check character (``hall.codes``). Every event carries the whole case after the change, so a
reader needs no rules to follow it. Statuses, kinds and deadlines follow ``cases/rules.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from hall.conf.model import CaseKind, Role
from hall.contract.base import WINDOW_RE, Args, Domain, ReadModel, Stamp
from hall.contract.queue import Ticket, WaitShown
from hall.i18n import Lang

CASE_NO_RE = r"^[A-Z]{2}[0-9]{12}[0-9X]$"
CaseNo = Annotated[str, Field(pattern=CASE_NO_RE)]
Text = Annotated[str, Field(max_length=300)]
Status = Literal[
    "accepted",
    "in_progress",
    "waiting_materials",
    "opinions_in",
    "done",
    "replied",
    "recheck_requested",
]


class Applicant(Args):
    name: Annotated[str, Field(min_length=1, max_length=60)]
    unit: Annotated[str, Field(max_length=100)] = ""
    """The applicant's company or organisation, if any."""
    contact: Annotated[str, Field(min_length=1, max_length=60)]
    id_masked: Annotated[str, Field(max_length=20)] | None = None


class Material(Args):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    count: Annotated[int, Field(ge=0, le=999)] = 1


class RegisterCase(Args):
    """Window: register the case of the ticket at the counter (or one without a ticket)."""

    item: Annotated[str, Field(min_length=1, max_length=32)]
    kind: Annotated[CaseKind, Field(strict=False)]
    applicant: Applicant
    materials: list[Material] = Field(default_factory=list, max_length=50)
    """Materials received (name and count)."""
    missing: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50
    )
    """補辦件: exactly what the applicant must bring."""
    reason: Text = ""
    """答覆件: why the application does not qualify."""
    ticket: Annotated[str, Field(max_length=40)] | None = None


class UpdateCase(Args):
    case: CaseNo
    to: Status
    reason: Text = ""
    kind: Annotated[CaseKind, Field(strict=False)] | None = None
    """With ``waiting_materials -> accepted``: the kind the case goes on as."""


class HandOver(Args):
    case: CaseNo
    to_window: Annotated[str, Field(pattern=WINDOW_RE)]


class ExtendCase(Args):
    case: CaseNo
    days: Annotated[int, Field(ge=1, le=60)]
    approver: Annotated[str, Field(pattern=r"^S\d{3}$")]
    reason: Annotated[str, Field(min_length=1, max_length=300)]


class NotifyPartners(Args):
    case: CaseNo
    units: list[Annotated[str, Field(min_length=1, max_length=10)]] = Field(min_length=1)


class CaseOnly(Args):
    case: CaseNo


class SpecialNeeds(Args):
    case: CaseNo
    reason: Annotated[str, Field(min_length=1, max_length=300)]


class CaseCheckIn(Args):
    """Kiosk: a scanned notice; issues a returning-case ticket to the handling window."""

    case: CaseNo
    lang: Lang = "zh-Hant"


class CaseView(ReadModel):
    """A case as windows and kiosks see it."""

    number: str
    kind: str
    item: str
    unit: str
    window: str
    received: str
    status: Status
    due: str | None
    """The promised date (ISO), None while the clock has not started (補辦件)."""
    flag: str | None = None
    """``overdue``, ``due_today``, ``due_next_working_day`` or None."""
    applicant: dict[str, Any] = Field(default_factory=dict)
    materials: list[dict[str, Any]] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    first_handler: str | None = None
    history: list[dict[str, Any]] = Field(default_factory=list)
    partners: list[dict[str, Any]] = Field(default_factory=list)


class CaseResult(ReadModel):
    case: CaseView


class CaseCheckInResult(ReadModel):
    case: CaseView
    ticket: Ticket
    people_ahead: int
    est_wait_min: float
    """The wait at the case's window, where the ticket was sent (as ``ticket.status``)."""
    est_wait: WaitShown | None = None
    windows: list[str]


class CaseEvent(ReadModel):
    """Every ``case.*`` event: the change and the whole case after it."""

    case: dict[str, Any]
    number: str
    action: str
    by: str | None = None


class CasesSnapshot(Stamp):
    """``state/cases``: open cases flagged per window, and the counts the business section
    watches."""

    flagged: dict[str, list[CaseView]]
    """window -> its open cases that are overdue, due today or due the next working day."""
    open: int
    overdue: int
    registered_today: int


CASE_WINDOW_COMMANDS = (
    "case.register",
    "case.update",
    "case.hand_over",
    "case.extend",
    "case.notify_partners",
    "case.opinion",
    "case.special_needs",
    "case.result_ready",
    "case.applicant_absent",
)

DOMAIN = Domain(
    name="cases",
    commands={
        "case.register": RegisterCase,
        "case.update": UpdateCase,
        "case.hand_over": HandOver,
        "case.extend": ExtendCase,
        "case.notify_partners": NotifyPartners,
        "case.opinion": CaseOnly,
        "case.special_needs": SpecialNeeds,
        "case.result_ready": CaseOnly,
        "case.applicant_absent": CaseOnly,
        "case.lookup": CaseOnly,
        "case.check_in": CaseCheckIn,
    },
    results={
        **dict.fromkeys(CASE_WINDOW_COMMANDS, CaseResult),
        "case.lookup": CaseResult,
        "case.check_in": CaseCheckInResult,
    },
    roles={
        Role.WINDOW: (*CASE_WINDOW_COMMANDS, "case.lookup"),
        Role.KIOSK: ("case.lookup", "case.check_in"),
        Role.GUIDE: ("case.lookup",),
    },
    events={
        "case.registered": CaseEvent,
        "case.changed": CaseEvent,
    },
    snapshots={"cases": CasesSnapshot},
)
