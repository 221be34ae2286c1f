"""The queue domain: tickets from kiosks, the day, the board, the queues and the catalog."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from hall.conf.model import Role
from hall.contract.base import MASKED_ID_RE, Args, Domain, ReadModel, Stamp
from hall.i18n import Lang

# ---------------------------------------------------------------- vocabulary


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    VOID = "void"


ACTIVE_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)
AT_COUNTER = (TicketStatus.CALLED, TicketStatus.SERVING)


class PrintState(StrEnum):
    PENDING = "pending"
    PRINTED = "printed"
    FAILED = "failed"


class VoidReason(StrEnum):
    NO_SHOW = "no_show"
    DAY_CLOSED = "day_closed"


# ---------------------------------------------------------------- commands


class IssueTicket(Args):
    """Kiosk: issue a ticket for one service item."""

    item: Annotated[str, Field(min_length=1, max_length=32)]
    priority: Annotated[str, Field(pattern=r"^[a-z_]{2,20}$")] = "normal"
    lang: Lang = "zh-Hant"
    id_masked: Annotated[str, Field(pattern=MASKED_ID_RE)] | None = None
    """Only a masked ID number ever reaches the service."""
    id_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    """實名取號: HMAC-SHA256 of the ID number with the hall's key (``hall.idhash``); the
    service counts a person's tickets by it and never sees the number."""
    case_no: Annotated[str, Field(pattern=r"^[A-Z]{2}[0-9]{12}[0-9X]$")] | None = None


class PrintResult(Args):
    """Kiosk: whether the ticket came out of the printer."""

    ticket: Annotated[str, Field(min_length=1, max_length=40)]
    ok: bool
    error: Annotated[str, Field(max_length=200)] = ""


class TicketQuery(Args):
    """Kiosk: where a ticket of today stands (its QR was scanned), for the screen and a reprint."""

    ticket: Annotated[str, Field(min_length=1, max_length=40)]
    """The ticket's reference (QR), id or number."""


class Ping(Args):
    """Any client: a round trip through the service without touching state."""

    nonce: Annotated[str, Field(max_length=64)] = ""


# ---------------------------------------------------------------- read models


# The one definition of a ticket's fields: the queue service's own mutable record
# (``broker.state.Ticket``) is made from them, in this order, with these defaults, and what it
# publishes is exactly them. (A comment, not the docstring: that is in every JSON Schema.)
class Ticket(ReadModel):
    """A ticket as clients see it (in replies, ``ticket.issued`` and window snapshots)."""

    id: str
    """Unique across days: ``<YYYYMMDD>-<number>``."""
    ref: str
    """ASCII reference printed as QR: ``<HALL>-<YYYYMMDD>-<number>``."""
    day: str
    number: str
    prefix: str
    serial: int
    """The number's digits as an integer, counted per prefix per business day."""
    item: str
    priority: str
    rank: int
    issued_at: float
    order_key: float
    """Position in its queue: the issue time, moved back when a no-show is requeued."""
    kiosk: str = ""
    lang: Lang = "zh-Hant"
    id_masked: str | None = None
    id_hash: str | None = None
    """實名取號: keyed hash of the ID number (never the number)."""
    case_no: str | None = None
    status: TicketStatus = TicketStatus.WAITING
    window: str | None = None
    target_window: str | None = None
    calls: int = 0
    skips: int = 0
    transfers: int = 0
    printed: PrintState = PrintState.PENDING
    print_error: str = ""
    called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    outcome: str | None = None
    void_reason: str | None = None


class WaitShown(ReadModel):
    """The estimated wait as a kiosk, a slip or a screen shows it."""

    minutes: int
    """Rounded: to the minute under 10, to 5 minutes under 60, then to 10."""
    range: list[int] | None = None
    """``[low, high]`` minutes (80 %), given when the uncertainty is large: show it instead."""


class IssueResult(ReadModel):
    ticket: Ticket
    people_ahead: int
    est_wait_min: float
    """The model's minutes, one decimal (``broker/estimate.py``); screens show ``est_wait``."""
    est_wait: WaitShown | None = None
    open_windows: int
    """How many of the windows serving this prefix are open now."""
    windows: list[str]
    """The item's configured windows, open or not."""


class TicketResult(ReadModel):
    ticket: Ticket


class TicketStatusResult(ReadModel):
    ticket: Ticket
    people_ahead: int
    """As in the issue reply, for the ticket's place now; 0 once it is called."""
    est_wait_min: float
    """The issue reply's estimate for the ticket's place now (0 once it is called): asked at
    the moment of issue, the same number."""
    est_wait: WaitShown | None = None
    windows: list[str]
    """The windows that may call it: the item's, or the one it was sent to."""


class PingResult(ReadModel):
    pong: str
    seq: int
    at: str


# ---------------------------------------------------------------- events


class DayOpened(ReadModel):
    day: str
    previous: str | None
    service_minutes: dict[str, float] = Field(default_factory=dict)
    estimate: dict[str, Any] = Field(default_factory=dict)
    """What the wait estimate learned, carried over (pace per window, no-shows by wait)."""
    windows: list[str] = Field(default_factory=list)


