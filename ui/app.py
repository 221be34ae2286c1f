"""The app shell every hall screen builds on (kiosk, lobby display, terminals, sign-in).

Call :func:`ui.boot.configure` with the window settings before importing this
module (importing it configures defaults otherwise). A subclass builds its root
widget in ``build()`` as usual and may override :meth:`HallApp.driver_state`
to expose its view state to GUI tests.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from ui.boot import configure

configure()

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.metrics import dp, sp  # noqa: E402
from kivy.properties import NumericProperty, OptionProperty  # noqa: E402

from hall.i18n import LANGUAGES  # noqa: E402
from ui.fonts import register_default_font, release_label_surfaces  # noqa: E402
from ui.lang import language_label, tr  # noqa: E402
from ui.screenshot import save_window_png  # noqa: E402

log = logging.getLogger(__name__)

DRIVER_ENV = "HALL_UI_DRIVER"
"""``host:port`` of a test driver to connect to (see :mod:`ui.driver`)."""


class HallApp(App):
    """Kivy app with the hall's font, a language switch, screenshots and a test driver."""

    lang = OptionProperty(LANGUAGES[0], options=list(LANGUAGES))
    languages = LANGUAGES
    min_target_px = NumericProperty(dp(72))
    """Smallest touch target side in pixels (see :meth:`size_for_screen`)."""
    font_px = NumericProperty(sp(26))
    """Body text size in pixels."""

    def __init__(self, lang: str = LANGUAGES[0], **kwargs: Any):
        register_default_font()  # before any widget (and its kv rules) is made
        release_label_surfaces()
        super().__init__(**kwargs)
        self.lang = lang
        self._shot_event: Any = None
        self.driver: Any = None

    # ------------------------------------------------------------- texts

    def tr(self, key: str, lang: str | None = None, **params: Any) -> str:
        """Text ``key`` in ``lang`` (default: the current language)."""
        return tr(key, lang or self.lang, **params)

    def language_label(self, lang: str) -> str:
        return language_label(lang)

    def set_language(self, lang: str) -> None:
        self.lang = lang

    def size_for_screen(self, dpi: float, min_target_mm: float, font_mm: float) -> None:
        """Size touch targets and text in millimetres of the physical screen."""
        from ui.theme import mm_to_px

        self.min_target_px = mm_to_px(min_target_mm, dpi)
        self.font_px = mm_to_px(font_mm, dpi)

    # -------------------------------------------------------- screenshots

    def screenshot(self, path: str | Path, frames: int = 2) -> Future[Path]:
        """Save the window to ``path`` after ``frames`` more frames are drawn.

        Safe from any thread; the future resolves to the path once written.
        """
        fut: Future[Path] = Future()

        def shoot(_dt: float, left: int = frames) -> None:
            if left > 0:
                Clock.schedule_once(lambda dt: shoot(dt, left - 1), 0)
                return
            try:
                fut.set_result(save_window_png(path))
            except Exception as exc:
                log.exception("screenshot %s failed", path)
                fut.set_exception(exc)

        Clock.schedule_once(shoot, 0)
        return fut

    def screenshot_every(
        self,
        directory: str | Path,
        every_s: float,
        name: Callable[[], str] | None = None,
        keep: int = 120,
    ) -> None:
        """Write a screenshot to ``directory`` every ``every_s`` seconds (demo, remote
        checking); ``latest.png`` is always the newest, and only the last ``keep``
        numbered ones are kept (a day of demo does not fill the disk)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        counter = {"n": 0}
        written: list[Path] = []

        def tick(_dt: float) -> None:
            counter["n"] += 1
            stem = name() if name else f"{self.name}-{counter['n']:05d}"
            path = save_window_png(directory / f"{stem}.png")
            latest = directory / "latest.png"
            tmp = directory / ".latest.png"
            tmp.write_bytes(path.read_bytes())
            tmp.replace(latest)
            written.append(path)
            while len(written) > keep:
                written.pop(0).unlink(missing_ok=True)

        if self._shot_event is not None:
            self._shot_event.cancel()
        self._shot_event = Clock.schedule_interval(tick, every_s)

    # ------------------------------------------------------------ testing

    def driver_state(self) -> dict[str, Any]:
        """What a GUI test may read besides widgets (override: the presenter's view)."""
        return {"lang": self.lang}

    def driver_label_surfaces(self) -> int:
        """Labels alive that still hold a rendered SDL surface (should be none: see
        :func:`ui.fonts.release_label_surfaces`)."""
        import gc

        from kivy.core.text import LabelBase

        labels = [o for o in gc.get_objects() if issubclass(type(o), LabelBase)]  # not proxies
        return sum(1 for o in labels if getattr(o, "_surface", None) is not None)

    def on_start(self) -> None:
        from kivy.core.window import Window

        Window.bind(on_request_close=self._on_request_close)
        self._stop_on_sigterm()
        address = os.environ.get(DRIVER_ENV)
        if address:
            from ui.driver import DriverConnection

            host, _, port = address.rpartition(":")
            self.driver = DriverConnection(self, host or "127.0.0.1", int(port))
            self.driver.start()

    def _stop_on_sigterm(self) -> None:
        """SIGTERM (``hall up`` stopping, systemd, a test) stops the app as it should stop:
        ``on_stop`` closes its MQTT link, which publishes ``closed`` (a kiosk, whose window
        ignores close requests, otherwise ran on until SIGKILL and was reported ``lost``).
        The handler only sets a flag, read on the main loop: Kivy is not re-entrant."""
        asked = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: asked.set())

        def check(_dt: float) -> bool:
            if asked.is_set():
                log.info("SIGTERM: stopping")
                self.stop()
                return False
            return True

        Clock.schedule_interval(check, 0.2)

    def _on_request_close(self, *args: Any, **kwargs: Any) -> bool:
        """A kiosk window ignores close requests (Alt+F4, Escape); others close."""
        from ui.boot import _applied

        return bool(_applied and _applied.kiosk)
