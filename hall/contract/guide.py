"""Staff sign-in at terminals and consoles, the guide officer's commands, complaints (零投訴),
appointments and the rating pad (好差評)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from hall.conf.model import Role
from hall.contract.base import MASKED_ID_RE, WINDOW_RE, Args, Domain, NoArgs, ReadModel, Stamp
from hall.contract.queue import Ticket
from hall.i18n import Lang

STAFF_RE = r"^S\d{3}$"
CLIENT_RE = r"^[a-z][a-z0-9-]{1,31}$"
APPOINTMENT_CODE_RE = r"^[A-HJ-NP-Z2-9]{6}$"
"""Six characters without 0/O, 1/I: read aloud on the phone, typed at a kiosk."""
Note = Annotated[str, Field(max_length=300)]
TicketKey = Annotated[str, Field(min_length=1, max_length=40)]

# ---------------------------------------------------------------- staff sign-in


class StaffSignIn(Args):
    """A person signs in at this terminal or console; their commands are then theirs."""

    staff: Annotated[str, Field(pattern=STAFF_RE)]
    pin: Annotated[str, Field(pattern=r"^\d{4,8}$")]


class StaffOnDuty(ReadModel):
    client: str
    staff: str
    name: str
    window: str | None = None


class SignInResult(ReadModel):
    staff: StaffOnDuty


# ---------------------------------------------------------------- guide: the queue


class MoveTicket(Args):
    """Send a waiting ticket to another item and/or window; it keeps its place (issue time)."""

    ticket: TicketKey
    to_item: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    to_window: Annotated[str, Field(pattern=WINDOW_RE)] | None = None
    note: Note = ""


class Prioritise(Args):
    """Give a waiting ticket another priority class (VIP too, which kiosks cannot give)."""

    ticket: TicketKey
    priority: Annotated[str, Field(pattern=r"^[a-z_]{2,20}$")]
    note: Note = ""


class Reprint(Args):
    """Print a ticket again, on a named kiosk's printer."""

    ticket: TicketKey
    kiosk: Annotated[str, Field(pattern=CLIENT_RE)]


class VoidTicket(Args):
    ticket: TicketKey
    reason: Annotated[str, Field(min_length=1, max_length=200)]


class SetWindow(Args):
    """Open, pause or close any window (a window left open at lunch, say)."""

    window: Annotated[str, Field(pattern=WINDOW_RE)]
    status: Literal["open", "paused", "closed"]


class NoticeText(Args):
    zh_Hant: Annotated[str, Field(alias="zh-Hant", max_length=300)]
    zh_Hans: Annotated[str, Field(alias="zh-Hans", max_length=300)] = ""
    en: Annotated[str, Field(max_length=300)] = ""


class SetNotice(Args):
    """The scrolling notice of the lobby display; empty text clears it."""

    text: NoticeText
    until: Annotated[float, Field(gt=0)] | None = None
    """Epoch seconds after which displays stop showing it."""


# ---------------------------------------------------------------- complaints


class OpenComplaint(Args):
    applicant: Annotated[str, Field(min_length=1, max_length=100)]
    """Who complains: name and how to reach them."""
    what: Annotated[str, Field(min_length=1, max_length=1000)]
    window: Annotated[str, Field(pattern=WINDOW_RE)] | None = None
    ticket: TicketKey | None = None


class FollowComplaint(Args):
    complaint: Annotated[str, Field(pattern=r"^C\d{8}-\d{3}$")]
    note: Annotated[str, Field(min_length=1, max_length=1000)]


class CloseComplaint(Args):
    complaint: Annotated[str, Field(pattern=r"^C\d{8}-\d{3}$")]
    result: Annotated[str, Field(min_length=1, max_length=1000)]


class ComplaintEntry(ReadModel):
    at: float
    by: str | None
    note: str


class Complaint(ReadModel):
    id: str
    opened_at: float
    applicant: str
    what: str
    window: str | None
    ticket: str | None
    by: str | None
    status: Literal["open", "closed"]
    follow_up: list[ComplaintEntry] = Field(default_factory=list)
    result: str | None = None
    closed_at: float | None = None
    closed_by: str | None = None


