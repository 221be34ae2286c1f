"""The sign-in station's screen (Kivy): the reader loop runs on a thread, the screen draws
:class:`attendance.station.StationScreen`. Import after :func:`ui.boot.configure`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import DictProperty

from attendance.station import Outcome, SignInStation, StationScreen
from ui.app import HallApp
from ui.bridge import call_on_main

KV = """
#:import PALETTE ui.theme.PALETTE
BoxLayout:
    orientation: "vertical"
    padding: dp(20)
    spacing: dp(14)
    canvas.before:
        Color:
            rgba: PALETTE.rgba("background")
        Rectangle:
            pos: self.pos
            size: self.size
    BoxLayout:
        size_hint_y: None
        height: app.min_target_px
        spacing: dp(12)
        WrapLabel:
            id: title
            text: app.screen["title"]
            font_size: app.font_px
            size_hint_x: 0.6
        Label:
            id: clock
            text: app.screen["clock"]
            font_size: app.font_px * 1.2
            color: PALETTE.rgba("muted_text")
            size_hint_x: 0.4
    BoxLayout:
        id: message_box
        padding: dp(24)
        canvas.before:
            Color:
                rgba: app.tone_colour(app.screen["tone"])
            RoundedRectangle:
                pos: self.pos
                size: self.size
                radius: [dp(16)]
        Label:
            id: message
            text: app.screen["message"]
            font_size: app.font_px * 1.6
            bold: True
            halign: "center"
            valign: "middle"
            text_size: self.width, None
            color: app.tone_text(app.screen["tone"])
    BoxLayout:
        size_hint_y: None
        height: app.min_target_px
        spacing: dp(12)
        Label:
            id: status
            text: app.screen["status_text"]
            font_size: app.font_px
            color: PALETTE.rgba("ok") if app.screen["status"] == "online" else PALETTE.rgba("error")
            size_hint_x: 0.3
        BigButton:
            id: press
            text: app.screen["button"]
            size_hint_x: 0.7
            on_release: app.press()
    LanguageBar:
"""

TONES = {"idle": "panel", "ok": "ok", "warn": "accent", "fail": "error"}


class StationApp(HallApp):
    """The station by the door: a big message, the reader's status, a press button."""

    screen = DictProperty(
        {
            "title": "",
            "clock": "",
            "message": "",
            "tone": "idle",
            "status": "online",
            "status_text": "",
            "button": "",
            "result": None,
            "staff": None,
        }
    )

    def __init__(
        self,
        station: SignInStation,
        presenter: StationScreen,
        clock: Callable[[], datetime],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.station = station
        self.presenter = presenter
        self.now = clock
        self.stop_event = threading.Event()
        self.button = threading.Event()
        self.attempts = 0
        station.on_status = lambda status, _detail: call_on_main(self._status, status)

    def build(self) -> Any:
        import ui.widgets  # noqa: F401  (registers the shared widgets)

        root = Builder.load_string(KV)
        self.refresh()
        self.bind(lang=lambda *_: self.refresh())
        Clock.schedule_interval(lambda _dt: self.refresh(), 0.5)
        return root

    def on_start(self) -> None:
        super().on_start()
        threading.Thread(target=self._loop, name="signin-reader", daemon=True).start()

    def on_stop(self) -> None:
        self.stop_event.set()
        super().on_stop()

    def _loop(self) -> None:
        self.station.run(lambda o: call_on_main(self._show, o), self.stop_event, self.button)

    def press(self) -> None:
        """The on-screen button: one explicit attempt (no finger within the wait is recorded)."""
        self.button.set()

    def _show(self, outcome: Outcome) -> None:
        self.attempts += 1
        self.presenter.show(outcome)
        self.refresh()

    def _status(self, status: str) -> None:
        self.presenter.set_status(status)
        self.refresh()

    def refresh(self) -> None:
        self.screen = self.presenter.view(self.lang, self.now())

    @staticmethod
    def tone_colour(tone: str) -> list[float]:
        from ui.theme import PALETTE

        return PALETTE.rgba(TONES.get(tone, "panel"))

    @staticmethod
    def tone_text(tone: str) -> list[float]:
        from ui.theme import PALETTE

        return PALETTE.rgba("text" if tone == "idle" else "accent_text")

    def driver_state(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "attempts": self.attempts,
            "finger_down": self.station.finger_down,
            **self.screen,
        }
