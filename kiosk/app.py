"""The applicant kiosk on screen: a thin Kivy view over :class:`kiosk.presenter.Presenter`.

``hall kiosk --kiosk-id kiosk-01`` (or ``python -m kiosk.app``) runs it. The view
draws the presenter's :class:`~kiosk.presenter.View` (``screens.kv``) and forwards
touches, scans and a one-second tick. Service and printer work runs on threads
and comes back through :func:`ui.bridge.run_in_background`.

Kiosk mode (from ``kiosks.toml``): fullscreen, no cursor, no multitouch marks,
Escape and close requests ignored, no screensaver. A keyboard-wedge scanner types
into the window itself: there is no text field to take the focus, so no scan is
ever lost; serial and camera scanners are read on threads.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ui.boot import WindowSettings, configure
from ui.memory import rss_mb, trim_heap, tune_malloc

log = logging.getLogger("kiosk")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hall kiosk", description="The applicant kiosk (GUI).")
    add_arguments(parser)
    return parser.parse_args(argv)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kiosk-id", "--client", dest="kiosk_id", default="kiosk-01", help="its client id"
    )
    parser.add_argument("--config", default="config")
    parser.add_argument("--var", default=None, help="runtime directory (secrets, id-key)")
    parser.add_argument("--broker-host", default=None)
    parser.add_argument("--broker-port", "--port", dest="broker_port", type=int, default=None)
    parser.add_argument("--printer", default=None, help="printer URL (overrides kiosks.toml)")
    parser.add_argument(
        "--scanner", default=None, help="wedge | none | serial:PORT[:BAUD] | camera:DEVICE"
    )
    parser.add_argument("--lang", default=None, help="start language (zh-Hant, zh-Hans, en)")
    parser.add_argument("--windowed", action="store_true", help="not fullscreen (development)")
    parser.add_argument("--size", default=None, help="window size WxH (default: the screen's)")
    parser.add_argument("--screenshots", default=None, help="write a PNG here every --every s")
    parser.add_argument("--every", type=float, default=5.0)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run(args)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    tune_malloc()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    from hall.conf.cli import load_or_exit
    from hall.conf.kiosks import load_kiosks

    config = load_or_exit(args.config)
    settings = load_kiosks(config, args.kiosk_id)
    screen = settings.defaults.screen
    width, height = screen.width_px, screen.height_px
    if args.size:
        width, height = (int(v) for v in args.size.lower().split("x"))
    configure(
        WindowSettings(
            width=width,
            height=height,
            fullscreen=screen.fullscreen and not args.windowed,
            kiosk=True,
            title=f"hall kiosk {args.kiosk_id}",
        )
    )
    app = build_app(args, config, settings, started)
    app.run()
    return 0


class LazyConnection:
    """Stands in for the kiosk's connection until it is made: nothing reachable yet."""

    def service_up(self) -> bool:
        return False

    def connected(self) -> bool:
        return False

    def printer_state(self) -> str:
        return "unknown"

    def issue(self, request: Any) -> Any:
        from hall.i18n import t
        from kiosk.request import DeskResult

        message = t("errors.service_unreachable", request.lang)
        return DeskResult(False, error="service_unreachable", message=message, request=request)

    def ticket_status(self, ticket: str) -> dict[str, Any]:
        return {"ok": False, "error": "service_unreachable"}

    def reprint(self, status: dict[str, Any], lang: str) -> Any:
        from kiosk.request import DeskResult

        return DeskResult(True, status["ticket"], printed=False, error="service_unreachable")

    def stop(self) -> None:
        pass


