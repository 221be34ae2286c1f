"""A minimal app on the shared base: the language switch, a counter, an MQTT-style
hand-over from a thread. It is what ``tests/ui`` drives, and a template for new screens.

``python -m ui.sample`` shows it.
"""

from __future__ import annotations

import threading
from typing import Any

from ui.boot import WindowSettings, configure

configure(WindowSettings(width=1024, height=640, title="hall ui sample"))

from kivy.lang import Builder  # noqa: E402
from kivy.properties import NumericProperty  # noqa: E402

from ui.app import HallApp  # noqa: E402
from ui.bridge import call_on_main  # noqa: E402

KV = """
#:import PALETTE ui.theme.PALETTE
BoxLayout:
    orientation: "vertical"
    padding: dp(24)
    spacing: dp(16)
    canvas.before:
        Color:
            rgba: PALETTE.rgba("background")
        Rectangle:
            pos: self.pos
            size: self.size
    LanguageBar:
    WrapLabel:
        id: title
        font_size: app.font_px * 1.4
        text: app.language_label(app.lang) + " — " + "高邑縣政務服務中心 · 高邑县政务服务中心"
    BigButton:
        id: count
        text: str(app.taps)
        on_release: app.taps += 1
    BigButton:
        id: from_thread
        text: str(app.pushed)
        on_release: app.push_from_thread()
"""


class SampleApp(HallApp):
    taps = NumericProperty(0)
    pushed = NumericProperty(0)

    def build(self) -> Any:
        import ui.widgets  # noqa: F401  (registers the shared widgets)

        return Builder.load_string(KV)

    def push_from_thread(self) -> None:
        """Like an MQTT handler: a thread hands a change to the main thread."""

        def worker() -> None:
            call_on_main(self._bump, threading.current_thread().name)

        threading.Thread(target=worker, name="fake-mqtt").start()

    def _bump(self, source: str) -> None:
        assert threading.current_thread() is threading.main_thread(), source
        self.pushed += 1

    def driver_shoot_every(self, directory: str, every_s: float, keep: int) -> None:
        self.screenshot_every(directory, every_s, keep=keep)

    def driver_state(self) -> dict[str, Any]:
        return {"lang": self.lang, "taps": self.taps, "pushed": self.pushed}


if __name__ == "__main__":
    SampleApp().run()