class ComplaintResult(ReadModel):
    complaint: Complaint


# ---------------------------------------------------------------- appointments


class BookAppointment(Args):
    """Taken by phone or at the desk: a day, a slot, an item, who, how to reach them."""

    day: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    slot: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")]
    item: Annotated[str, Field(min_length=1, max_length=32)]
    name: Annotated[str, Field(min_length=1, max_length=40)]
    phone: Annotated[str, Field(pattern=r"^[0-9+\- ]{5,20}$")]


class CancelAppointment(Args):
    code: Annotated[str, Field(pattern=APPOINTMENT_CODE_RE)]


class CheckIn(Args):
    """Kiosk: an appointment code typed or scanned; issues its ticket."""

    code: Annotated[str, Field(min_length=1, max_length=12)]
    lang: Lang = "zh-Hant"
    id_masked: Annotated[str, Field(pattern=MASKED_ID_RE)] | None = None
    """The applicant's scanned ID, masked (as ``ticket.issue``); kept on the ticket."""
    id_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    """實名取號: the keyed hash of the ID number (as ``ticket.issue``); needed, with
    ``id_masked``, when the booked item is a real-name item, ignored otherwise."""


class Appointment(ReadModel):
    code: str
    day: str
    slot: str
    item: str
    name: str
    phone: str
    """Masked in snapshots and replies to kiosks (``138****1234``)."""
    status: Literal["booked", "used", "cancelled"]
    ticket: str | None = None


class AppointmentResult(ReadModel):
    appointment: Appointment


class CheckInResult(ReadModel):
    """The ticket, with ``late`` when the slot's grace had passed (a normal ticket then)."""

    ticket: Ticket
    people_ahead: int
    est_wait_min: float
    windows: list[str]
    appointment: Appointment
    late: bool


# ---------------------------------------------------------------- ratings


class Rate(Args):
    """Rating pad: the applicant's rating of a finished ticket at this window."""

    ticket: TicketKey
    level: Annotated[int, Field(ge=1, le=5)]
    """5 非常滿意 very satisfied ... 1 非常不滿意 very dissatisfied."""
    reason: Annotated[str, Field(max_length=300)] = ""


class Rating(ReadModel):
    ticket: str
    number: str
    window: str
    staff: str | None
    level: int
    reason: str
    at: float


class RatingResult(ReadModel):
    rating: Rating


# ---------------------------------------------------------------- events and snapshots


class StaffSignedIn(ReadModel):
    client: str
    staff: str
    window: str | None = None
    at: float | None = None
    """A leave desk only: the writer's clock at the sign-in (seconds since the epoch)."""
    lapse_s: float | None = None
    """A leave desk only: the sign-in lapses after this long without a command there."""


class StaffSignedOut(ReadModel):
    client: str
    staff: str
    reason: Literal["lapsed"] | None = None
    """``lapsed``: the writer ended a leave desk's idle sign-in (no ``by``)."""
    idle_s: float | None = None
    """With ``lapsed``: seconds since the desk's last command (or its sign-in)."""
    local_at: str | None = None
    """With ``lapsed``: the hall-local ISO time of the lapse (as attendance events carry it)."""


class TicketMoved(ReadModel):
    ticket: str
    item: str
    target_window: str | None
    note: str = ""
    by: str | None = None


class TicketPrioritised(ReadModel):
    ticket: str
    priority: str
    rank: int
    note: str = ""
    by: str | None = None


class ReprintRequested(ReadModel):
    ticket: str
    kiosk: str
    by: str | None = None


class NoticeSet(ReadModel):
    text: dict[str, str]
    until: float | None = None
    by: str | None = None


class ComplaintOpened(ReadModel):
    id: str
    at: float
    applicant: str
    what: str
    window: str | None = None
    ticket: str | None = None
    by: str | None = None


class ComplaintFollowed(ReadModel):
    id: str
    at: float
    note: str
    by: str | None = None


class ComplaintClosed(ReadModel):
    id: str
    at: float
    result: str
    by: str | None = None


