"""The window terminal's Kivy view: big buttons, function-key shortcuts, dialogs.

Import after :func:`ui.boot.configure` (``terminal.app`` does it); the shell
(:class:`ui.shell.ControllerApp`) runs the controller and redraws on Kivy's main thread.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Keyboard, Window
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from terminal.controller import WindowController
from terminal.presenter import (
    ACTIONS,
    CASE_KINDS,
    SHORTCUTS,
    WindowPresenter,
    WindowView,
    format_duration,
    parse_list,
    parse_materials,
)
from ui.shell import KEY_NAMES, MESSAGE_COLOUR, ControllerApp
from ui.theme import PALETTE


class LastRow(BoxLayout):
    number = StringProperty("")
    kind = StringProperty("")
    at = StringProperty("")


class FinishChooser(ModalView):
    name = "finish"


class CallDialog(ModalView):
    name = "call"


class TransferDialog(ModalView):
    name = "transfer"


class SignInDialog(ModalView):
    name = "sign_in"


class CaseDialog(ModalView):
    name = "case"
    kind = StringProperty("immediate")


class TerminalApp(ControllerApp):
    texts = "terminal"
    u = NumericProperty(1.0)
    controller: WindowController
    presenter: WindowPresenter

    def __init__(self, controller: WindowController, lang: str, **kw: Any):
        super().__init__(controller, lang, f"hall window {controller.window_id}", **kw)
        self.dialog: ModalView | None = None
        self._buttons: dict[str, Any] = {}
        self._rows: list[LastRow] = []
        self._view: WindowView | None = None

    def build(self) -> Any:
        import ui.widgets  # noqa: F401  (BigButton, LanguageBar)

        self._fit(Window, Window.size)
        Window.bind(size=self._fit, on_key_down=self._on_key)
        root = Builder.load_file(str(Path(__file__).with_name("counter.kv")))
        self.root_widget = root
        keys = {action: key for key, action in SHORTCUTS.items()}
        from kivy.factory import Factory

        for action in sorted(ACTIONS, key=lambda a: int(keys[a][1:])):
            button = Factory.TButton()
            button.bind(on_release=lambda _b, a=action: self.act(a))
            button.shortcut = keys[action].upper()
            self._buttons[action] = button
            root.ids.buttons.add_widget(button)
            root.ids[f"btn_{action}"] = button.proxy_ref
        for _ in range(self.presenter.last_rows):
            row = LastRow()
            self._rows.append(row)
            root.ids.last.add_widget(row)
        self.bind(lang=lambda *_: self.refresh())
        Clock.schedule_interval(self.tick, 0.5)
        return root

    def _fit(self, _w: Any, size: Any) -> None:
        self.u = min(size[0] / 1280.0, size[1] / 800.0)

    # ------------------------------------------------------------ actions

    def act(self, action: str) -> None:
        """A button or its function key."""
        view = self.presenter.view()
        if not view.enabled.get(action) or view.pending:
            return
        if action == "finish":
            self.open_dialog(FinishChooser())
        elif action == "call":
            self.open_dialog(CallDialog())
        elif action == "transfer":
            self.open_dialog(TransferDialog())
        else:
            self.controller.press(action)
        self.refresh()

    def finish(self, kind: str) -> None:
        """A case kind chosen: the case form (registered, then the ticket finished)."""
        if self.presenter.view().case_no:  # a returning ticket: its case is registered
            self.close_dialog()
            self.controller.finish_case(kind, "", "")
            return
        dialog = CaseDialog()
        dialog.kind = kind
        self.open_dialog(dialog)

    def send_case(
        self, kind: str, name: str, contact: str, materials: str, missing: str, reason: str
    ) -> None:
        if not name.strip() or not contact.strip():
            return
        self.close_dialog()
        self.controller.finish_case(
            kind,
            name,
            contact,
            parse_materials(materials),
            parse_list(missing),
            reason,
        )

    def toggle_sign_in(self) -> None:
        if self.presenter.view().staff is not None:
            self.controller.sign_out()
        else:
            self.controller.open_sign_in()

    def send_sign_in(self, staff: str, pin: str) -> None:
        if not staff.strip() or not pin.strip():
            return
        self.close_dialog()
        self.controller.sign_in(staff, pin)

    def send_call(self, number: str) -> None:
        number = number.strip().upper()
        if not number:
            return
        self.close_dialog()
        self.controller.press("call", number=number)

    def send_transfer(self, to_window: str, to_item: str, note: str) -> None:
        to_window, to_item = to_window.strip().upper(), to_item.strip().upper()
        if to_window.isdigit():
            to_window = f"W{int(to_window):02d}"
        if not to_window and not to_item:
            return
        self.close_dialog()
        self.controller.press("transfer", to_window=to_window, to_item=to_item, note=note.strip())

    def open_dialog(self, dialog: ModalView) -> None:
        self.close_dialog()
        self.dialog = dialog
        dialog.open(animation=False)
        first = {
            "call": "call_input",
            "transfer": "transfer_window",
            "sign_in": "sign_in_staff",
            "case": "case_name",
        }.get(dialog.name)
        if first:
            Clock.schedule_once(lambda _dt: setattr(dialog.ids[first], "focus", True), 0)

    def close_dialog(self) -> None:
        if self.dialog is not None and self.dialog.name == "sign_in":
            self.presenter.set_sign_in_open(False)
        if self.dialog is not None:
            self.dialog.dismiss(animation=False)
            self.dialog = None

    def _on_key(self, _window: Any, key: int, _scancode: int, _text: Any, _mods: Any) -> bool:
        name = KEY_NAMES.get(key, "")
        if self.dialog is not None:
            if name == "escape":
                self.close_dialog()
                return True
            if self.dialog.name == "finish" and name in ("1", "2", "3", "4", "5"):
                self.finish(CASE_KINDS[int(name) - 1])
                return True
            return False
        action = SHORTCUTS.get(name)
        if action is not None:
            self.act(action)
            return True
        return False

    # ------------------------------------------------------------ drawing

    def refresh(self) -> None:
        v = self.presenter.view()
        self._view = v
        ids = self.root_widget.ids
        if v.sign_in_open and self.dialog is None:
            self.open_dialog(SignInDialog())
        elif not v.sign_in_open and self.dialog is not None and self.dialog.name == "sign_in":
            self.close_dialog()
        if v.staff:
            ids.staff.text = self.t_("signed_in_as", staff=v.staff[0], name=v.staff[1])
        else:
            ids.staff.text = self.t_("nobody_signed_in")
        ids.sign_button.text = self.t_("sign_out" if v.staff else "sign_in")
        ids.case_info.text = self._case_lines(v)
        ids.title.text = self.t_("title", no=v.window_no)
        status = self.t_(f"status.{v.status}")
        if v.after_hours:
            status += " · " + self.t_("after_hours_on")
        ids.status.text = status
        self.show_connection(v.connection)
        ids.at_counter.text = self.t_("at_counter")
        ids.ticket.text = v.ticket or "—"
        ids.ticket_status.text = self.t_(f"status.{v.ticket_status}") if v.ticket_status else ""
        ids.ticket_status.text += ("  " + self.t_("calls", n=v.calls)) if v.calls > 1 else ""
        ids.since.text = (
            self.t_("since", duration=format_duration(v.at_counter_s)) if v.ticket else ""
        )
        if not v.ticket:
            ids.ticket_status.text = self.t_("no_ticket")
        ids.item.text = self._item_line(v)
        ids.waiting.text = self.t_("waiting", n=v.waiting)
        ids.served.text = self.t_("served_today", n=v.served_today)
        ids.last_title.text = self.t_("last_title")
        tz = self.presenter.config.tz
        for i, row in enumerate(self._rows):
            h = v.last[i] if i < len(v.last) else None
            row.number = h.number if h else ""
            row.kind = self.t_(f"kind.{h.kind}") if h else ""
            row.at = datetime.fromtimestamp(h.at, tz).strftime("%H:%M") if h else ""

        if v.pending:
            action = self.t_(f"action.{v.pending}")
            ids.message.text = self.t_("pending", action=action)
            if v.connection != "online":
                ids.message.text = self.t_("msg.held", action=action)
            self.message_colour = PALETTE.rgba("accent")
        elif v.message is not None:
            params = dict(v.message.params)
            if "action" in params:
                params["action"] = self.t_(f"action.{params['action']}")
            ids.message.text = self.tr(v.message.key, self.lang, **params)
            self.message_colour = PALETTE.rgba(MESSAGE_COLOUR.get(v.message.level, "text"))
        else:
            ids.message.text = ""
        for action, button in self._buttons.items():
            label = self.t_(f"action.{action}")
            if action == "after_hours":
                label = self.t_("after_hours_on" if v.after_hours else "after_hours_off")
            button.text = f"{label}\n[{button.shortcut}]"
            button.disabled = not v.enabled.get(action) or v.pending is not None
            button.opacity = 1.0 if not button.disabled else 0.45

    def _case_lines(self, v: WindowView) -> str:
        """The case panel: number, status, promised date, what is missing, the notice; then
        this window's cases that are overdue or due soon."""
        lines = [self._case_panel(v)] if self._case_panel(v) else []
        for number, flag, due in v.due_cases[:4]:
            lines.append(self.t_(f"due_{flag}", number=number, date=due or ""))
        if len(v.due_cases) > 4:
            lines.append(self.t_("due_more", n=len(v.due_cases) - 4))
        return "\n".join(lines)

    def _case_panel(self, v: WindowView) -> str:
        c = v.case
        if c is None:
            return self.t_("case_returning") + f" {v.case_no}" if v.case_no else ""
        lines = [self.t_("case_number", number=c.number)]
        lines.append(self.t_("case_status", status=self.tr(f"cases.status.{c.status}", self.lang)))
        lines.append(self.t_("case_due", date=c.due) if c.due else self.t_("case_no_due"))
        if c.missing:
            lines.append(self.t_("case_missing", items="、".join(c.missing)))
        if c.notice:
            lines.append(self.t_(f"notice_{c.notice}"))
        return "\n".join(lines)

    def _item_line(self, v: WindowView) -> str:
        """The ticket's service item and, unless normal, its priority class."""
        if not v.ticket or not v.item:
            return ""
        config = self.presenter.config
        item = config.item_by_code.get(v.item)
        line = item.name.get(self.lang) if item else v.item
        prio = next((p for p in config.hall_file.priority if p.code == v.priority), None)
        if prio is not None and prio.rank > 0:
            line += " · " + prio.name.get(self.lang)
        return line

    # ------------------------------------------------------------ testing

    def driver_state(self) -> dict[str, Any]:
        v = self._view or self.presenter.view()
        return {
            "lang": self.lang,
            "window": v.window,
            "status": v.status,
            "ticket": v.ticket,
            "ticket_status": v.ticket_status,
            "item": v.item,
            "item_line": self.root_widget.ids.item.text,
            "waiting": v.waiting,
            "served_today": v.served_today,
            "last": [[h.number, h.kind] for h in v.last],
            "connection": v.connection,
            "enabled": sorted(k for k, e in v.enabled.items() if e),
            "pending": v.pending,
            "message": v.message.key if v.message else None,
            "dialog": self.dialog.name if self.dialog else None,
            "staff": list(v.staff) if v.staff else None,
            "case": v.case.number if v.case else None,
            "case_info": self.root_widget.ids.case_info.text,
            "sent": [
                [o.command.ctype, o.command.id, o.status, o.command.sends]
                for o in self.controller.outcomes
            ],
        }

    def driver_set_lang(self, lang: str) -> str:
        self.lang = lang
        self.refresh()
        return lang

    def driver_key(self, name: str) -> bool:
        """Press a key by name (``f1``, ``1``, ``escape``) through the window's key path."""
        code = Keyboard.keycodes[name]
        return bool(Window.dispatch("on_key_down", code, 0, None, []))
