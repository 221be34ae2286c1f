"""Drive a running hall app from a test: tap widgets, type, read texts, take screenshots.

The app runs in its own process (Kivy allows one window per process and a window
must never be closed in a test), under Xvfb. :class:`AppDriver` (test side) listens
on a loopback port, starts the app with ``HALL_UI_DRIVER=host:port``, and the app's
:class:`DriverConnection` connects back. Each request is one JSON line; the app
carries it out on its main thread and answers with one JSON line.

Taps are real touches: a :class:`DriverTouch` (what ``kivy.tests.common.UnitTestTouch``
does, without importing pytest into the app) goes through Kivy's input path
(post-processing, the window, every widget's ``on_touch_*``) at the centre of the
widget found by its kv ``id`` or its text.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from hall.net import stop_process

log = logging.getLogger(__name__)


class DriverError(RuntimeError):
    """The app could not do what the test asked (widget not found, app died, timeout)."""


# ------------------------------------------------------------------ app side


def _walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in list(getattr(widget, "children", ())):
        yield from _walk(child)


def live_widgets() -> list[Any]:
    """Every widget on screen now (the current screen of a ScreenManager, open popups)."""
    from kivy.core.window import Window

    out: list[Any] = []
    for top in list(Window.children):
        out.extend(_walk(top))
    return out


def widget_ids() -> dict[str, Any]:
    """kv ``id`` -> widget, for widgets on screen now."""
    live = live_widgets()
    present = {id(w) for w in live}
    found: dict[str, Any] = {}
    for w in live:
        for name, ref in getattr(w, "ids", {}).items():
            try:
                target = ref.__self__  # ids hold weak proxies
            except (AttributeError, ReferenceError):
                continue
            if id(target) in present:
                found.setdefault(name, target)
    return found


def _visible(w: Any) -> bool:
    return getattr(w, "opacity", 1) > 0 and w.width > 0 and w.height > 0


def find_widget(target: str, index: int = 0) -> Any:
    """A widget by kv id, by its exact text (``text:...``) or by the ``ui_key`` attribute
    an app gives widgets it makes in Python (``key:...``, e.g. one button per list entry)."""
    if target.startswith("key:"):
        hits = [w for w in live_widgets() if getattr(w, "ui_key", None) == target[4:]]
        if len(hits) <= index:
            raise DriverError(f"no widget with ui_key {target[4:]!r} on screen")
        return hits[index]
    if target.startswith("text:"):
        text = target[5:]
        hits = [
            w
            for w in live_widgets()
            if getattr(w, "text", None) == text and _visible(w) and hasattr(w, "on_touch_down")
        ]
        # prefer buttons over the labels inside them
        hits.sort(key=lambda w: 0 if hasattr(w, "trigger_action") else 1)
        if len(hits) <= index:
            raise DriverError(f"no widget with text {text!r}")
        return hits[index]
    ids = widget_ids()
    if target not in ids:
        raise DriverError(f"no widget with id {target!r} on screen; ids: {sorted(ids)}")
    return ids[target]


def tap_widget(widget: Any) -> None:
    """Touch down and up at the widget's centre through Kivy's input path."""
    from kivy.base import EventLoop

    x, y = widget.to_window(*widget.center)
    touch = _touch_class()(x, y)
    EventLoop.post_dispatch_input("begin", touch)
    EventLoop.post_dispatch_input("end", touch)


_TOUCH: Any = None


def _touch_class() -> Any:
    """A one-finger touch at window pixels ``(x, y)``, as ``UnitTestTouch`` makes it.

    ``kivy.tests.common`` imports pytest (and pygments, ...): some 7 MB in every app a
    driver taps (bench, demo applicants), so the few lines are here instead."""
    global _TOUCH
    if _TOUCH is None:
        from kivy.base import EventLoop
        from kivy.input.motionevent import MotionEvent

        class DriverTouch(MotionEvent):
            def __init__(self, x: float, y: float) -> None:
                win = EventLoop.window
                args = {"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)}
                super().__init__("UnitTestTouch", 99, args, is_touch=True, type_id="touch")
                self.profile = ["pos"]

            def depack(self, args: dict[str, float]) -> None:
                self.sx = args["x"]
                self.sy = args["y"]
                super().depack(args)

        _TOUCH = DriverTouch
    return _TOUCH


def type_keys(text: str, enter: bool = True) -> None:
    """Type ``text`` as a keyboard (or keyboard-wedge scanner) would, then Enter."""
    from kivy.core.window import Window

    for ch in text:
        Window.dispatch("on_key_down", ord(ch.lower()), 0, ch, [])
        Window.dispatch("on_textinput", ch)
        Window.dispatch("on_key_up", ord(ch.lower()), 0)
    if enter:
        Window.dispatch("on_key_down", 13, 40, None, [])
        Window.dispatch("on_key_up", 13, 40)


def press_key(keycode: int) -> bool:
    """A special key (27 Escape, 13 Enter, ...) down and up; True when the app consumed it."""
    from kivy.core.window import Window

    consumed = bool(Window.dispatch("on_key_down", keycode, 0, None, []))
    Window.dispatch("on_key_up", keycode, 0)
    return consumed


def request_close() -> bool:
    """What the window manager's close button (Alt+F4) does; True when the app refused."""
    from kivy.core.window import Window

    return bool(Window.dispatch("on_request_close"))