def build_app(args: argparse.Namespace, config: Any, settings: Any, started: float) -> Any:
    """Import Kivy (after :func:`ui.boot.configure`) and make the app."""
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.lang import Builder
    from kivy.properties import ObjectProperty
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.screenmanager import Screen

    import ui.widgets  # noqa: F401  (BigButton, WrapLabel, LanguageBar)
    from hall.idhash import KEY_FILE, ensure_key
    from kiosk.presenter import Presenter, View
    from ui.app import HallApp
    from ui.bridge import call_on_main, run_in_background
    from ui.memory import GcPauses, ScreenGarbage
    from ui.widgets import BigButton, WrapLabel

    class KioskRoot(BoxLayout):
        pass

    screen_classes: dict[str, type] = {}
    for name in ("Home", "Choose", "Search", "Appointment", "Confirm", "Issued", "Scan"):
        Screen_ = type(f"{name}Screen", (Screen,), {})
        from kivy.factory import Factory

        Factory.register(f"{name}Screen", cls=Screen_)
        screen_classes[name.lower()] = Screen_
    Builder.load_file(str(Path(__file__).with_name("screens.kv")))

    def qr_texture(payload: str) -> Any:
        """The QR of a ticket reference as a texture (made directly: no image cache)."""
        import qrcode
        from kivy.graphics.texture import Texture

        code = qrcode.QRCode(box_size=12, border=2)
        code.add_data(payload)
        code.make(fit=True)
        image = code.make_image().get_image().convert("RGB")
        texture = Texture.create(size=image.size, colorfmt="rgb")
        data = image.transpose(1).tobytes()  # GL rows run bottom-up
        texture.blit_buffer(data, colorfmt="rgb", bufferfmt="ubyte")
        return texture

    class KioskApp(HallApp):
        vs = ObjectProperty(None, allownone=True)

        def build(self) -> Any:
            from concurrent.futures import ThreadPoolExecutor

            # one long-lived worker for service and printer work (ordered, one malloc arena)
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="kiosk-work")
            # the MQTT client and the contract models load with the connection, after the
            # first frame (see _connect); until then the Home screen is up and says so
            self.connection = LazyConnection()
            var_root = Path(args.var or os.environ.get("HALL_VAR", "var")).resolve()
            dpi = settings.defaults.screen.dpi
            self.size_for_screen(dpi, settings.defaults.min_target_mm, settings.defaults.font_mm)
            self.presenter = Presenter(
                config,
                settings.defaults,
                self.connection,
                lambda work, done: run_in_background(
                    work, done, self._work_failed, executor=self._worker
                ),
                ensure_key(var_root / KEY_FILE),
                on_change=self.show,
            )
            if args.lang:
                self.presenter.set_language(args.lang)
            self.root_widget = KioskRoot()
            self._shown: dict[str, Any] = {}
            self._garbage = ScreenGarbage()
            self._gc_pauses = GcPauses()
            self.show(self.presenter.view)
            self._wedge = ""
            self._wedge_at = 0.0
            Window.bind(on_textinput=self._on_textinput, on_key_down=self._on_key_down)
            Window.bind(on_touch_down=lambda *_: self.presenter.touched())
            Clock.schedule_interval(lambda _dt: self._tick(), 1.0)
            # after the first frames: the printer driver's import (python-escpos loads a
            # large capabilities file) must not hold up the Home screen
            Clock.schedule_once(lambda _dt: self._connect(), 0.5)
            if args.screenshots:
                self.screenshot_every(args.screenshots, args.every)
            self.cold_start_s = time.monotonic() - started
            return self.root_widget

        def _connect(self) -> None:
            from hall.runtime import RuntimeDir
            from kiosk.connection import KioskConnection

            self.connection = KioskConnection(
                config,
                settings,
                RuntimeDir.default(args.var),
                args.kiosk_id,
                args.broker_host,
                args.broker_port,
                args.printer,
                args.scanner,
            )
            self.presenter.backend = self.connection
            self.connection.start(
                on_queues=lambda body: call_on_main(self.presenter.set_queues, body),
                on_scan=lambda code: call_on_main(self.presenter.scanned, code),
                on_scanner=lambda state: call_on_main(self.presenter.set_scanner, state),
            )

        def _work_failed(self, exc: BaseException) -> None:
            log.error("kiosk work failed: %r", exc)

        # ----------------------------------------------------------- input

        def set_language(self, lang: str) -> None:
            self.presenter.set_language(lang)

        def take_ticket(self) -> None:
            self.presenter.take_ticket()

        def _on_textinput(self, _window: Any, text: str) -> None:
            now = time.monotonic()
            if now - self._wedge_at > 1.0:  # a scanner types fast; a stale half-code is noise
                self._wedge = ""
            self._wedge_at = now
            self._wedge += text

        def _on_key_down(self, _window: Any, key: int, *_args: Any) -> bool:
            if key in (13, 271):  # Enter / keypad Enter ends a wedge scan
                code, self._wedge = self._wedge.strip(), ""
                if code:
                    self.presenter.scanned(code)
                return True
            return key == 27  # Escape does nothing on a kiosk

        def _tick(self) -> None:
            self.presenter.set_service_up(self.connection.service_up())
            self.presenter.tick()
            self._ticks = getattr(self, "_ticks", 0) + 1
            idle = time.monotonic() - self.presenter.last_touch
            if self._ticks % 30 == 0 and self.presenter.screen == "home" and idle > 10:
                trim_heap()  # nobody at the kiosk: give freed heap back

        # ------------------------------------------------------------ view

        def show(self, view: View) -> None:
            """Draw the presenter's view: properties for kv, lists rebuilt when changed."""
            self.vs = view
            self.lang = view.lang
            root = self.root_widget
            screens = root.ids.screens
            if screens.current != view.screen and not self._enter(screens, view.screen):
                return
            ids = screens.get_screen(view.screen).ids
            if view.screen == "home":
                self._fill(ids.classes, "classes", view.classes, view.lang, self._class_button)
                self._fill(
                    ids.priorities, "priorities", view.priorities, view.lang, self._priority_button
                )
            elif view.screen in ("choose", "search"):
                self._fill(ids.entries, view.screen, view.entries, view.lang, self._entry_button)
                if view.screen == "search":
                    self._fill(ids.keypad, "keys", view.keys, "", self._key_button)
            elif view.screen == "appointment":
                self._fill(ids.keypad, "digits", view.keys, "", self._key_button)
            elif view.screen == "confirm":
                self._fill(ids.materials, "materials", view.materials, "", self._line("• "))
            elif view.screen in ("issued", "scan"):
                lines = view.ticket_lines
                scale = 1.15 if view.screen == "issued" else 1.4
                self._fill(ids.lines, f"{view.screen}-lines", lines, "", self._line("", scale))
                if view.screen == "issued" and self._shown.get("qr") != view.qr:
                    self._shown["qr"] = view.qr
                    ids.qr.texture = qr_texture(view.qr)

        def _enter(self, screens: Any, name: str) -> bool:
            """Drop the screen on show, then make screen ``name`` and show it: only the
            screen on show holds widgets and label textures (under a software renderer
            every texture is process memory, and seven screens built up front held them
            all). :class:`ui.memory.ScreenGarbage` sees that the left one is freed."""
            self._garbage.take_off(screens)
            self._garbage.settle()
            try:
                screen = screen_classes[name](name=name)
            except Exception:  # a screen that cannot be built must not leave the kiosk blank
                if name == "home":
                    raise
                log.exception("screen %s could not be built: back to Home", name)
                Clock.schedule_once(lambda _dt: self.presenter.home())
                return False
            screens.add_widget(screen)  # shown at once: no transition
            screens.current = name
            self._shown.clear()  # its lists are filled afresh
            self._garbage.switched()
            return True

        # Kivy applies a class's kv rule after the constructor's keyword arguments, so
        # the sizes and alignments the rule also sets are assigned after construction.

        def _class_button(self, b: Any) -> Any:
            w = BigButton(text=f"{b.label}\n{b.detail}", bold=True)
            w.font_size = self.font_px * 1.5
            w.ui_key = f"class:{b.key}"
            w.bind(on_release=lambda *_: self.presenter.choose_class(b.key))
            return w

        def _priority_button(self, b: Any) -> Any:
            w = BigButton(text=b.label, selected=b.selected)
            w.font_size = self.font_px * 1.2
            w.ui_key = f"priority:{b.key}"
            w.bind(on_release=lambda *_: self.presenter.toggle_priority(b.key))
            return w

        def _entry_button(self, b: Any) -> Any:
            small = int(self.font_px * 0.8)
            detail = f"\n[size={small}]{b.detail}[/size]" if b.detail else ""
            w = BigButton(text=b.label + detail, markup=True)
            w.font_size = self.font_px * 1.1
            w.ui_key = f"entry:{b.key}"
            w.bind(on_release=lambda *_: self.presenter.tap_entry(b.key))
            return w

        def _key_button(self, k: str) -> Any:
            w = BigButton(text=k)
            w.font_size = self.font_px * 1.2
            w.ui_key = f"key:{k}"
            w.bind(on_release=lambda *_: self.presenter.key(k))
            return w

        def _line(self, prefix: str, scale: float = 1.0) -> Any:
            def make(text: str) -> Any:
                w = WrapLabel(text=prefix + text)
                w.font_size = self.font_px * scale
                return w

            return make

        def _fill(self, box: Any, name: str, items: Sequence[Any], lang: str, make: Any) -> None:
            key = (tuple(items), lang)
            if self._shown.get(name) == key:
                return
            self._shown[name] = key
            box.clear_widgets()
            for item in items:
                box.add_widget(make(item))

        # ------------------------------------------------------- testing

        def driver_state(self) -> dict[str, Any]:
            state = self.presenter.view.public()
            state["printer"] = self.connection.printer_state()
            state["touch_to_print_ms"] = list(self.presenter.touch_to_print_ms)
            state["cold_start_s"] = getattr(self, "cold_start_s", None)
            state["connected"] = self.connection.connected()
            return state

        def driver_rss_mb(self) -> float:
            return rss_mb()

        def driver_memory(self) -> dict[str, Any]:
            """Memory after a full collection: RSS, Python objects, widgets alive."""
            import gc

            from kivy.graphics.context import get_context
            from kivy.uix.widget import Widget

            pauses = self._gc_pauses.summary()  # the app's collections, not this one
            gc.collect()
            # GL objects of the widgets just collected are deleted at the next frame
            # (Kivy queues them); delete them now, as that frame would. (Not flush():
            # that forgets the queue, and the GL objects would never be deleted.)
            get_context().gl_dealloc()
            trim_heap()
            objects = gc.get_objects()
            widgets = sum(1 for o in objects if issubclass(type(o), Widget))  # not proxies
            rss = rss_mb()
            return {
                "rss_mb": rss,
                "objects": len(objects),
                "widgets": widgets,
                "gc": pauses,
            }

        def driver_left_screens(self) -> dict[str, Any]:
            """Screens dropped and still alive (not collected yet), and the freezes."""
            return {"alive": len(self._garbage.left), "freezes": self._garbage.freezes}

        def driver_gc_reset(self) -> None:
            """Forget the collections so far (the bench counts those of its run only)."""
            self._gc_pauses.pauses.clear()

        def driver_screens(self) -> list[str]:
            """The screens built now (only the one on show)."""
            return [s.name for s in self.root_widget.ids.screens.screens]

        def driver_scan(self, code: str) -> None:
            self.presenter.scanned(code)

        def on_stop(self) -> None:
            self.connection.stop()

    return KioskApp(lang=config.hall_file.hall.default_language)


if __name__ == "__main__":
    threading.current_thread().name = "kivy-main"
    sys.exit(main())
