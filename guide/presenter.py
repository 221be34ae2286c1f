"""The guide console's view state (no Kivy): every queue, window, kiosk, rating, complaint and
appointment, from the retained snapshots, the statuses and the event stream.

There is no retained list of waiting tickets: the presenter builds it from the events it has
seen (``ticket.issued`` onwards) and tells how many waiting tickets it has not seen (those
issued before it connected; ``state/queues`` counts them). Texts are translation keys.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from hall.conf import HallConfig
from hall.conf.model import Role
from hall.contract import EVENT_MODELS, snapshot_model
from hall.contract.base import ClientStatus, ReadModel
from hall.contract.guide import (
    Appointment,
    Appointments,
    Complaint,
    Complaints,
    Notice,
    Rating,
    Ratings,
    Staffing,
)
from hall.contract.queue import Board, Queues, Ticket
from hall.i18n import catalog, t
from hall.protocol import Topics
from ui.link import connection_state

TABS = ("queue", "windows", "feedback", "appointments", "notice")
"""The console's pages; F1..F5 switch to them."""

ACTIONS = (
    "sign_in", "sign_out", "move", "prioritise", "reprint", "void", "window", "notice",
    "complaint_open", "complaint_follow", "complaint_close", "book", "cancel",
)  # fmt: skip
COMMAND_OF = {
    "sign_in": "staff.sign_in", "sign_out": "staff.sign_out", "move": "guide.move",
    "prioritise": "guide.prioritise", "reprint": "guide.reprint", "void": "guide.void",
    "window": "guide.window", "notice": "guide.notice", "complaint_open": "complaint.open",
    "complaint_follow": "complaint.follow", "complaint_close": "complaint.close",
    "book": "appointment.book", "cancel": "appointment.cancel",
}  # fmt: skip


@dataclass(frozen=True)
class Message:
    """The status line: ``key`` a translation key, ``level`` info/ok/error."""

    key: str
    level: str = "info"
    params: tuple[tuple[str, str], ...] = ()


@dataclass
class TicketRow:
    id: str
    number: str
    item: str
    priority: str
    rank: int
    order_key: float
    issued_at: float
    kiosk: str
    printed: str
    status: str
    target_window: str | None = None
    window: str | None = None


@dataclass(frozen=True)
class WaitingRow:
    number: str
    item: str
    priority: str
    target_window: str | None
    wait_min: int
    printed: str
    kiosk: str


@dataclass(frozen=True)
class WindowRow:
    window: str
    status: str
    after_hours: bool
    current: str | None
    current_status: str | None
    staff: str | None
    """Name of who serves there (``state/staff``)."""
    staff_id: str | None


@dataclass(frozen=True)
class KioskRow:
    client: str
    online: bool | None
    """None while no status is retained for it (never connected, or its status was cleared)."""
    printer: str
    """``ok``, ``none`` (no printer), ``unknown`` (not asked yet) or a fault or warning:
    ``paper_out``, ``paper_near_end``, ``cover_open``, ``offline``, ``timeout``,
    ``status_unreadable``, ``generic`` (any other ``printer.*`` key)."""
    scanner: str | None = None
    """``ok``, ``camera_fault``, ``scanner_fault`` or ``fault`` (another ``scan.*`` key);
    None when its status does not say (a kiosk from before the scanner was reported)."""
    presence: str | None = None
    """``online``; ``lost`` (its Last Will: crash, cable, power); ``closed`` (shut down on
    purpose); ``offline`` (a status from before the reason was given); None: no status."""
    minutes_ago: int | None = None
    """Whole minutes since it was lost or closed, when that time is known."""
    lost_before: str | None = None
    """``HH:MM`` (hall time) when the console first heard of a loss it did not see happen
    (retained from before the console connected): lost before then."""

    @property
    def alert(self) -> bool:
        """Someone should go and look: lost, offline, no status, or its printer or scanner at
        fault (a printer not asked yet is not a fault). A kiosk closed on purpose is not."""
        if self.presence == "closed":
            return False
        return (
            self.online is not True
            or self.printer not in ("ok", "unknown")
            or self.scanner not in (None, "ok")
        )

    def text_keys(self) -> tuple[str, ...]:
        """Translation keys of its line: the printer's state, then the scanner's; lost,
        closed, offline or no status alone (the devices' last states are stale then).
        ``guide.kiosk.lost`` and ``closed`` take ``{ago}`` (:meth:`ago`), ``lost_before``
        takes ``{time}`` (:attr:`lost_before`)."""
        if self.online is None:
            return ("guide.kiosk.no_status",)
        if self.presence == "lost":
            return ("guide.kiosk.lost_before" if self.minutes_ago is None else "guide.kiosk.lost",)
        if self.presence == "closed":
            return ("guide.kiosk.closed",)
        if self.online is False:
            return ("guide.kiosk.offline",)
        printer = f"guide.printer.{self.printer}"
        return (printer,) if self.scanner is None else (printer, f"guide.scanner.{self.scanner}")

    def ago(self) -> tuple[str, dict[str, int]] | None:
        """How long ago it was lost or closed as a ``guide.ago.*`` key and its parameters."""
        return None if self.minutes_ago is None else ago_text(self.minutes_ago)