def describe(w: Any) -> dict[str, Any]:
    x, y = w.to_window(w.x, w.y)
    return {
        "type": type(w).__name__,
        "text": getattr(w, "text", None),
        "disabled": bool(getattr(w, "disabled", False)),
        "pos": [x, y],
        "size": [w.width, w.height],
        "font_size": getattr(w, "font_size", None),
        "texture_size": list(getattr(w, "texture_size", []) or []),
        "text_size": list(getattr(w, "text_size", []) or []),
    }


def clipped_texts() -> list[dict[str, Any]]:
    """Visible labels and buttons whose rendered text is larger than the widget: clipped
    or spilling (labels inside a ScrollView are skipped: they scroll)."""
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    inside_scroll: set[int] = set()
    for w in live_widgets():
        if isinstance(w, ScrollView):
            inside_scroll.update(id(x) for x in _walk(w))
    out = []
    for w in live_widgets():
        if not isinstance(w, Label) or not w.text or not _visible(w) or id(w) in inside_scroll:
            continue
        tw, th = w.texture_size
        if tw > w.width + 2 or th > w.height + 2:
            out.append(describe(w))
    return out


def small_targets(min_px: float) -> list[dict[str, Any]]:
    """Enabled, visible buttons smaller than ``min_px`` in either direction."""
    from kivy.uix.behaviors import ButtonBehavior

    return [
        describe(w)
        for w in live_widgets()
        if isinstance(w, ButtonBehavior)
        and _visible(w)
        and not getattr(w, "disabled", False)
        and (w.width < min_px - 0.5 or w.height < min_px - 0.5)
    ]


class DriverConnection:
    """The app's end: executes the test's requests on the main thread."""

    def __init__(self, app: Any, host: str, port: int):
        self.app = app
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.settimeout(None)
        self.ops: dict[str, Callable[..., Any]] = {
            "ping": lambda: "pong",
            "tap": self._tap,
            "find": lambda target, index=0: describe(find_widget(target, index)),
            "ids": lambda: sorted(widget_ids()),
            "texts": lambda: [
                w.text for w in live_widgets() if isinstance(getattr(w, "text", None), str)
            ],
            "labels": lambda: [
                describe(w)
                for w in live_widgets()
                if isinstance(getattr(w, "text", None), str) and w.text and _visible(w)
            ],
            "type": type_keys,
            "clipped": clipped_texts,
            "press_key": press_key,
            "request_close": request_close,
            "small_targets": lambda: small_targets(getattr(self.app, "min_target_px", 0)),
            "state": lambda: self.app.driver_state(),
            "call": lambda name, *args: getattr(self.app, f"driver_{name}")(*args),
            "window": self._window,
        }

    def start(self) -> None:
        threading.Thread(target=self._serve, name="ui-driver", daemon=True).start()

    def _tap(self, target: str, index: int = 0) -> dict[str, Any]:
        w = find_widget(target, index)
        if getattr(w, "disabled", False):
            raise DriverError(f"{target} is disabled")
        info = describe(w)
        tap_widget(w)
        return info

    def _window(self) -> dict[str, Any]:
        from kivy.core.window import Window

        return {"size": list(Window.size), "dpi": Window.dpi}

    def _serve(self) -> None:
        from ui.bridge import call_on_main

        reader = self.sock.makefile("r", encoding="utf-8")
        for line in reader:
            request = json.loads(line)
            fut: Future[Any] = Future()

            def run(req: dict[str, Any] = request, fut: Future[Any] = fut) -> None:
                try:
                    if req["op"] == "screenshot":
                        inner = self.app.screenshot(req["args"][0])
                        inner.add_done_callback(
                            lambda f: (
                                fut.set_exception(f.exception())
                                if f.exception()
                                else fut.set_result(str(f.result()))
                            )
                        )
                        return
                    fut.set_result(self.ops[req["op"]](*req.get("args", [])))
                except Exception as exc:
                    fut.set_exception(exc)

            call_on_main(run)
            try:
                answer = {"ok": True, "result": fut.result(30)}
            except Exception as exc:
                answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            data = json.dumps(answer, ensure_ascii=False, default=str) + "\n"
            self.sock.sendall(data.encode())


