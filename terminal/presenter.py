"""A window terminal's view state (no Kivy): the window, the ticket at the counter, the queue.

Inputs are the retained ``state/window/<W>`` and ``state/queues`` snapshots, the event stream
(for the last tickets this window handled) and the service's status; outputs are a
:class:`WindowView` and which actions are possible now. Texts are translation keys.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from hall.conf import HallConfig
from hall.conf.model import CaseKind, Role
from ui.link import connection_state

ACTIONS = (
    "call_next",
    "call",
    "recall",
    "start",
    "finish",
    "skip",
    "transfer",
    "pause",
    "resume",
    "open",
    "close",
    "after_hours",
)
"""Buttons of the terminal, each one window command (``finish`` asks for the case kind)."""

SHORTCUTS: dict[str, str] = {
    "f1": "call_next",
    "f2": "recall",
    "f3": "start",
    "f4": "finish",
    "f5": "skip",
    "f6": "transfer",
    "f7": "call",
    "f8": "pause",
    "f9": "resume",
    "f10": "open",
    "f11": "close",
    "f12": "after_hours",
}
"""Function keys; on the finish chooser, 1–5 pick the case kind."""

CASE_KINDS = tuple(k.value for k in CaseKind)
COMMAND_OF = {
    "call_next": "window.call_next", "call": "window.call", "recall": "window.recall",
    "start": "window.start", "finish": "window.finish", "skip": "window.skip",
    "transfer": "window.transfer", "pause": "window.pause", "resume": "window.resume",
    "open": "window.open", "close": "window.close", "after_hours": "window.after_hours",
}  # fmt: skip


@dataclass(frozen=True)
class Handled:
    number: str
    kind: str
    """A case kind (``immediate`` …) or ``skipped``, ``transferred``, ``voided``."""
    at: float


@dataclass(frozen=True)
class Message:
    """What the status line says: ``key`` is a translation key, ``level`` info/ok/error."""

    key: str
    level: str = "info"
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CasePanel:
    """A case as the case panel shows it (from a ``case.register`` or ``case.lookup`` reply)."""

    number: str
    kind: str
    status: str
    due: str | None
    missing: tuple[str, ...] = ()
    registered: bool = False
    """True when this terminal just registered it (else it was looked up)."""
    notice: str | None = None
    """``printing``, ``printed``, ``print_failed``; None: no notice (kind, no printer)."""

    @classmethod
    def of(cls, case: dict[str, Any], registered: bool = False) -> CasePanel:
        return cls(
            number=str(case["number"]),
            kind=str(case["kind"]),
            status=str(case["status"]),
            due=case.get("due"),
            missing=tuple(str(m) for m in case.get("missing") or ()),
            registered=registered,
        )


@dataclass(frozen=True)
class WindowView:
    window: str
    window_no: int
    status: str
    """``open``, ``paused``, ``closed`` (``unknown`` before the first snapshot)."""
    after_hours: bool
    after_hours_allowed: bool
    ticket: str | None
    ticket_status: str | None
    """``called`` or ``serving``."""
    ticket_since: float | None
    at_counter_s: int | None
    calls: int
    item: str | None
    """The service item code of the ticket at the counter."""
    priority: str | None
    """Its priority class code (``normal``, ``elderly``, ``vip``, ...)."""
    waiting: int
    served_today: int
    last: tuple[Handled, ...]
    connection: str
    """``online``, ``offline`` (our link) or ``service_offline``."""
    enabled: dict[str, bool]
    pending: str | None
    """The action held or on its way (``None`` when idle)."""
    message: Message | None
    staff: tuple[str, str] | None = None
    """Who is signed in here (staff id, name), from the window snapshot."""
    sign_in_open: bool = False
    """The sign-in panel (staff id + PIN) is shown."""
    case_no: str | None = None
    """The case number of a returning ticket at the counter."""
    case: CasePanel | None = None
    """The case registered or looked up for the ticket at the counter."""
    due_cases: tuple[tuple[str, str, str | None], ...] = ()
    """This window's open cases that are overdue, due today or due the next working day
    (number, flag, due date), from the writer's ``state/cases``."""


