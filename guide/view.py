"""The guide console's Kivy view: sign-in, then five pages (F1..F5) over the live hall.

Import after :func:`ui.boot.configure` (``guide.app`` does it); the shell
(:class:`ui.shell.ControllerApp`) runs the controller and redraws on Kivy's main thread.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout

from guide.controller import GuideController
from guide.presenter import (
    TABS,
    GuidePresenter,
    GuideView,
    KioskRow,
    Message,
    WaitingRow,
    WindowRow,
    reason_text,
)
from ui.shell import KEY_NAMES, MESSAGE_COLOUR, ControllerApp
from ui.theme import PALETTE, hex_rgb

TAB_KEYS = {f"f{i + 1}": tab for i, tab in enumerate(TABS)}


class GuideRoot(BoxLayout):
    pass


class GuideApp(ControllerApp):
    texts = "guide"
    signed_in = BooleanProperty(False)
    controller: GuideController
    presenter: GuidePresenter

    def __init__(self, controller: GuideController, lang: str, **kw: Any):
        super().__init__(controller, lang, "hall guide", **kw)
        self.config_ = controller.config
        self.min_target_px = 52
        self.font_px = 21
        self._lists: dict[str, Any] = {}

    def build(self) -> Any:
        import ui.widgets  # noqa: F401  (BigButton, LanguageBar)

        Builder.load_file(str(Path(__file__).with_name("console.kv")))
        root = GuideRoot()
        self.root_widget = root
        ids = root.ids
        for tab in TABS:
            b = Factory.GButton()
            b.ui_key = f"tab:{tab}"
            b.bind(on_release=lambda _b, t=tab: self.show_tab(t))
            ids.tabs.add_widget(b)
            ids[f"tab_{tab}"] = b.proxy_ref
        for p in self.config_.hall_file.priority:
            b = Factory.GButton()
            b.ui_key = f"priority:{p.code}"
            b.bind(on_release=lambda _b, c=p.code: self.submit("prioritise", priority=c))
            ids.priorities.add_widget(b)
        for kiosk in self.presenter.kiosk_ids:
            b = Factory.GButton(text=kiosk)
            b.ui_key = f"reprint:{kiosk}"
            b.bind(on_release=lambda _b, k=kiosk: self.submit("reprint", kiosk=k))
            ids.reprint_kiosks.add_widget(b)
        ids.to_item_in.bind(text=lambda *_: self._item_hints())
        ids.item_in.bind(text=lambda *_: self._item_hints())
        ids.day_in.text = datetime.now(self.config_.tz).date().isoformat()
        Window.bind(on_key_down=self._on_key)
        self.bind(lang=lambda *_: self.refresh(force=True))
        Clock.schedule_interval(self.tick, 1.0)
        return root

    def started(self) -> None:
        self.refresh(force=True)
        self.root_widget.ids.staff_in.focus = True

    # ------------------------------------------------------------ actions

    def show_tab(self, tab: str) -> None:
        if self.signed_in and tab in TABS:
            self.root_widget.ids.pages.current = tab
            self.refresh(force=True)

    def _field(self, name: str) -> str:
        return self.root_widget.ids[name].text.strip()

    def submit(self, action: str, **extra: Any) -> bool:
        """A button or Enter in a form: collect the fields, send the command."""
        f = self._field
        if action == "sign_in":
            args = {"staff": f("staff_in").upper(), "pin": f("pin_in")}
            self.root_widget.ids.pin_in.text = ""
        elif action == "sign_out":
            args = {}
        elif action in ("move", "prioritise", "reprint", "void"):
            ticket = f("ticket_in").upper()
            if not ticket:
                self.presenter.set_message(Message("guide.msg.need_ticket", "error"))
                self.refresh(force=True)
                return False
            args = {"ticket": ticket, **extra}
            if action == "move":
                args |= {
                    "to_item": f("to_item_in").upper(),
                    "to_window": _window_id(f("to_window_in")),
                    "note": f("note_in"),
                }
            elif action == "void":
                args["reason"] = f("void_reason_in")
        elif action == "window":
            args = dict(extra)
        elif action in ("notice", "notice_clear"):
            if action == "notice_clear":
                for lang in ("zh_Hant", "zh_Hans", "en"):
                    self.root_widget.ids[f"notice_{lang}"].text = ""
            action = "notice"
            text = {"zh-Hant": f("notice_zh_Hant")}
            if f("notice_zh_Hans"):
                text["zh-Hans"] = f("notice_zh_Hans")
            if f("notice_en"):
                text["en"] = f("notice_en")
            args = {"text": text}
        elif action == "complaint_open":
            args = {
                "applicant": f("applicant_in"),
                "what": f("what_in"),
                "window": _window_id(f("c_window_in")),
                "ticket": f("c_ticket_in").upper(),
            }
        elif action in ("complaint_follow", "complaint_close"):
            key = "note" if action == "complaint_follow" else "result"
            args = {"complaint": f("complaint_in").upper(), key: f("follow_in")}
        elif action == "book":
            args = {
                "day": f("day_in"),
                "slot": f("slot_in"),
                "item": f("item_in").upper(),
                "name": f("name_in"),
                "phone": f("phone_in"),
            }
        elif action == "cancel":
            args = {"code": f("code_in").upper()}
        else:
            raise ValueError(f"unknown action {action!r}")
        self.controller.press(action, **args)
        return True

    def select(self, field: str, value: str) -> None:
        """A list row was tapped: its number, complaint id or code goes into the form."""
        self.root_widget.ids[field].text = value

    def _on_key(self, _window: Any, key: int, _scancode: int, _text: Any, _mods: Any) -> bool:
        name = KEY_NAMES.get(key, "")
        if name == "escape":  # clears the status line; never closes the console
            self.presenter.set_message(None)
            self.refresh()
            return True
        tab = TAB_KEYS.get(name)
        if tab is not None:
            self.show_tab(tab)
            return True
        return False

    # ------------------------------------------------------------ drawing

    def _item_name(self, code: str) -> str:
        item = self.config_.item_by_code.get(code.upper())
        return item.name.get(self.lang) if item else ""

    def _item_hints(self) -> None:
        ids = self.root_widget.ids
        ids.item_hint.text = self._item_name(ids.to_item_in.text.strip())
        ids.book_item_hint.text = self._item_name(ids.item_in.text.strip())

    def _window_name(self, wid: str | None) -> str:
        w = self.config_.window_by_id.get(wid or "")
        return f"{wid} {w.name.get(self.lang)}" if w else (wid or "")

    def _staff_name(self, staff: str | None) -> str:
        """``趙窗口 (S011)`` from the roster (``staff.toml``), or the id alone."""
        roster = self.config_.roster
        member = roster.by_id.get(staff or "") if roster is not None else None
        return f"{member.name} ({staff})" if member else (staff or "")

    def _priority_name(self, code: str) -> str:
        for p in self.config_.hall_file.priority:
            if p.code == code:
                return p.name.get(self.lang)
        return code

    def refresh(self, force: bool = False) -> None:
        v = self.presenter.view()
        ids = self.root_widget.ids
        self.signed_in = v.signed_in is not None
        ids.screens.current = "main" if self.signed_in else "signin"
        ids.who.text = (
            self.t_("signed_in", name=v.signed_in_name, staff=v.signed_in) if v.signed_in else ""
        )
        self.show_connection(v.connection)
        ids.message.text, level = self._message_text(v)
        self.message_colour = PALETTE.rgba(MESSAGE_COLOUR[level])
        for tab in TABS:
            b = ids[f"tab_{tab}"]
            b.text = self.t_(f"tab.{tab}")
            b.selected = ids.pages.current == tab
        for b in ids.priorities.children:
            b.text = self._priority_name(b.ui_key.split(":", 1)[1])
        self._item_hints()
        self._draw_queue(v, force)
        self._draw_windows(v, force)
        self._draw_feedback(v, force)
        self._draw_appointments(v, force)
        ids.notice_now.text = (
            v.notice.get(self.lang) or v.notice.get("zh-Hant") or self.t_("notice.none")
        )

    def _message_text(self, v: GuideView) -> tuple[str, str]:
        """The status line's text and level (a reply's error code shows its translation)."""
        if v.pending:
            return self.t_("sending"), "info"
        if v.message:
            return self.tr(v.message.key, self.lang, **dict(v.message.params)), v.message.level
        return "", "info"

    def _fill(self, name: str, signature: Any, make: Any, force: bool) -> None:
        """Rebuild list ``name`` when what it shows changed."""
        key = (signature, self.lang)
        if not force and self._lists.get(name) == key:
            return
        self._lists[name] = key
        box = self.root_widget.ids[name]
        box.clear_widgets()
        for widget in make():
            box.add_widget(widget)

    def _row(self, text: str, ui_key: str, field: str | None, value: str, ground: str = "panel"):
        b = Factory.GRow(text=text)
        b.ui_key = ui_key
        b.ground = PALETTE.rgba(ground) if ground != "panel" else [*hex_rgb("#1B3F6E"), 1.0]
        if field:
            b.bind(on_release=lambda _b: self.select(field, value))
        return b

    def _label(self, text: str, muted: bool = False) -> Any:
        lab = Factory.GLabel(text=text)
        if muted:
            lab.color = PALETTE.rgba("muted_text")
        return lab

    def _ticket_text(self, r: WaitingRow) -> str:
        parts = [r.number, self._item_name(r.item) or r.item]
        if r.priority != "normal":
            parts.append(self._priority_name(r.priority))
        if r.target_window:
            parts.append(self.t_("queue.to_window", window=r.target_window))
        parts.append(self.t_("queue.wait", minutes=r.wait_min))
        if r.printed == "failed":
            parts.append("(!) " + self.t_("queue.not_printed") + f" ({r.kiosk})")
        return "  ".join(parts)

    def _draw_queue(self, v: GuideView, force: bool) -> None:
        ids = self.root_widget.ids
        total = len(v.waiting) + v.unseen_waiting
        ids.waiting_title.text = self.t_("queue.waiting_title", count=total)
        lines = [
            self.t_("queue.prefix", prefix=p, waiting=n, minutes=round(m)) for p, n, m in v.prefixes
        ]
        if v.unseen_waiting:
            lines.append(self.t_("queue.unseen", count=v.unseen_waiting))
        ids.prefixes.text = "\n".join(lines)

        def waiting() -> list[Any]:
            if not v.waiting:
                return [self._label(self.t_("queue.empty"), muted=True)]
            return [
                self._row(self._ticket_text(r), f"ticket:{r.number}", "ticket_in", r.number)
                for r in v.waiting
            ]

        def unprinted() -> list[Any]:
            if not v.unprinted:
                return [self._label(self.t_("queue.unprinted_none"), muted=True)]
            return [
                self._row(self._ticket_text(r), f"unprinted:{r.number}", "ticket_in", r.number)
                for r in v.unprinted
            ]

        self._fill("waiting_list", v.waiting, waiting, force)
        self._fill("unprinted_list", v.unprinted, unprinted, force)

    def _window_text(self, w: WindowRow) -> str:
        status = self.t_(f"window_status.{w.status}")
        if w.after_hours:
            status += " · " + self.t_("windows.after_hours")
        current = (
            self.t_(
                "windows.current",
                number=w.current,
                status=self.t_(f"ticket_status.{w.current_status}"),
            )
            if w.current
            else self.t_("windows.idle")
        )
        staff = f"{w.staff} ({w.staff_id})" if w.staff else self.t_("windows.nobody")
        return f"{self._window_name(w.window)}  [{status}]  {current}  {staff}"

    def _draw_windows(self, v: GuideView, force: bool) -> None:
        def windows() -> list[Any]:
            out = []
            for w in v.windows:
                row = BoxLayout(size_hint_y=None, spacing=6)
                label = self._row(self._window_text(w), f"window:{w.window}", None, "")
                if w.status != "open":
                    label.ground = [*hex_rgb("#5A2A27"), 1.0]
                row.add_widget(label)
                for status, word in (("open", "open"), ("paused", "pause"), ("closed", "close")):
                    b = Factory.GButton(text=self.t_(f"windows.{word}"), size_hint_x=0.13)
                    b.ui_key = f"set:{w.window}:{status}"
                    b.selected = w.status == status
                    b.bind(
                        on_release=lambda _b, wid=w.window, s=status: self.submit(
                            "window", window=wid, status=s
                        )
                    )
                    row.add_widget(b)
                label.bind(height=lambda lab, h, r=row: setattr(r, "height", h))
                row.height = label.height
                out.append(row)
            return out

        def kiosks() -> list[Any]:
            out = []
            for k in v.kiosks:
                lab = self._label(self._kiosk_text(k), muted=k.presence == "closed")
                if k.alert:
                    lab.color = PALETTE.rgba("error")
                out.append(lab)
            return out

        self._fill("windows_list", v.windows, windows, force)
        self._fill("kiosks_list", v.kiosks, kiosks, force)

    def _kiosk_text(self, k: KioskRow) -> str:
        """``(!) kiosk-02: out of paper · scanner has no picture``, ``(!) kiosk-01: connection
        lost 3 min ago``, ``kiosk-03: shut down 1 h 05 min ago``."""
        mark = "(!) " if k.alert else ""
        ago = k.ago()
        params = {"ago": self.tr(ago[0], self.lang, **ago[1]) if ago else "",
                  "time": k.lost_before or ""}  # fmt: skip
        texts = (self.tr(key, self.lang, **params) for key in k.text_keys())
        return f"{mark}{k.client}: " + " · ".join(texts)

    def _draw_feedback(self, v: GuideView, force: bool) -> None:
        ids = self.root_widget.ids
        ids.ratings_today.text = "\n".join(
            f"{self.tr(f'rating.level.{n}', self.lang)} {v.ratings_today.get(str(n), 0)}"
            for n in (5, 4, 3, 2, 1)
        )

        def low() -> list[Any]:
            if not v.low_ratings:
                return [self._label(self.t_("feedback.no_low"), muted=True)]
            out = []
            for r in v.low_ratings:
                at = datetime.fromtimestamp(r.at, self.config_.tz).strftime("%H:%M")
                head = self.t_(
                    "feedback.low_row",
                    number=r.number,
                    window=self._window_name(r.window),
                    staff=self._staff_name(r.staff),
                    level=self.tr(f"rating.level.{r.level}", self.lang),
                )
                reason = reason_text(r.reason, self.lang)
                out.append(self._label(f"{at}  {head}" + (f"\n{reason}" if reason else "")))
            return out

        def complaints() -> list[Any]:
            if not v.complaints:
                return [self._label(self.t_("feedback.no_complaints"), muted=True)]
            out = []
            for c in v.complaints:
                text = self.t_(
                    "feedback.complaint_row",
                    id=c.id,
                    window=c.window or "",
                    applicant=c.applicant,
                    what=c.what,
                )
                if c.follow_up:
                    text += "\n" + self.t_("feedback.follow_ups", count=len(c.follow_up))
                    text += ": " + c.follow_up[-1].note
                out.append(self._row(text, f"complaint:{c.id}", "complaint_in", c.id))
            return out

        self._fill("low_list", v.low_ratings, low, force)
        self._fill("complaints_list", v.complaints, complaints, force)

    def _draw_appointments(self, v: GuideView, force: bool) -> None:
        ids = self.root_widget.ids
        ids.appointments_title.text = self.t_("appointments.title", day=v.day)
        ids.appointments_ahead.text = (
            self.t_("appointments.ahead", count=v.appointments_ahead)
            if v.appointments_ahead
            else ""
        )

        def rows() -> list[Any]:
            if not v.appointments:
                return [self._label(self.t_("appointments.none"), muted=True)]
            out = []
            for a in v.appointments:
                text = self.t_(
                    "appointments.row",
                    slot=a.slot,
                    code=a.code,
                    name=a.name,
                    phone=a.phone,
                    item=self._item_name(a.item) or a.item,
                )
                text += "  [" + self.t_(f"appointment_status.{a.status}") + "]"
                out.append(self._row(text, f"appointment:{a.code}", "code_in", a.code))
            return out

        self._fill("appointments_list", v.appointments, rows, force)

    # ------------------------------------------------------------ testing

    def driver_state(self) -> dict[str, Any]:
        v = self.presenter.view()
        return {
            "lang": self.lang,
            "screen": self.root_widget.ids.screens.current,
            "tab": self.root_widget.ids.pages.current,
            "connection": v.connection,
            "signed_in": v.signed_in,
            "waiting": [[r.number, r.item, r.priority, r.target_window] for r in v.waiting],
            "unprinted": [r.number for r in v.unprinted],
            "unseen": v.unseen_waiting,
            "windows": {w.window: [w.status, w.current, w.staff_id] for w in v.windows},
            "kiosks": {
                k.client: [k.online, k.printer, k.scanner, k.alert, k.presence] for k in v.kiosks
            },
            "low": [[r.number, r.level, r.reason] for r in v.low_ratings],
            "complaints": [c.id for c in v.complaints],
            "appointments": [[a.code, a.status] for a in v.appointments],
            "notice": v.notice,
            "pending": v.pending,
            "message": v.message.key if v.message else None,
            "message_text": self._message_text(v)[0],
            "sent": list(self.controller.sent),
        }

    def driver_set_lang(self, lang: str) -> str:
        self.set_language(lang)
        return lang

    def driver_tab(self, tab: str) -> str:
        self.show_tab(tab)
        return self.root_widget.ids.pages.current

    def driver_fill(self, field: str, text: str) -> str:
        """Set a form field (what typing into it does), for tests and screenshots."""
        self.root_widget.ids[field].text = text
        return text


def _window_id(text: str) -> str:
    """``5``, ``w5`` or ``W05`` → ``W05``."""
    text = text.strip().upper()
    digits = text[1:] if text.startswith("W") else text
    return f"W{int(digits):02d}" if digits.isdigit() else text
