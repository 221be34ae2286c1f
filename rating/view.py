"""The rating pad's Kivy view: five large buttons, reason chips for a low level, thanks.

Import after :func:`ui.boot.configure` (``rating.app`` does it). Digits 5..1 on a keyboard
press the levels too; the shell (:class:`ui.shell.ControllerApp`) runs the controller and
redraws on Kivy's main thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.uix.boxlayout import BoxLayout

from rating.controller import RatingController
from rating.presenter import LEVELS, REASONS, RatingPresenter
from ui.shell import KEY_NAMES, ControllerApp


class PadRoot(BoxLayout):
    pass


class RatingApp(ControllerApp):
    texts = "rating"
    controller: RatingController
    presenter: RatingPresenter

    def __init__(self, controller: RatingController, lang: str, **kw: Any):
        super().__init__(controller, lang, f"hall rating {controller.window_id}", **kw)

    def build(self) -> Any:
        import ui.widgets  # noqa: F401  (BigButton, LanguageBar)

        Builder.load_file(str(Path(__file__).with_name("pad.kv")))
        root = PadRoot()
        self.root_widget = root
        for code in REASONS:
            chip = Factory.BigButton()
            chip.ui_key = f"reason:{code}"
            chip.bind(on_release=lambda _b, c=code: self.toggle_reason(c))
            root.ids.chips.add_widget(chip)
        Window.bind(on_key_down=self._on_key, on_touch_down=self._touched)
        self.bind(lang=lambda *_: self.refresh())
        Clock.schedule_interval(self.tick, 0.5)
        return root

    # ------------------------------------------------------------ actions

    def choose(self, level: int) -> None:
        if self.presenter.choose(level):
            self.controller.submit()
        self.refresh()

    def toggle_reason(self, code: str) -> None:
        self.presenter.toggle_reason(code)
        self.refresh()

    def confirm_reason(self) -> None:
        other = self.root_widget.ids.other
        if self.presenter.confirm_reason():
            self.controller.submit(other.text)
            other.text = ""
        self.refresh()

    def _touched(self, *_args: Any) -> bool:
        self.presenter.touched()
        return False

    def _on_key(self, _window: Any, key: int, _scancode: int, _text: Any, _mods: Any) -> bool:
        name = KEY_NAMES.get(key, "")
        if name == "escape":  # a pad at the counter is never closed by a key
            return True
        if self.presenter.screen == "ask" and name in {str(n) for n in LEVELS}:
            self.choose(int(name))
            return True
        return False

    # ------------------------------------------------------------ drawing

    def refresh(self) -> None:
        v = self.presenter.view()
        ids = self.root_widget.ids
        ids.screens.current = v.screen
        self.show_connection(v.connection)
        ids.left.text = self.t_("left", seconds=v.left_s) if v.left_s is not None else ""
        number = int(self.controller.window_id.lstrip("W") or 0)
        ids.idle_title.text = self.t_("idle", window=number)
        ids.idle_hint.text = self.t_("idle_hint")
        ids.ask_title.text = self.t_("ask")
        ids.ask_ticket.text = self.t_("ticket", number=v.number or "")
        for level in LEVELS:
            ids[f"level_{level}"].text = self.t_(f"level.{level}")
        ids.reason_title.text = self.t_("reason")
        for chip in ids.chips.children:
            code = chip.ui_key.split(":", 1)[1]
            chip.text = self.t_(f"reasons.{code}")
            chip.selected = code in v.reasons
        ids.other.hint_text = self.t_("other")
        ids.send.text = self.t_("send")
        ids.sending_title.text = self.t_("sending")
        low = v.level is not None and v.level <= 2
        ids.thanks_title.text = self.t_("thanks_low" if low else "thanks")
        ids.error_title.text = self.t_("failed")
        ids.error_detail.text = self.tr(v.error, self.lang) if v.error else ""

    # ------------------------------------------------------------ testing

    def driver_state(self) -> dict[str, Any]:
        v = self.presenter.view()
        return {
            "lang": self.lang,
            "screen": v.screen,
            "ticket": v.ticket,
            "number": v.number,
            "level": v.level,
            "reasons": list(v.reasons),
            "left_s": v.left_s,
            "connection": v.connection,
            "rated": v.rated,
            "error": v.error,
            "sent": [list(s) for s in self.controller.sent],
        }

    def driver_set_lang(self, lang: str) -> str:
        self.set_language(lang)
        return lang

    def driver_fill(self, field: str, text: str) -> str:
        self.root_widget.ids[field].text = text
        return text