class WindowPresenter:
    """Thread-safe: MQTT handlers call :meth:`handle`, the screen reads :meth:`view`."""

    def __init__(
        self,
        config: HallConfig,
        window_id: str,
        clock: Callable[[], float] = time.time,
        last_rows: int = 6,
    ) -> None:
        if window_id not in config.window_by_id:
            raise ValueError(f"no window {window_id!r} in the hall config")
        self.config = config
        self.window_id = window_id
        self.clock = clock
        self.items = config.items_by_window.get(window_id, ())
        self.after_hours_allowed = config.window_by_id[window_id].after_hours
        self.service_client = next(
            (c.id for c in config.clients if c.role == Role.SERVICE), "queue-service"
        )
        self.root = config.topic_root
        self._lock = threading.RLock()
        self._window: dict[str, Any] | None = None
        self._ticket: dict[str, Any] | None = None
        self._window_seq = -1
        self._items_waiting: dict[str, int] = {}
        self.last_rows = last_rows
        self._last: deque[Handled] = deque(maxlen=last_rows)
        self._seen_events: set[int] = set()
        self.connected = False
        self._service_online: bool | None = None
        self.service_responding = True
        self._pending: str | None = None
        self._message: Message | None = None
        self._staff: tuple[str, str] | None = None
        self._sign_in_open = False
        self._case: CasePanel | None = None
        self._due_cases: tuple[tuple[str, str, str | None], ...] = ()

    # ------------------------------------------------------------- input

    def handle(self, topic: str, body: dict[str, Any]) -> None:
        name = topic[len(self.root) + 1 :] if topic.startswith(self.root) else topic
        with self._lock:
            if name == f"state/window/{self.window_id}":
                self._on_window(body)
            elif name == "state/queues":
                waiting = body.get("items_waiting") if body else None
                if isinstance(waiting, dict):
                    self._items_waiting = {str(k): int(v) for k, v in waiting.items()}
            elif name == "state/cases":
                flagged = (body.get("flagged") or {}).get(self.window_id) or []
                self._due_cases = tuple(
                    (str(c["number"]), str(c.get("flag")), c.get("due"))
                    for c in flagged
                    if isinstance(c, dict) and "number" in c
                )
            elif name == "events":
                self._on_event(body)
            elif name == f"status/{self.service_client}":
                online = body.get("online") if body else None
                self._service_online = None if online is None else bool(online)

    def set_connected(self, connected: bool) -> None:
        with self._lock:
            self.connected = connected

    def set_service_responding(self, responding: bool) -> None:
        """False when the service's heartbeat stopped (hung or cut off)."""
        with self._lock:
            self.service_responding = responding

    def set_pending(self, action: str | None) -> None:
        with self._lock:
            self._pending = action

    def set_message(self, message: Message | None) -> None:
        with self._lock:
            self._message = message

    def set_sign_in_open(self, shown: bool) -> None:
        with self._lock:
            self._sign_in_open = shown

    def set_staff(self, staff: tuple[str, str] | None) -> None:
        """Who signed in (from a ``staff.sign_in`` reply, before the snapshot says so)."""
        with self._lock:
            self._staff = staff

    def set_case(self, case: CasePanel | None) -> None:
        with self._lock:
            self._case = case

    def set_notice(self, number: str, notice: str) -> None:
        """How the notice of case ``number`` printed (if the panel still shows that case)."""
        with self._lock:
            if self._case is not None and self._case.number == number:
                self._case = replace(self._case, notice=notice)

    @property
    def ticket(self) -> dict[str, Any] | None:
        """The ticket at the counter as in the window snapshot."""
        with self._lock:
            return dict(self._ticket) if self._ticket else None

    def _on_window(self, body: dict[str, Any]) -> None:
        if not body or "window" not in body:
            return
        seq = int(body.get("seq", 0))
        if seq < self._window_seq and body.get("epoch") == (self._window or {}).get("_epoch"):
            return
        self._window_seq = seq
        self._window = {**body["window"], "_epoch": body.get("epoch")}
        before = (self._ticket or {}).get("id")
        self._ticket = body.get("ticket")
        changed = (self._ticket or {}).get("id") != before and self._case is not None
        if changed and (self._ticket is not None or not self._case.registered):
            self._case = None  # another applicant at the counter
        if "staff" in body:
            staff = body.get("staff")
            self._staff = (str(staff["staff"]), str(staff.get("name", ""))) if staff else None
            if staff:
                self._sign_in_open = False

    def _on_event(self, e: dict[str, Any]) -> None:
        data = e.get("data") or {}
        if data.get("window") != self.window_id:
            return
        seq = int(e.get("seq", 0))
        if seq in self._seen_events:
            return
        self._seen_events.add(seq)
        number = str(data.get("ticket", "")).rsplit("-", 1)[-1]
        at = float(data.get("at") or self.clock())
        etype = e.get("type")
        if etype == "ticket.finished":
            self._last.appendleft(Handled(number, str(data.get("outcome", "")), at))
        elif etype == "ticket.requeued":
            kind = "transferred" if data.get("transfer") else "skipped"
            self._last.appendleft(Handled(number, kind, at))
        elif etype == "ticket.voided":
            self._last.appendleft(Handled(number, "voided", at))

    # ------------------------------------------------------------ output

    def view(self, now: float | None = None) -> WindowView:
        now = self.clock() if now is None else now
        with self._lock:
            w = self._window or {}
            t = self._ticket
            status = str(w.get("status", "unknown"))
            ticket_status = t.get("status") if t else None
            since = None
            if t:
                since = t.get("started_at") if ticket_status == "serving" else t.get("called_at")
            responding = self._service_online is not False and self.service_responding
            connection = connection_state(self.connected, responding)
            return WindowView(
                window=self.window_id,
                window_no=int(self.window_id[1:]),
                status=status,
                after_hours=bool(w.get("after_hours", False)),
                after_hours_allowed=self.after_hours_allowed,
                ticket=t.get("number") if t else None,
                ticket_status=ticket_status,
                ticket_since=since,
                at_counter_s=int(max(0.0, now - since)) if since else None,
                calls=int(t.get("calls", 0)) if t else 0,
                item=t.get("item") if t else None,
                priority=t.get("priority") if t else None,
                waiting=sum(self._items_waiting.get(i, 0) for i in self.items),
                served_today=int(w.get("served", 0)),
                last=tuple(self._last),
                connection=connection,
                enabled=self._enabled(status, ticket_status),
                pending=self._pending,
                message=self._message,
                staff=self._staff,
                sign_in_open=self._sign_in_open,
                case_no=t.get("case_no") if t else None,
                case=self._case,
                due_cases=self._due_cases,
            )

    def _enabled(self, status: str, ticket_status: str | None) -> dict[str, bool]:
        known = self._window is not None
        idle = known and ticket_status is None
        has = ticket_status is not None
        called = ticket_status == "called"
        is_open = status == "open"
        return {
            "call_next": idle and is_open,
            "call": idle and is_open,
            "recall": called,
            "start": called,
            "finish": has,
            "skip": called,
            "transfer": has,
            "pause": idle and is_open,
            "resume": known and status == "paused",
            "open": known and status == "closed",
            "close": idle and status in ("open", "paused"),
            "after_hours": known and self.after_hours_allowed,
        }


def format_duration(seconds: int | None) -> str:
    """``mm:ss`` (or ``h:mm:ss``) for the time at the counter."""
    if seconds is None:
        return "--:--"
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def parse_materials(text: str) -> list[tuple[str, int]]:
    """``申請書×1, 身份證複印件 x2`` -> [(name, count)] (count 1 when not given)."""
    out: list[tuple[str, int]] = []
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        name, count = part, 1
        for sep in ("×", "x", "X", "*"):
            head, found, tail = part.rpartition(sep)
            if found and head.strip() and tail.strip().isdigit():
                name, count = head.strip(), int(tail.strip())
                break
        out.append((name, count))
    return out


def parse_list(text: str) -> list[str]:
    """``股東會決議原件，公司章程`` -> the items, commas of either width."""
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