@dataclass(frozen=True)
class _KioskSeen:
    """What the console holds of a kiosk's retained status."""

    presence: str
    printer: str
    scanner: str | None
    since: float | None
    """The ``since`` of its status: the connection it belongs to."""
    went_at: float | None = None
    """When it was lost (seen live) or closed (its ``at``), on this console's clock."""
    heard_at: float = 0.0
    """When this console first heard of this status (for a loss it did not see happen)."""


@dataclass(frozen=True)
class GuideView:
    connection: str
    """``online``, ``offline`` (our link) or ``service_offline`` (no heartbeat)."""
    signed_in: str | None
    signed_in_name: str | None
    waiting: tuple[WaitingRow, ...]
    unseen_waiting: int
    """Waiting tickets (``state/queues``) the console has not seen issued."""
    unprinted: tuple[WaitingRow, ...]
    prefixes: tuple[tuple[str, int, float], ...]
    """(prefix, waiting, estimated minutes)."""
    windows: tuple[WindowRow, ...]
    kiosks: tuple[KioskRow, ...]
    ratings_today: dict[str, int]
    low_ratings: tuple[Rating, ...]
    complaints: tuple[Complaint, ...]
    appointments: tuple[Appointment, ...]
    """Today's bookings."""
    appointments_ahead: int
    day: str
    """The business day shown (the service's)."""
    notice: dict[str, str]
    pending: str | None
    message: Message | None
    seq: int


