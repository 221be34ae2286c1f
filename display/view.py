"""The lobby display's Kivy view: formats :class:`~display.presenter.DisplayView`, nothing more.

Import after :func:`ui.boot.configure` (``display.app`` does it). MQTT messages reach the
presenter on the MQTT dispatcher thread; the presenter's change listener only fires a Clock
trigger, and every widget is updated on Kivy's main thread in :meth:`LobbyApp.refresh`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from display.presenter import DisplayView, WindowTile
from display.runtime import DisplayRuntime
from ui.app import HallApp
from ui.theme import PALETTE, hex_rgb

log = logging.getLogger(__name__)

COLOURS = {
    # tile state: (ground, text)
    "called": (PALETTE.rgba("accent"), PALETTE.rgba("accent_text")),
    "serving": ([*hex_rgb("#2E7D32"), 1.0], [1, 1, 1, 1]),
    "open": (PALETTE.rgba("panel"), PALETTE.rgba("text")),
    "paused": ([*hex_rgb("#5A4A1E"), 1.0], PALETTE.rgba("text")),
    "closed": ([*hex_rgb("#26364D"), 1.0], PALETTE.rgba("muted_text")),
    "stale": ([*hex_rgb("#3A3A3A"), 1.0], PALETTE.rgba("muted_text")),
}
TICKER_PX_PER_S = 120.0


class DTile(BoxLayout):
    title = StringProperty("")
    number = StringProperty("")
    sub = StringProperty("")
    ground = ListProperty(COLOURS["closed"][0])
    fg = ListProperty(COLOURS["closed"][1])


class DRow(BoxLayout):
    number = StringProperty("")
    window = StringProperty("")


class DQueue(BoxLayout):
    line = StringProperty("")
    wait = StringProperty("")


class LobbyApp(HallApp):
    """``runtime`` is started in :meth:`on_start` and stopped in :meth:`on_stop`."""

    u = NumericProperty(1.0)
    highlight_ground = ListProperty(PALETTE.rgba("accent"))
    highlight_fg = ListProperty(PALETTE.rgba("accent_text"))

    def __init__(self, runtime: DisplayRuntime, lang: str, hall_name: dict[str, str], **kw: Any):
        super().__init__(lang=lang, **kw)
        self.title = "hall display"
        self.runtime = runtime
        self.presenter = runtime.presenter
        self.hall_name = hall_name
        self._tiles: dict[str, DTile] = {}
        self._rows: list[DRow] = []
        self._last: DisplayView | None = None
        self._ticker_text = ""
        self._ticker_paused = False
        self._refresh = Clock.create_trigger(lambda _dt: self.refresh(), 0)

    # ----------------------------------------------------------- building

    def build(self) -> Any:
        import ui.widgets  # noqa: F401  (shared widget rules)

        self._fit(Window, Window.size)
        Window.bind(size=self._fit)
        root = Builder.load_file(str(Path(__file__).with_name("screen.kv")))
        self.root_widget = root
        n = len(self.presenter.config.windows)
        root.ids.tiles.cols = 6 if n > 16 else 4 if n > 4 else max(1, n)
        for w in self.presenter.config.windows:
            tile = DTile()
            self._tiles[w.id] = tile
            root.ids.tiles.add_widget(tile)
        for _ in range(self.presenter.settings.recent_rows - 1):
            row = DRow()
            self._rows.append(row)
            root.ids.latest.add_widget(row)
        self.presenter.on_change(self._refresh)  # a Clock trigger: safe from any thread
        self.bind(lang=lambda *_: self.refresh())
        Clock.schedule_interval(self._tick, 0.25)
        Clock.schedule_interval(self._scroll, 1 / 30)
        return root

    def _fit(self, _w: Any, size: Any) -> None:
        self.u = min(size[0] / 1920.0, size[1] / 1080.0)

    def on_start(self) -> None:
        super().on_start()
        self.runtime.start(wait_s=0)
        self.refresh()

    def on_stop(self) -> None:
        self.runtime.stop()

    def _tick(self, _dt: float) -> None:
        self.runtime.poll_connection()
        self.presenter.tick()
        self.refresh()

    # ------------------------------------------------------------ drawing

    def tr_(self, key: str, **params: Any) -> str:
        return self.tr(f"display.{key}", self.lang, **params)

    def refresh(self) -> None:
        v = self.presenter.view()
        self._last = v
        ids = self.root_widget.ids
        lang = self.lang
        ids.hall_name.text = self.hall_name.get(lang, "")
        ids.clock.text = v.clock
        ids.date.text = f"{v.date}  {self.tr_(f'weekday.{v.weekday}')}"
        ids.now_title.text = self.tr_("now_calling")
        ids.latest_title.text = self.tr_("latest")
        ids.windows_title.text = self.tr_("windows_title")
        ids.queues_title.text = self.tr_("queues_title")
        idle = self.tr_("idle")

        if v.stale:
            reasons = "、" if lang != "en" else "; "
            text = reasons.join(self.tr_(f"stale.{r}") for r in v.stale_reasons)
            ids.stale.text = self.tr_("stale.banner", reasons=text)
            ids.stale.height, ids.stale.opacity = 70 * self.u, 1
        else:
            ids.stale.text, ids.stale.height, ids.stale.opacity = "", 0, 0

        h = v.highlight
        if h is not None and not v.stale:
            ids.highlight_number.text = h.number
            ids.highlight_window.text = self.tr_("window_label", no=h.window_no)
            self.highlight_ground, self.highlight_fg = COLOURS["called"]
        else:
            ids.highlight_number.text = idle
            ids.highlight_window.text = "" if v.stale else self.tr_("no_calls")
            self.highlight_ground, self.highlight_fg = COLOURS["stale" if v.stale else "open"]

        first_is_highlight = h is not None and bool(v.calls) and v.calls[0] == h
        older = list(v.calls[1:]) if first_is_highlight else list(v.calls)
        for i, row in enumerate(self._rows):
            call = older[i] if i < len(older) else None
            row.opacity = 1 if call is not None else 0
            row.number = call.number if call and not v.stale else (idle if call else "")
            row.window = self.tr_("window_label", no=call.window_no) if call else ""
        ids.pending.text = self.tr_("pending", n=v.pending) if v.pending else ""

        for tile in v.windows:
            widget = self._tiles.get(tile.window)
            if widget is not None:
                self._draw_tile(widget, tile, v.stale, idle)

        box = ids.queues
        if len(box.children) != len(v.queues):
            box.clear_widgets()
            for _ in v.queues:
                box.add_widget(DQueue())
        for widget, q in zip(reversed(box.children), v.queues, strict=True):
            widget.line = self.tr_("queue", prefix=q.prefix, waiting=idle if v.stale else q.waiting)
            minutes = "" if q.est_wait_min is None else f"{q.est_wait_min:.0f}"
            show_wait = minutes and q.waiting and not v.stale
            widget.wait = self.tr_("queue_wait", minutes=minutes) if show_wait else ""

        notice = (v.notice or {}).get(lang) or (v.notice or {}).get("zh-Hant")
        text = notice or self.tr_("notice_default", hall=self.hall_name.get(lang, ""))
        if text != self._ticker_text:
            self._ticker_text = text
            ids.ticker.text = text
            ids.ticker.x = (
                ids.ticker_box.x + 24 * self.u if self._ticker_paused else ids.ticker_box.right
            )

    def _draw_tile(self, widget: DTile, tile: WindowTile, stale: bool, idle: str) -> None:
        widget.title = self.tr_("window_label", no=tile.window_no)
        if stale:
            state = "stale"
        elif tile.number and tile.ticket_status in ("called", "serving"):
            state = tile.ticket_status
        else:
            state = tile.status if tile.status in COLOURS else "closed"
        widget.ground, widget.fg = COLOURS[state]
        widget.number = tile.number if tile.number and not stale else idle
        if stale:
            widget.sub = ""
        elif tile.number and tile.ticket_status:
            widget.sub = self.tr_(f"status.{tile.ticket_status}")
        else:
            widget.sub = self.tr_(f"status.{tile.status}") if tile.status != "open" else ""
        if tile.after_hours and not stale:
            widget.sub = (widget.sub + " " + self.tr_("after_hours")).strip()

    def _scroll(self, dt: float) -> None:
        box = self.root_widget.ids.ticker_box
        label = self.root_widget.ids.ticker
        label.x -= TICKER_PX_PER_S * self.u * dt
        if label.right < box.x:
            label.x = box.right

    # ------------------------------------------------------------ testing

    def driver_state(self) -> dict[str, Any]:
        v = self._last or self.presenter.view()
        return {
            "lang": self.lang,
            "highlight": v.highlight.number if v.highlight else None,
            "highlight_window": v.highlight.window if v.highlight else None,
            "calls": [[c.number, c.window] for c in v.calls],
            "pending": v.pending,
            "windows": {t.window: t.number for t in v.windows},
            "window_status": {t.window: t.status for t in v.windows},
            "stale": v.stale,
            "stale_reasons": list(v.stale_reasons),
            "queues": {q.prefix: q.waiting for q in v.queues},
            "seq": v.seq,
            "announced": [a.number for a in self.runtime.announcer.queued()]
            if self.runtime.announcer
            else [],
        }

    def driver_set_lang(self, lang: str) -> str:
        self.lang = lang
        self.refresh()
        return lang

    def driver_pause_ticker(self) -> bool:
        """Hold the notice at its start (steady screenshots)."""
        Clock.unschedule(self._scroll)
        self._ticker_paused = True
        ids = self.root_widget.ids
        ids.ticker.x = ids.ticker_box.x + 24 * self.u
        return True