class TicketIssued(ReadModel):
    ticket: Ticket
    ahead: int
    est_wait_min: float
    est_wait: WaitShown | None = None


class TicketPrinted(ReadModel):
    ticket: str
    ok: bool
    error: str = ""


class TicketCalled(ReadModel):
    """``ticket.called`` and ``ticket.recalled``: enough for a display to show and say it."""

    ticket: str
    number: str
    item: str
    window: str
    at: float


class TicketStarted(ReadModel):
    ticket: str
    window: str | None
    at: float


class TicketFinished(ReadModel):
    ticket: str
    window: str | None
    at: float
    outcome: str
    service_s: float | None
    """Start to finish, seconds; null when the window never pressed start."""
    item_min: float | None = None
    """The item's configured minutes (what the measured time is compared with)."""
    note: str = ""


class TicketRequeued(ReadModel):
    ticket: str
    order_key: float
    window: str | None = None
    skips: int | None = None
    transfer: bool = False
    item: str | None = None
    target_window: str | None = None
    note: str = ""


class TicketVoided(ReadModel):
    ticket: str
    reason: str


# ---------------------------------------------------------------- snapshots


class RecentCall(ReadModel):
    ticket: str
    number: str
    window: str
    at: float
    calls: int


class BoardWindow(ReadModel):
    status: str
    after_hours: bool
    current: str | None
    current_status: str | None


class Board(Stamp):
    """``state/board``: what the lobby display shows."""

    recent_calls: list[RecentCall]
    windows: dict[str, BoardWindow]


class PrefixQueue(ReadModel):
    waiting: int
    open_windows: int
    service_minutes: float
    """Measured minutes per ticket of the prefix (a moving mean); not used by the estimate."""
    est_item: str | None = None
    """The prefix's item with the most tickets waiting, whose wait the prefix shows."""
    est_wait_min: float
    """What a new normal ticket of ``est_item`` would be told now (``items_wait``)."""
    est_wait: WaitShown | None = None
    last_issued: int


class ItemWait(ReadModel):
    est_wait_min: float
    est_wait: WaitShown


class Queues(Stamp):
    """``state/queues``: per ticket prefix, and per item its waiting and the wait a new normal
    ticket of it would be told now (the ``ticket.issue`` reply's estimate)."""

    prefixes: dict[str, PrefixQueue]
    items_waiting: dict[str, int]
    items_wait: dict[str, ItemWait] = Field(default_factory=dict)


class Waiting(Stamp):
    """``state/waiting``: today's active tickets and those whose print failed, oldest first
    (at most 400; ``more`` counts the rest), at the pace of ``state/queues``."""

    tickets: list[dict[str, Any]]
    more: int = 0


class StorageState(ReadModel):
    ok: bool
    error: str | None = None


class ClockState(ReadModel):
    behind_business_day: str | None = None
    last_step: dict[str, Any] | None = None


class ServiceSnapshot(Stamp):
    """``state/service``."""

    started_at: float
    tickets_today: int
    waiting: int
    storage: StorageState
    clock: ClockState


class Names(ReadModel):
    """A name in the hall's three languages."""

    zh_Hant: str = Field(alias="zh-Hant")
    zh_Hans: str = Field(alias="zh-Hans")
    en: str

    def get(self, lang: str) -> str:
        return {"zh-Hant": self.zh_Hant, "zh-Hans": self.zh_Hans, "en": self.en}.get(
            lang, self.zh_Hant
        )


class CatalogHall(ReadModel):
    code: str
    name: Names


class CatalogItem(ReadModel):
    name: Names
    prefix: str
    unit: str
    windows: list[str]


class CatalogWindow(ReadModel):
    number: int
    name: Names
    unit: str


class Catalog(Stamp):
    """``state/catalog``: the hall's names, published once per service start."""

    hall: CatalogHall
    items: dict[str, CatalogItem]
    windows: dict[str, CatalogWindow]


DOMAIN = Domain(
    name="queue",
    commands={
        "ticket.issue": IssueTicket,
        "ticket.print_result": PrintResult,
        "ticket.status": TicketQuery,
        "service.ping": Ping,
    },
    results={
        "ticket.issue": IssueResult,
        "ticket.print_result": TicketResult,
        "ticket.status": TicketStatusResult,
        "service.ping": PingResult,
    },
    roles={
        Role.KIOSK: ("ticket.issue", "ticket.print_result", "ticket.status", "service.ping"),
        Role.WINDOW: ("service.ping",),
        Role.GUIDE: ("service.ping",),
        Role.SIGNIN: ("service.ping",),
        Role.DUTY: ("service.ping",),
        Role.DIAG: ("service.ping",),
    },
    events={
        "day.opened": DayOpened,
        "ticket.issued": TicketIssued,
        "ticket.printed": TicketPrinted,
        "ticket.called": TicketCalled,
        "ticket.recalled": TicketCalled,
        "ticket.started": TicketStarted,
        "ticket.finished": TicketFinished,
        "ticket.requeued": TicketRequeued,
        "ticket.voided": TicketVoided,
    },
    snapshots={
        "board": Board,
        "queues": Queues,
        "waiting": Waiting,
        "service": ServiceSnapshot,
        "catalog": Catalog,
    },
)