def _model(model: type[ReadModel], body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError:
        return None


@dataclass
class _State:
    queues: Queues | None = None
    board: Board | None = None
    windows: dict[str, dict[str, Any]] = field(default_factory=dict)
    staffing: Staffing | None = None
    ratings: Ratings | None = None
    complaints: Complaints | None = None
    appointments: Appointments | None = None
    notice: Notice | None = None
    kiosks: dict[str, _KioskSeen] = field(default_factory=dict)
    tickets: dict[str, TicketRow] = field(default_factory=dict)
    day: str | None = None
    seq: int = 0


class GuidePresenter:
    """Thread-safe: MQTT handlers call :meth:`handle`, the screen reads :meth:`view`."""

    def __init__(
        self, config: HallConfig, clock: Callable[[], float] = time.time, client_id: str = ""
    ) -> None:
        self.config = config
        self.client_id = client_id
        """This console's client: ``state/staff`` tells who is signed in here (a restarted
        console picks up its sign-in; one that ended with the business day is dropped)."""
        self.clock = clock
        self.topics = Topics(config.topic_root)
        self.kiosk_ids = tuple(c.id for c in config.clients_with_role(Role.KIOSK))
        self.window_ids = tuple(w.id for w in config.windows)
        self._lock = threading.Lock()
        self._s = _State()
        self.connected = False
        self.service_responding = True
        self.signed_in: tuple[str, str] | None = None
        self.pending: str | None = None
        self.message: Message | None = None
        self._offset = 0.0
        """The service's clock minus ours, from the latest stamp (waits use its clock)."""

    # ------------------------------------------------------------ inputs

    def set_connected(self, connected: bool) -> None:
        self.connected = connected

    def set_service_responding(self, responding: bool) -> None:
        self.service_responding = responding

    def set_signed_in(self, staff: str | None, name: str | None = None) -> None:
        self.signed_in = (staff, name or staff) if staff else None

    def set_pending(self, action: str | None) -> None:
        self.pending = action

    def set_message(self, message: Message | None) -> None:
        self.message = message

    def handle(self, topic: str, body: dict[str, Any]) -> None:
        """A message from the broker (any thread)."""
        root = self.topics.root + "/"
        if not topic.startswith(root):
            return
        name = topic[len(root) :]
        stamp = body.get("at") if name == "events" else None  # live, never retained
        if isinstance(stamp, str) and stamp:
            with contextlib.suppress(ValueError):
                self._offset = datetime.fromisoformat(stamp).timestamp() - self.clock()
        with self._lock:
            if name == "events":
                self._event(body)
            elif name.startswith("state/"):
                self._snapshot(name[len("state/") :], body)
            elif name.startswith("status/"):
                client = name[len("status/") :]
                if client not in self.kiosk_ids:
                    return
                if not body:  # its retained status was cleared
                    self._s.kiosks.pop(client, None)
                    return
                self._kiosk_status(client, body)

    def _kiosk_status(self, client: str, body: dict[str, Any]) -> None:
        """A kiosk's status: when it went comes from a ``closed`` status's ``at``; a ``lost``
        one (the broker's Last Will, written at connect) has no time, so the loss is dated
        when heard, if the console saw that very connection (``since``) online before;
        otherwise it happened before the console heard of it."""
        try:
            status = ClientStatus.model_validate({"client": client, **body})
        except ValidationError:
            status = ClientStatus(client=client, online=body.get("online") is True)
        now = self.clock()
        prev = self._s.kiosks.get(client)
        presence = status.presence
        went_at: float | None = None
        heard_at = now
        if presence == "lost":
            if prev is not None and prev.presence == "lost" and prev.since == status.since:
                went_at, heard_at = prev.went_at, prev.heard_at  # heard again (resubscribed)
            elif (
                prev is not None
                and prev.presence == "online"
                and status.since is not None
                and prev.since == status.since
            ):
                went_at = now
        elif presence == "closed":
            went_at = status.at
        self._s.kiosks[client] = _KioskSeen(
            presence=presence,
            printer=printer_state(body.get("printer")),
            scanner=scanner_state(body.get("scanner")),
            since=status.since,
            went_at=went_at,
            heard_at=heard_at,
        )

    def _kiosk_row(self, client: str, local_now: float) -> KioskRow:
        seen = self._s.kiosks.get(client)
        if seen is None:
            return KioskRow(client, None, "unknown", None)
        minutes = None if seen.went_at is None else max(0, int((local_now - seen.went_at) // 60))
        before = None
        if seen.presence == "lost" and seen.went_at is None:
            before = datetime.fromtimestamp(seen.heard_at, self.config.tz).strftime("%H:%M")
        return KioskRow(
            client,
            seen.presence == "online",
            seen.printer,
            seen.scanner,
            presence=seen.presence,
            minutes_ago=minutes if seen.presence in ("lost", "closed") else None,
            lost_before=before,
        )

    def _snapshot(self, name: str, body: dict[str, Any]) -> None:
        if not body:
            return
        s = self._s
        if name.startswith("window/"):
            s.windows[name[len("window/") :]] = body
            return
        if name == "waiting":
            self._waiting_snapshot(body)
            return
        try:
            model = snapshot_model(name)
        except KeyError:
            return
        snap = _model(model, body)
        if snap is None:
            return
        if name in ("queues", "board", "ratings", "complaints", "appointments", "notice"):
            setattr(s, name, snap)
        elif name == "staff":
            s.staffing = snap
            if self.client_id:
                mine = next((d for d in snap.on_duty if d.client == self.client_id), None)
                self.signed_in = (mine.staff, mine.name) if mine else None
        if getattr(snap, "day", None):
            self._new_day(snap.day)

    def _waiting_snapshot(self, body: dict[str, Any]) -> None:
        """The writer's list of active tickets: adds those issued before this console
        connected; the events keep every row current after that."""
        if body.get("day"):
            self._new_day(str(body["day"]))
        for raw in body.get("tickets") or ():
            if not isinstance(raw, dict) or raw.get("id") in self._s.tickets:
                continue
            with contextlib.suppress(KeyError, TypeError, ValueError):
                self._s.tickets[str(raw["id"])] = TicketRow(
                    id=str(raw["id"]), number=str(raw["number"]), item=str(raw["item"]),
                    priority=str(raw["priority"]), rank=int(raw["rank"]),
                    order_key=float(raw["order_key"]), issued_at=float(raw["issued_at"]),
                    kiosk=str(raw.get("kiosk") or ""), printed=str(raw.get("printed") or ""),
                    status=str(raw["status"]), target_window=raw.get("target_window"),
                    window=raw.get("window"),
                )  # fmt: skip

    def _new_day(self, day: str) -> None:
        if self._s.day is not None and day > self._s.day:
            self._s.tickets.clear()
        if self._s.day is None or day > self._s.day:
            self._s.day = day

    def _event(self, body: dict[str, Any]) -> None:
        etype, data = body.get("type"), body.get("data")
        if not isinstance(data, dict) or etype not in EVENT_MODELS:
            return
        self._s.seq = max(self._s.seq, int(body.get("seq") or 0))
        if body.get("day"):
            self._new_day(str(body["day"]))
        ev = _model(EVENT_MODELS[etype], data)
        if ev is None:
            return
        tickets = self._s.tickets
        if etype == "ticket.issued":
            t: Ticket = ev.ticket
            tickets[t.id] = TicketRow(
                id=t.id, number=t.number, item=t.item, priority=t.priority, rank=t.rank,
                order_key=t.order_key, issued_at=t.issued_at, kiosk=t.kiosk,
                printed=str(t.printed), status=str(t.status), target_window=t.target_window,
            )  # fmt: skip
            return
        row = tickets.get(getattr(ev, "ticket", "") or "")
        if row is None:
            return
        if etype == "ticket.printed":
            row.printed = "ok" if ev.ok else "failed"
        elif etype == "ticket.reprint":
            row.printed = "pending"
        elif etype in ("ticket.called", "ticket.recalled"):
            row.status, row.window = "called", ev.window
        elif etype == "ticket.started":
            row.status = "serving"
        elif etype == "ticket.finished":
            row.status = "done"
        elif etype == "ticket.voided":
            row.status = "void"
        elif etype == "ticket.requeued":
            row.status, row.order_key = "waiting", ev.order_key
            if ev.item:
                row.item = ev.item
            if ev.transfer:
                row.target_window = ev.target_window
        elif etype == "ticket.moved":
            row.item, row.target_window = ev.item, ev.target_window
        elif etype == "ticket.prioritised":
            row.priority, row.rank = ev.priority, ev.rank

    # ------------------------------------------------------------ output

    def _row(self, t: TicketRow, now: float) -> WaitingRow:
        return WaitingRow(
            number=t.number, item=t.item, priority=t.priority, target_window=t.target_window,
            wait_min=max(0, int((now - t.issued_at) // 60)), printed=t.printed, kiosk=t.kiosk,
        )  # fmt: skip

    def now(self) -> float:
        """Now on the service's clock (the one that stamped the tickets)."""
        return self.clock() + self._offset

    def view(self) -> GuideView:
        now = self.now()
        with self._lock:
            s = self._s
            active = [t for t in s.tickets.values() if t.status == "waiting"]
            active.sort(key=lambda t: (-t.rank, t.order_key))
            waiting = tuple(self._row(t, now) for t in active)
            unprinted = tuple(
                self._row(t, now)
                for t in sorted(s.tickets.values(), key=lambda t: t.issued_at)
                if t.printed == "failed" and t.status in ("waiting", "called")
            )
            total = sum(p.waiting for p in s.queues.prefixes.values()) if s.queues else 0
            prefixes = (
                tuple((p, q.waiting, q.est_wait_min) for p, q in sorted(s.queues.prefixes.items()))
                if s.queues
                else ()
            )
            on_duty = {d.window: d for d in (s.staffing.on_duty if s.staffing else ())}
            windows = []
            for wid in self.window_ids:
                board = s.board.windows.get(wid) if s.board else None
                snap = s.windows.get(wid, {})
                win = snap.get("window") or {}
                ticket = snap.get("ticket") or {}
                staff = snap.get("staff") or None
                duty = on_duty.get(wid)
                windows.append(
                    WindowRow(
                        window=wid,
                        status=str(win.get("status") or (board.status if board else "unknown")),
                        after_hours=bool(win.get("after_hours") or (board and board.after_hours)),
                        current=ticket.get("number"),
                        current_status=ticket.get("status"),
                        staff=(staff or {}).get("name") or (duty.name if duty else None),
                        staff_id=(staff or {}).get("staff") or (duty.staff if duty else None),
                    )
                )
            local_now = self.clock()
            kiosks = tuple(self._kiosk_row(k, local_now) for k in self.kiosk_ids)
            today = s.day or datetime.fromtimestamp(now, self.config.tz).date().isoformat()
            days = s.appointments.days if s.appointments else {}
            appointments = tuple(sorted(days.get(today, ()), key=lambda a: (a.slot, a.code)))
            ahead = sum(len(v) for d, v in days.items() if d > today)
            view = GuideView(
                connection=connection_state(self.connected, self.service_responding),
                signed_in=self.signed_in[0] if self.signed_in else None,
                signed_in_name=self.signed_in[1] if self.signed_in else None,
                waiting=waiting,
                unseen_waiting=max(0, total - len(waiting)),
                unprinted=unprinted,
                prefixes=prefixes,
                windows=tuple(windows),
                kiosks=kiosks,
                ratings_today=dict(s.ratings.today) if s.ratings else {},
                low_ratings=tuple(s.ratings.low) if s.ratings else (),
                complaints=tuple(s.complaints.open) if s.complaints else (),
                appointments=appointments,
                appointments_ahead=ahead,
                day=today,
                notice=dict(s.notice.text) if s.notice else {},
                pending=self.pending,
                message=self.message,
                seq=s.seq,
            )
        return view


def printer_state(value: Any) -> str:
    """A kiosk status's ``printer`` (``ok``, ``none``, or a ``printer.fault.*`` key such as
    ``printer.fault.paper_out``) as a name with a ``guide.printer.*`` text; a key the guide
    has no text for is ``generic``."""
    if not value:
        return "unknown"
    name = str(value).rsplit(".", 1)[-1]
    return name if f"guide.printer.{name}" in catalog("zh-Hant") else "generic"


def scanner_state(value: Any) -> str | None:
    """A kiosk status's ``scanner`` (``ok``, ``scan.camera_fault``, ``scan.scanner_fault``)
    as a name with a ``guide.scanner.*`` text; another fault key is ``fault``; None when the
    status has none."""
    if not value:
        return None
    name = str(value).rsplit(".", 1)[-1]
    return name if f"guide.scanner.{name}" in catalog("zh-Hant") else "fault"


def ago_text(minutes: int) -> tuple[str, dict[str, int]]:
    """``minutes`` ago as a ``guide.ago.*`` key and its parameters: ``now`` under a minute,
    ``minutes`` under an hour, then ``hours`` (with the minutes past the hour)."""
    if minutes < 1:
        return "guide.ago.now", {}
    if minutes < 60:
        return "guide.ago.minutes", {"minutes": minutes}
    hours, mins = divmod(minutes, 60)
    return "guide.ago.hours", {"hours": hours, "minutes": mins}


def format_minutes(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    return f"{hours}:{mins:02d}" if hours else f"{mins}"


def reason_text(reason: str, lang: str) -> str:
    """A rating's reason in ``lang``: the pad sends its chips as codes (``wait, attitude``)
    and the free text after them; codes with a ``rating.reasons.<code>`` text are shown
    in words, anything else as written."""
    words = []
    for part in (p.strip() for p in reason.split(",")):
        if not part:
            continue
        key = f"rating.reasons.{part}"
        words.append(t(key, lang) if key in catalog(lang) else part)
    return "、".join(words) if lang != "en" else ", ".join(words)
