"""The kiosk's screens as plain Python: what to show, what a touch or a scan does.

The presenter holds the applicant's half-made choice and produces a
:class:`View` (every text already in the chosen language); the Kivy view only
draws it and forwards touches, scans and a once-a-second :meth:`Presenter.tick`.
Blocking work (the service, the printer) goes through :class:`Backend` and a
``run(work, done)`` executor: the app runs it on a thread and hands the result
back on Kivy's main thread, the tests run it inline. Nothing here imports Kivy.

Rules that matter:

- One applicant request = one :class:`~kiosk.desk.TicketRequest`, made when "take a
  number" is first touched; a second touch while it runs is ignored, and every
  automatic retry (service away) sends the same request, so the same command id:
  the service answers a retry with the ticket it already issued.
- The idle timeout drops a half-made choice (and a pending retry) and goes Home.
- A scanned ID number is checked (GB 11643) and kept only masked and as a keyed
  hash; the whole number is never stored or sent.
- An appointment code (typed, or scanned as a QR or barcode) checks in. A booked
  real-name item is refused ``real_name_required`` without an ID: the kiosk asks for the
  ID scan and sends the code again with the masked ID and the keyed hash, as a walk-in.
"""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from hall.codes import Reason, classify, mask_id
from hall.conf import HallConfig
from hall.conf.kiosks import KioskDefaults
from hall.conf.model import ItemClass, ServiceItem
from hall.i18n import LANGUAGES, t
from hall.idhash import id_hash
from kiosk.catalog import Catalog, paginate
from kiosk.request import DeskResult, TicketRequest

log = logging.getLogger(__name__)

Run = Callable[[Callable[[], Any], Callable[[Any], None]], None]
"""``run(work, done)``: carry out ``work()`` (may block) and pass its result to ``done``."""

