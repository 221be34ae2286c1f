"""The app shell of a screen driven by a controller (window terminal, guide console, rating pad).

A controller is the screen without Kivy: its MQTT link (:mod:`ui.link`), a presenter and the
commands. :class:`ControllerApp` starts it when the app starts and stops it when the app
stops, polls it on a timer, and redraws on the main thread: the controller's ``on_change``
(called from MQTT and command threads) is a ``Clock`` trigger, the one thread-safe way in.

Import after :func:`ui.boot.configure` (it imports Kivy and creates the window).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from kivy.clock import Clock
from kivy.core.window import Keyboard
from kivy.properties import ListProperty

from ui.app import HallApp
from ui.theme import PALETTE, hex_rgb

CONNECTION_GROUND = {
    "online": [*hex_rgb("#2E7D32"), 1.0],
    "offline": [*hex_rgb("#B3261E"), 1.0],
    "service_offline": [*hex_rgb("#B3261E"), 1.0],
}
"""Ground of the connection badge by ``ui.link.connection_state``."""
MESSAGE_COLOUR = {"info": "text", "ok": "ok", "error": "error"}
"""Palette colour of a status line by its level."""
KEY_NAMES = {code: name for name, code in Keyboard.keycodes.items()}
"""Kivy key code → name (``"f1"``, ``"escape"``, ``"5"``)."""


class Controller(Protocol):
    """What the shell needs of a controller."""

    presenter: Any
    on_change: Callable[[], None] | None

    def start(self, wait_s: float = ...) -> Any: ...

    def poll(self) -> None: ...

    def stop(self) -> None: ...


class ControllerApp(HallApp):
    """Runs ``controller`` for as long as the app runs; subclasses build the widgets, draw
    the presenter's view in :meth:`refresh` and schedule :meth:`tick` in ``build``."""

    connection_ground = ListProperty(CONNECTION_GROUND["offline"])
    message_colour = ListProperty(PALETTE.rgba("text"))
    texts = ""
    """The screen's key prefix in the translation files (``terminal``): see :meth:`t_`."""

    def __init__(self, controller: Controller, lang: str, title: str, **kw: Any):
        super().__init__(lang=lang, **kw)
        self.title = title
        self.controller = controller
        self.presenter = controller.presenter
        self._refresh = Clock.create_trigger(lambda _dt: self.refresh(), 0)
        controller.on_change = self._refresh

    def refresh(self) -> None:
        """Draw the presenter's view (main thread only)."""
        raise NotImplementedError

    def t_(self, key: str, **params: Any) -> str:
        """The screen's own text ``<texts>.<key>`` in the current language."""
        return self.tr(f"{self.texts}.{key}", self.lang, **params)

    def show_connection(self, connection: str) -> None:
        """The badge (kv id ``connection``): ``<texts>.connection.<state>`` on its colour."""
        self.root_widget.ids.connection.text = self.t_(f"connection.{connection}")
        self.connection_ground = CONNECTION_GROUND[connection]

    def on_start(self) -> None:
        super().on_start()
        self.controller.start(wait_s=0)
        self.started()

    def started(self) -> None:
        """The first drawing, once the controller runs (override for more, e.g. a focus)."""
        self.refresh()

    def on_stop(self) -> None:
        self.controller.stop()

    def tick(self, _dt: float = 0.0) -> None:
        """Poll the controller (liveness, timeouts) and redraw; for ``Clock.schedule_interval``."""
        self.controller.poll()
        self.refresh()