# ----------------------------------------------------------------- test side


class AppDriver:
    """Start an app process under a display and drive it.

    ``argv`` is the command that runs the app (e.g. ``[sys.executable, "-m",
    "kiosk.app", ...]``); ``display`` the X display (Xvfb) it opens its window on.
    """

    def __init__(
        self,
        argv: Sequence[str],
        display: str | None,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        start_timeout: float = 30.0,
    ):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.server.settimeout(start_timeout)
        child_env = {**os.environ, **(env or {})}
        child_env["HALL_UI_DRIVER"] = f"127.0.0.1:{self.server.getsockname()[1]}"
        child_env.setdefault("KIVY_NO_ARGS", "1")
        if display:
            child_env["DISPLAY"] = display
        self.log_path = log_path
        out = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
        self.started = time.monotonic()
        self.proc = subprocess.Popen(list(argv), env=child_env, stdout=out, stderr=out)
        try:
            self.conn, _ = self.server.accept()
        except TimeoutError:
            self.stop()
            raise DriverError(
                f"app did not connect in {start_timeout}s; {self.log_tail()}"
            ) from None
        self.connected_after_s = time.monotonic() - self.started
        self.conn.settimeout(60)
        self.reader = self.conn.makefile("r", encoding="utf-8")
        self._lock = threading.Lock()

    def log_tail(self, n: int = 3000) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(errors="replace")[-n:]
        return ""

    def request(self, op: str, *args: Any) -> Any:
        with self._lock:
            try:
                self.conn.sendall((json.dumps({"op": op, "args": list(args)}) + "\n").encode())
                line = self.reader.readline()
            except OSError as exc:
                raise DriverError(f"{op}: connection lost: {exc}; {self.log_tail()}") from exc
        if not line:
            raise DriverError(f"{op}: the app closed the connection; {self.log_tail()}")
        answer = json.loads(line)
        if not answer["ok"]:
            raise DriverError(f"{op}{list(args)}: {answer['error']}")
        return answer["result"]

    # conveniences
    def tap(self, target: str, index: int = 0) -> dict[str, Any]:
        return self.request("tap", target, index)

    def find(self, target: str, index: int = 0) -> dict[str, Any]:
        return self.request("find", target, index)

    def ids(self) -> list[str]:
        return self.request("ids")

    def texts(self) -> list[str]:
        return self.request("texts")

    def labels(self) -> list[dict[str, Any]]:
        return self.request("labels")

    def clipped(self) -> list[dict[str, Any]]:
        """Texts on screen that do not fit their widget (should be empty)."""
        return self.request("clipped")

    def small_targets(self) -> list[dict[str, Any]]:
        """Buttons on screen smaller than the app's ``min_target_px`` (should be empty)."""
        return self.request("small_targets")

    def type(self, text: str, enter: bool = True) -> None:
        self.request("type", text, enter)

    def state(self) -> dict[str, Any]:
        return self.request("state")

    def call(self, name: str, *args: Any) -> Any:
        return self.request("call", name, *args)

    def screenshot(self, path: str | Path) -> Path:
        return Path(self.request("screenshot", str(path)))

    def wait_for(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float = 10.0, what: str = ""
    ) -> dict[str, Any]:
        """Poll :meth:`state` until ``pred(state)`` holds; raise with the last state."""
        return _poll(self.state, pred, timeout, what)

    def wait_for_call(
        self, name: str, pred: Callable[[Any], bool], timeout: float = 10.0, what: str = ""
    ) -> Any:
        """Poll the app's ``driver_<name>`` until ``pred(answer)`` holds."""
        return _poll(lambda: self.call(name), pred, timeout, what or name)

    def wait_for_id(self, target: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.find(target)
            except DriverError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self, timeout: float = 5.0) -> None:
        with contextlib.suppress(OSError):
            self.server.close()
        if getattr(self, "conn", None) is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
        stop_process(self.proc, timeout)


def _poll(get: Callable[[], Any], pred: Callable[[Any], bool], timeout: float, what: Any) -> Any:
    deadline = time.monotonic() + timeout
    value = get()
    while not pred(value):
        if time.monotonic() > deadline:
            raise DriverError(f"timed out waiting for {what or pred}: last answer {value}")
        time.sleep(0.05)
        value = get()
    return value


def python_module(module: str, *args: str) -> list[str]:
    """argv that runs ``python -m module args...`` with this interpreter."""
    return [sys.executable, "-m", module, *args]