class AppointmentBooked(ReadModel):
    code: str
    day: str
    slot: str
    item: str
    name: str
    phone: str
    by: str | None = None


class AppointmentChanged(ReadModel):
    """``appointment.cancelled`` and ``appointment.used``."""

    code: str
    ticket: str | None = None
    late: bool = False
    by: str | None = None


class RatingGiven(ReadModel):
    ticket: str
    number: str
    window: str
    staff: str | None = None
    level: int
    reason: str = ""
    at: float


class Notice(Stamp):
    """``state/notice``: the lobby display's scrolling notice."""

    text: dict[str, str]
    until: float | None = None
    by: str | None = None


class Complaints(Stamp):
    """``state/complaints``: open complaints and the last closed ones (the guide console)."""

    open: list[Complaint]
    closed_recently: list[Complaint]
    opened_this_month: int


class Appointments(Stamp):
    """``state/appointments``: today's and coming bookings, phones masked."""

    days: dict[str, list[Appointment]]


class Ratings(Stamp):
    """``state/ratings``: today's ratings by level and the low ones (for the guide console)."""

    today: dict[str, int]
    low: list[Rating]


class Staffing(Stamp):
    """``state/staff``: who is signed in where."""

    on_duty: list[StaffOnDuty]


GUIDE_COMMANDS = (
    "guide.move",
    "guide.prioritise",
    "guide.reprint",
    "guide.void",
    "guide.window",
    "guide.notice",
    "complaint.open",
    "complaint.follow",
    "complaint.close",
    "appointment.book",
    "appointment.cancel",
)

DOMAIN = Domain(
    name="guide",
    commands={
        "staff.sign_in": StaffSignIn,
        "staff.sign_out": NoArgs,
        "guide.move": MoveTicket,
        "guide.prioritise": Prioritise,
        "guide.reprint": Reprint,
        "guide.void": VoidTicket,
        "guide.window": SetWindow,
        "guide.notice": SetNotice,
        "complaint.open": OpenComplaint,
        "complaint.follow": FollowComplaint,
        "complaint.close": CloseComplaint,
        "appointment.book": BookAppointment,
        "appointment.cancel": CancelAppointment,
        "ticket.check_in": CheckIn,
        "rating.submit": Rate,
    },
    results={
        "staff.sign_in": SignInResult,
        "guide.move": ReadModel,
        "guide.prioritise": ReadModel,
        "guide.reprint": ReadModel,
        "guide.void": ReadModel,
        "guide.window": ReadModel,
        "guide.notice": ReadModel,
        "complaint.open": ComplaintResult,
        "complaint.follow": ComplaintResult,
        "complaint.close": ComplaintResult,
        "appointment.book": AppointmentResult,
        "appointment.cancel": AppointmentResult,
        "ticket.check_in": CheckInResult,
        "rating.submit": RatingResult,
    },
    roles={
        Role.WINDOW: ("staff.sign_in", "staff.sign_out"),
        Role.GUIDE: ("staff.sign_in", "staff.sign_out", *GUIDE_COMMANDS),
        Role.DUTY: ("staff.sign_in", "staff.sign_out"),
        Role.KIOSK: ("ticket.check_in",),
        Role.RATING: ("rating.submit", "service.ping"),
    },
    events={
        "staff.signed_in": StaffSignedIn,
        "staff.signed_out": StaffSignedOut,
        "ticket.moved": TicketMoved,
        "ticket.prioritised": TicketPrioritised,
        "ticket.reprint": ReprintRequested,
        "notice.set": NoticeSet,
        "complaint.opened": ComplaintOpened,
        "complaint.followed": ComplaintFollowed,
        "complaint.closed": ComplaintClosed,
        "appointment.booked": AppointmentBooked,
        "appointment.cancelled": AppointmentChanged,
        "appointment.used": AppointmentChanged,
        "rating.given": RatingGiven,
    },
    snapshots={
        "notice": Notice,
        "complaints": Complaints,
        "appointments": Appointments,
        "ratings": Ratings,
        "staff": Staffing,
    },
)