APPOINTMENT_ERRORS = (
    "unknown_appointment",
    "appointment_used",
    "appointment_cancelled",
    "appointment_not_today",
    "appointment_early",
)
SEARCH_KEYS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
APPOINTMENT_KEYS = tuple("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
"""Appointment codes are six of these (no 0/O, 1/I: read aloud on the phone)."""
APPOINTMENT_RE = re.compile(r"^[A-HJ-NP-Z2-9]{6}$")


class Backend(Protocol):
    """What the kiosk asks of the outside world (service and printer)."""

    def issue(self, request: TicketRequest) -> DeskResult: ...

    def ticket_status(self, ticket: str) -> dict[str, Any]:
        """``{"ok": True, "result": {...}}`` or ``{"ok": False, "error": code}``."""
        ...

    def reprint(self, status: dict[str, Any], lang: str) -> DeskResult: ...


@dataclass(frozen=True)
class Button:
    key: str
    label: str
    detail: str = ""
    selected: bool = False
    enabled: bool = True


@dataclass(frozen=True)
class View:
    """Everything a screen shows; texts in ``lang``."""

    screen: str
    lang: str
    hall_name: str
    title: str
    labels: dict[str, str]
    scan_prompt: str
    """The footer on every screen: the scan prompt, or why the scanner cannot read."""
    message: str = ""
    message_kind: str = ""
    """``error``, ``info`` or ``ok``."""
    banner: str = ""
    """Service away: shown on every screen until it is back."""
    busy: bool = False
    priorities: tuple[Button, ...] = ()
    classes: tuple[Button, ...] = ()
    entries: tuple[Button, ...] = ()
    page_text: str = ""
    has_prev: bool = False
    has_next: bool = False
    keys: tuple[str, ...] = ()
    typed: str = ""
    item_name: str = ""
    windows_text: str = ""
    ahead_text: str = ""
    wait_text: str = ""
    materials: tuple[str, ...] = ()
    print_notice: bool = True
    notice_text: str = ""
    attached: tuple[str, ...] = ()
    """Applicant details attached to the request (masked ID, appointment code)."""
    number: str = ""
    qr: str = ""
    ticket_lines: tuple[str, ...] = ()
    can_reprint: bool = False
    scanner_fault: str = ""
    """Message key of a scanner fault (``scan.camera_fault``); empty while it reads."""

    def public(self) -> dict[str, Any]:
        """A JSON-friendly copy (GUI tests read it through the driver)."""
        out = dict(self.__dict__)
        for name in ("priorities", "classes", "entries"):
            out[name] = [b.__dict__ for b in out[name]]
        return out


@dataclass
class Applicant:
    """The half-made choice of the applicant in front of the kiosk."""

    priority: str = "normal"
    item_class: ItemClass | None = None
    unit: str | None = None
    item: str | None = None
    page: int = 0
    typed: str = ""
    id_masked: str | None = None
    id_hash: str | None = None
    print_notice: bool = True
    request: TicketRequest | None = None
    result: DeskResult | None = None
    status: dict[str, Any] | None = None
    attempts: int = 0
    retry_at: float | None = None
    after_id_scan: bool = False
    """The ID scan was asked for a real-name item: issue as soon as it is attached."""


LABEL_KEYS = (
    "welcome",
    "scan_prompt",
    "by_department",
    "search",
    "prev",
    "next",
    "back",
    "home",
    "clear",
    "delete",
    "ok",
    "priority_title",
    "priority_hint",
    "materials_title",
    "take",
    "taking",
    "issued_title",
    "issued_qr",
    "done",
    "reprint",
    "search_placeholder",
    "appointment_code_title",
)


class Presenter:
    """The kiosk's state machine (see the module docstring)."""

    def __init__(
        self,
        config: HallConfig,
        settings: KioskDefaults,
        backend: Backend,
        run: Run,
        id_key: bytes,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[View], None] | None = None,
    ):
        self.config = config
        self.settings = settings
        self.backend = backend
        self.run = run
        self.id_key = id_key
        self.clock = clock
        self.on_change = on_change
        self.catalog = Catalog(config)
        self.lang = config.hall_file.hall.default_language
        self.screen = "home"
        self.applicant = Applicant()
        self.message = ("", "")
        self.service_up = True
        self.scanner_fault = ""
        self.queues: dict[str, Any] = {}
        self.last_touch = clock()
        self.touch_to_print_ms: deque[float] = deque(maxlen=1000)  # the last ones: all day
        self._touch_started: float | None = None
        self.view = self._render()

    # ---------------------------------------------------------------- helpers

    def tr(self, key: str, **params: Any) -> str:
        return t(f"kiosk.{key}", self.lang, **params)

    def _changed(self) -> View:
        self.view = self._render()
        if self.on_change is not None:
            self.on_change(self.view)
        return self.view

    def _go(self, screen: str) -> None:
        self.screen = screen
        self.message = ("", "")

    def _say(self, kind: str, text: str) -> None:
        self.message = (kind, text)

    def touched(self) -> None:
        """Every touch (and scan) resets the idle timer."""
        self.last_touch = self.clock()

    @property
    def item(self) -> ServiceItem | None:
        code = self.applicant.item
        return self.config.item_by_code.get(code) if code else None

    # ------------------------------------------------------------- navigation

    def home(self) -> View:
        """Back to Home; the half-made choice is dropped (the language stays)."""
        self.applicant = Applicant()
        self.screen = "home"
        self.message = ("", "")
        return self._changed()

    def set_language(self, lang: str) -> View:
        if lang in LANGUAGES:
            self.lang = lang
        self.touched()
        return self._changed()

    def toggle_priority(self, code: str) -> View:
        """Elderly/disabled toggles; appointment asks for its code first."""
        self.touched()
        a = self.applicant
        if a.priority == code:
            a.priority = "normal"
        elif code == "appointment":
            a.typed = ""
            self._go("appointment")
        elif code in self._kiosk_priorities():
            a.priority = code
        return self._changed()

    def choose_class(self, item_class: str | None) -> View:
        """Home's class buttons (or "by department" with None): the department list."""
        self.touched()
        a = self.applicant
        a.item_class = ItemClass(item_class) if item_class else None
        a.unit, a.page = None, 0
        self._go("choose")
        return self._changed()

    def open_search(self) -> View:
        self.touched()
        self.applicant.typed = ""
        self.applicant.page = 0
        self._go("search")
        return self._changed()

    def key(self, char: str) -> View:
        """An on-screen key (search letters and digits, appointment code characters)."""
        self.touched()
        a = self.applicant
        limit = 6 if self.screen == "appointment" else 16
        if len(a.typed) < limit:
            a.typed += char
        a.page = 0
        self.message = ("", "")
        return self._changed()

    def backspace(self) -> View:
        self.touched()
        self.applicant.typed = self.applicant.typed[:-1]
        self.applicant.page = 0
        return self._changed()

    def clear(self) -> View:
        self.touched()
        self.applicant.typed = ""
        self.applicant.page = 0
        return self._changed()

    def appointment_ok(self) -> View:
        """Check the typed appointment code in: the service issues the booked item's ticket
        (with the appointment priority unless the slot's grace has passed)."""
        self.touched()
        a = self.applicant
        if a.request is not None:
            return self.view
        if not APPOINTMENT_RE.match(a.typed):
            self._say("error", self.tr("appointment_code_bad"))
            return self._changed()
        self._touch_started = time.monotonic()
        a.request = TicketRequest(
            "", lang=self.lang, appointment=a.typed, id_masked=a.id_masked, id_hash=a.id_hash
        )
        return self._send()

    def page(self, delta: int) -> View:
        self.touched()
        self.applicant.page = max(0, self.applicant.page + delta)
        return self._changed()

    def tap_entry(self, key: str) -> View:
        """A department (on Choose) or an item (on Choose or Search)."""
        self.touched()
        a = self.applicant
        if self.screen == "choose" and a.unit is None and key in self.config.unit_by_code:
            a.unit, a.page = key, 0
            return self._changed()
        if key in self.config.item_by_code:
            a.item = key
            a.print_notice = True
            self._go("confirm")
        return self._changed()

    def back(self) -> View:
        self.touched()
        a = self.applicant
        if self.screen == "choose" and a.unit is not None:
            a.unit, a.page = None, 0
        elif self.screen in ("choose", "search", "appointment", "scan"):
            a.after_id_scan = False
            self.screen = "home"
        elif self.screen == "confirm":
            a.item = None
            a.after_id_scan = False
            self.screen = "search" if a.typed else "choose"
        else:
            return self.home()
        self.message = ("", "")
        return self._changed()

    def toggle_notice(self) -> View:
        self.touched()
        self.applicant.print_notice = not self.applicant.print_notice
        return self._changed()

    # ------------------------------------------------------------------ issue

    def take_ticket(self) -> View:
        """ "Take a number": issue once; a second touch while it runs does nothing."""
        self.touched()
        a = self.applicant
        item = self.item
        if item is None or self.screen != "confirm":
            return self.view
        if a.request is not None:  # double tap, or a retry is already scheduled
            return self.view
        if item.real_name and not a.id_hash:
            a.after_id_scan = True
            self._say("info", self.tr("real_name_needed"))
            return self._changed()
        self._touch_started = time.monotonic()
        a.request = TicketRequest(
            item.code,
            priority=a.priority,
            lang=self.lang,
            id_masked=a.id_masked,
            id_hash=a.id_hash if item.real_name else None,
            print_notice=a.print_notice,
        )
        return self._send()

    def _send(self) -> View:
        a = self.applicant
        request = a.request
        assert request is not None
        a.attempts += 1
        a.retry_at = None
        if a.attempts > 1:
            self._say("info", self.tr("retrying", attempt=a.attempts))
        self.run(lambda: self.backend.issue(request), self._issued)
        return self._changed()

    def _issued(self, result: DeskResult) -> None:
        a = self.applicant
        if a.request is None or result.request is None:
            return
        if result.request.command_id != a.request.command_id:
            return  # the applicant left (idle timeout) while it ran
        if result.ok:
            self.service_up = True
            handed = result.timings.get("print_handed")
            if self._touch_started is not None and handed is not None:
                self.touch_to_print_ms.append((handed - self._touch_started) * 1000)
            a.result = result
            self._go("issued")
            self.last_touch = self.clock()
        elif result.retryable:
            self.service_up = False
            a.retry_at = self.clock() + self.settings.retry_s
            self._say("error", self.tr("service_down"))
        else:
            appointment = a.request.appointment
            a.request = None  # refused: a new touch is a new request
            a.attempts = 0
            if appointment and result.error == "real_name_required":
                # a real-name item was booked: the code goes in again with the ID scan
                a.after_id_scan = True
                self._say("info", self.tr("real_name_needed"))
            elif appointment and result.error in APPOINTMENT_ERRORS:
                self._say("error", self.tr(f"appointment_{result.error}"))
            else:
                self._say("error", result.message or t(f"errors.{result.error}", self.lang))
        self._changed()

    # ---------------------------------------------------------------- scanning

    def scanned(self, payload: str) -> View:
        """A code from the scanner (wedge, serial or camera), on any screen."""
        self.touched()
        text = payload.strip()
        if self._ticket_ref(text):
            return self._ask_ticket(text)
        result = classify(text, self.config.code)
        a = self.applicant
        if result.kind == "id" and result.resident is not None:
            a.id_masked = mask_id(result.value)
            a.id_hash = id_hash(result.value, self.id_key)
            self._say("ok", self.tr("id_attached", id=a.id_masked))
            if a.after_id_scan and self.screen == "confirm":
                a.after_id_scan = False
                self._changed()
                return self.take_ticket()
            if a.after_id_scan and self.screen == "appointment":
                a.after_id_scan = False
                self._changed()
                return self.appointment_ok()
            return self._changed()
        if result.kind == "case":
            if a.request is not None:
                return self.view
            self._touch_started = time.monotonic()
            a.request = TicketRequest("", lang=self.lang, returning_case=result.value)
            return self._send()  # case.check_in: a returning ticket to the case's window
        if result.kind == "other" and APPOINTMENT_RE.match(text.upper()):
            return self._scanned_appointment(text.upper())
        kind, text = "error", t(str(result.reason or Reason.NOT_OURS), self.lang)
        # a wrong code while a real-name check-in waits for the ID: the code screen stays
        waiting_for_id = a.after_id_scan and self.screen == "appointment"
        if self.screen in ("home", "choose", "search", "scan") or (
            self.screen == "appointment" and not waiting_for_id
        ):
            a.status = None
            self._go("scan")
        self._say(kind, text)
        return self._changed()

    def _scanned_appointment(self, code: str) -> View:
        """An appointment code from the scanner (its QR or barcode): checked in as if typed."""
        a = self.applicant
        if a.request is not None:
            return self.view
        a.typed = code
        a.after_id_scan = False
        self._go("appointment")
        return self.appointment_ok()

    def _ticket_ref(self, text: str) -> bool:
        return bool(re.fullmatch(rf"{self.config.code}-\d{{8}}-[A-Z]{{1,2}}\d{{3,4}}", text))

    def _ask_ticket(self, ref: str) -> View:
        a = self.applicant
        a.status = None
        self._go("scan")
        self._say("info", self.tr("taking"))

        def done(answer: dict[str, Any]) -> None:
            if not answer.get("ok"):
                code = answer.get("error", "")
                self._say(
                    "error",
                    self.tr("ticket_not_today")
                    if code == "unknown_ticket"
                    else t(f"errors.{code}", self.lang),
                )
                if code == "service_unreachable":
                    self.service_up = False
            else:
                self.service_up = True
                a.status = answer["result"]
                self.message = ("", "")
            self._changed()

        self.run(lambda: self.backend.ticket_status(ref), done)
        return self._changed()

    def reprint(self) -> View:
        self.touched()
        a = self.applicant
        status = a.status
        if status is None or a.request is not None:
            return self.view
        a.request = TicketRequest(status["ticket"]["item"])  # marks "busy" against double taps

        def done(result: DeskResult) -> None:
            a.request = None
            if result.printed:
                self._say("ok", self.tr("reprinted"))
            else:
                self._say("error", self.tr("reprint_failed", reason=result.message))
            self._changed()

        self.run(lambda: self.backend.reprint(status, self.lang), done)
        return self._changed()

    # ------------------------------------------------------------ the service

    def set_service_up(self, up: bool) -> View:
        """Connection/heartbeat news from the app."""
        if up != self.service_up:
            self.service_up = up
            return self._changed()
        return self.view

    def set_scanner(self, state: str) -> View:
        """Scanner news from the app: ``ok``, or a fault's message key (``scan.camera_fault``:
        the camera is missing or gives no frames). The footer says it on every screen."""
        fault = "" if state in ("", "ok") else state
        if fault != self.scanner_fault:
            self.scanner_fault = fault
            return self._changed()
        return self.view

    def set_queues(self, snapshot: dict[str, Any]) -> View:
        """The retained ``state/queues`` snapshot (waiting and estimated wait per prefix)."""
        self.queues = snapshot
        if self.screen == "confirm":
            return self._changed()
        return self.view

    def tick(self) -> View:
        """Once a second: idle timeout, issued-screen timeout, due retries."""
        now = self.clock()
        a = self.applicant
        if a.retry_at is not None and now >= a.retry_at and a.request is not None:
            return self._send()
        idle = now - self.last_touch
        limit = (
            self.settings.issued_timeout_s
            if self.screen == "issued"
            else self.settings.idle_timeout_s
        )
        half_made = self.screen != "home" or a.priority != "normal" or a.id_hash
        if half_made and idle >= limit:
            return self.home()
        return self.view

    # ----------------------------------------------------------------- render

    def _kiosk_priorities(self) -> list[str]:
        return [p.code for p in self.config.hall_file.priority if p.kiosk and p.rank > 0]

    def _render(self) -> View:
        lang = self.lang
        a = self.applicant
        labels = {k: self.tr(k) for k in LABEL_KEYS}
        kind, text = self.message
        prompt = t(self.scanner_fault, lang) if self.scanner_fault else labels["scan_prompt"]
        attached = []
        if a.id_masked:
            attached.append(self.tr("id_attached", id=a.id_masked))
        base = View(
            screen=self.screen,
            lang=lang,
            hall_name=self.config.hall_file.hall.name.get(lang),
            title=labels["welcome"],
            labels=labels,
            scan_prompt=prompt,
            scanner_fault=self.scanner_fault,
            message=text,
            message_kind=kind,
            banner="" if self.service_up else self.tr("service_down"),
            busy=a.request is not None and a.result is None,
            priorities=self._priority_buttons(),
            attached=tuple(attached),
        )
        render = getattr(self, f"_render_{self.screen}")
        return render(base)

    def _priority_buttons(self) -> tuple[Button, ...]:
        shown = [p for p in self.config.hall_file.priority if p.code in ("elderly", "appointment")]
        return tuple(
            Button(p.code, p.name.get(self.lang), selected=self.applicant.priority == p.code)
            for p in shown
            if p.kiosk
        )

    def _render_home(self, v: View) -> View:
        classes = tuple(
            Button(
                c.value,
                self.tr(f"class_{c.value}"),
                self.tr("class_count", count=self.catalog.count(c)),
            )
            for c in ItemClass
        )
        return replace(v, classes=classes)

    def _paged(self, v: View, buttons: list[Button]) -> View:
        size = self.settings.page_size
        page = paginate([b.key for b in buttons], self.applicant.page, size)
        self.applicant.page = page.page
        by_key = {b.key: b for b in buttons}
        return replace(
            v,
            entries=tuple(by_key[k] for k in page.keys),
            page_text=self.tr("page", page=page.page + 1, pages=page.pages),
            has_prev=page.has_prev,
            has_next=page.has_next,
        )

    def _item_button(self, item: ServiceItem) -> Button:
        detail = item.code
        if item.real_name:
            detail += "  ·  " + self.tr("real_name_badge")
        return Button(item.code, item.name.get(self.lang), detail)

    def _render_choose(self, v: View) -> View:
        a = self.applicant
        if a.unit is None:
            units = self.catalog.units_of(a.item_class)
            counts = {u.code: len(self.catalog.items_of(u.code, a.item_class)) for u in units}
            buttons = [
                Button(u.code, u.name.get(self.lang), self.tr("class_count", count=counts[u.code]))
                for u in units
            ]
            return self._paged(replace(v, title=self.tr("choose_title")), buttons)
        unit = self.config.unit_by_code[a.unit]
        items = self.catalog.items_of(a.unit, a.item_class)
        title = self.tr("items_title", unit=unit.name.get(self.lang))
        return self._paged(replace(v, title=title), [self._item_button(i) for i in items])

    def _render_search(self, v: View) -> View:
        typed = self.applicant.typed
        found = self.catalog.search(typed)
        v = replace(v, title=self.tr("search_title"), keys=SEARCH_KEYS, typed=typed)
        if typed and not found and not v.message:
            v = replace(v, message=self.tr("search_none"), message_kind="info")
        elif typed and not v.message:
            v = replace(v, message=self.tr("search_count", count=len(found)), message_kind="info")
        return self._paged(v, [self._item_button(i) for i in found])

    def _render_appointment(self, v: View) -> View:
        message, kind = v.message, v.message_kind
        if v.busy and not message:
            message, kind = self.tr("taking"), "info"
        return replace(
            v,
            title=self.tr("appointment_code_title"),
            keys=APPOINTMENT_KEYS,
            typed=self.applicant.typed,
            message=message,
            message_kind=kind,
        )

    def _windows_text(self, windows: list[str] | tuple[str, ...]) -> str:
        sep = t("printer.format.list_separator", self.lang)
        names = [self.config.window_by_id[w].name.get(self.lang) for w in windows]
        return self.tr("windows", windows=sep.join(names))

    def _render_confirm(self, v: View) -> View:
        item = self.item
        assert item is not None
        a = self.applicant
        queue = (self.queues.get("prefixes") or {}).get(item.prefix)
        # The wait a new ticket of this very item is told (the issue reply's estimate, so the
        # number on the slip); a service without items_wait gives only the prefix's.
        told = (self.queues.get("items_wait") or {}).get(item.code) or queue
        if queue is None:
            ahead, wait = self.tr("wait_unknown"), ""
        elif queue.get("waiting", 0) == 0:
            ahead, wait = self.tr("ahead_none"), ""
        else:
            ahead = self.tr("ahead", count=queue["waiting"])
            wait = self.tr("wait", minutes=round(told.get("est_wait_min", 0)))
        message, kind = v.message, v.message_kind
        if a.request is not None and a.result is None and not message:
            message, kind = self.tr("taking"), "info"
        return replace(
            v,
            title=self.tr("confirm_title"),
            item_name=item.name.get(self.lang),
            windows_text=self._windows_text(item.windows),
            ahead_text=ahead,
            wait_text=wait,
            materials=tuple(m.get(self.lang) for m in item.materials),
            print_notice=a.print_notice,
            notice_text=self.tr("print_notice_on" if a.print_notice else "print_notice_off"),
            message=message,
            message_kind=kind,
        )

    def _render_issued(self, v: View) -> View:
        result = self.applicant.result
        assert result is not None and result.ticket is not None
        ticket = result.ticket
        item = self.config.item_by_code[ticket["item"]]
        lines = [item.name.get(self.lang), self._windows_text(result.windows or item.windows)]
        if ticket.get("priority", "normal") != "normal":
            names = {p.code: p.name.get(self.lang) for p in self.config.hall_file.priority}
            lines.append(self.tr("priority_on_ticket", name=names.get(ticket["priority"], "")))
        if result.people_ahead:
            lines.append(self.tr("ahead", count=result.people_ahead))
            lines.append(self.tr("wait", minutes=round(result.est_wait_min)))
        else:
            lines.append(self.tr("ahead_none"))
        if ticket.get("id_masked"):
            lines.append(self.tr("id_attached", id=ticket["id_masked"]))
        if result.case:
            lines += self._case_lines(result.case)
        if result.printed:
            message, kind = self.tr("issued_printed"), "ok"
        else:
            message, kind = self.tr("issued_not_printed", reason=result.message), "error"
        return replace(
            v,
            title=self.tr("issued_title"),
            number=ticket["number"],
            qr=ticket["ref"],
            ticket_lines=tuple(lines),
            message=message,
            message_kind=kind,
            busy=False,
        )

    def _case_lines(self, case: dict[str, Any]) -> list[str]:
        """A returning case: its status, promised date and, for 補辦件, what to bring."""
        status = t(f"cases.status.{case['status']}", self.lang)
        lines = [self.tr("case_status", case=case["number"], status=status)]
        if case.get("due"):
            lines.append(self.tr("case_due", date=case["due"]))
        if case.get("missing"):
            lines.append(self.tr("case_bring", items="、".join(case["missing"])))
        return lines

    def _render_scan(self, v: View) -> View:
        status = self.applicant.status
        if status is None:
            return replace(v, title=self.tr("scan_title"))
        ticket = status["ticket"]
        item = self.config.item_by_code.get(ticket["item"])
        window = ticket.get("window") or ""
        window_name = (
            self.config.window_by_id[window].name.get(self.lang)
            if window in self.config.window_by_id
            else window
        )
        state = ticket["status"]
        ahead = status.get("people_ahead", 0)
        if state == "waiting":
            line = self.tr("ticket_waiting", count=ahead) if ahead else self.tr("ticket_next")
        elif state == "called":
            line = self.tr("ticket_called", window=window_name)
        elif state == "serving":
            line = self.tr("ticket_serving", window=window_name)
        elif state in ("done", "finished"):
            line = self.tr("ticket_done")
        else:
            line = self.tr("ticket_void")
        lines = [item.name.get(self.lang) if item else ticket["item"], line]
        if state == "waiting":
            lines.append(self._windows_text(status.get("windows") or ()))
        return replace(
            v,
            title=self.tr("ticket_status_title", number=ticket["number"]),
            number=ticket["number"],
            qr=ticket["ref"],
            ticket_lines=tuple(lines),
            can_reprint=state in ("waiting", "called"),
        )
