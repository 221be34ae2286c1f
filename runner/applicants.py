"""``hall demo-applicants``: simulated applicants who touch the real kiosk screen (demo).

``hall up --demo`` starts this before a GUI kiosk and gives the kiosk
``HALL_UI_DRIVER=host:port`` (see :mod:`ui.driver`): the kiosk connects here, and
each simulated applicant taps through it with real touches through Kivy's input
path, as a person would: a language now and then, the priority choice, a
department, an item, "take", then "done". The ticket is issued by the queue
service and printed by the kiosk's printer, like any other.

When the kiosk restarts it connects again; the applicants carry on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import random
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("demo-applicants")

LANG_KEYS = ("lang_zh_Hant", "lang_zh_Hant", "lang_zh_Hant", "lang_zh_Hans", "lang_en")


class TouchFailed(RuntimeError):
    """The app refused a request (no such widget, timeout) or went away."""


class AppLink:
    """The test-driver protocol from the driver's side, over an accepted connection (a kiosk
    here, a window terminal in :mod:`runner.staff`)."""

    def __init__(self, conn: socket.socket, timeout: float = 30.0):
        self.conn = conn
        self.conn.settimeout(timeout)
        self.reader = conn.makefile("r", encoding="utf-8")
        self.answered = 0
        """Requests the app has answered on this connection."""

    def request(self, op: str, *args: Any) -> Any:
        try:
            self.conn.sendall((json.dumps({"op": op, "args": list(args)}) + "\n").encode())
            line = self.reader.readline()
        except OSError as exc:
            raise ConnectionError(f"{op}: {exc}") from exc
        if not line:
            raise ConnectionError(f"{op}: the app closed the connection")
        answer = json.loads(line)
        self.answered += 1
        if not answer["ok"]:
            raise TouchFailed(f"{op}{list(args)}: {answer['error']}")
        return answer["result"]

    def tap(self, target: str) -> None:
        self.request("tap", target, 0)

    def type(self, text: str, enter: bool = False) -> None:
        """Keys typed into the focused field (tap the field first)."""
        self.request("type", text, enter)

    def state(self) -> dict[str, Any]:
        return dict(self.request("state"))

    def wait_for(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float, what: str = ""
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        state = self.state()
        while not pred(state):
            if time.monotonic() > deadline:
                shown = state.get("screen", state.get("dialog"))
                raise TouchFailed(
                    f"timed out{' waiting for ' + what if what else ''}; screen {shown!r}"
                )
            time.sleep(0.1)
            state = self.state()
        return state

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()


class Applicants:
    """One simulated applicant after another at one kiosk."""

    def __init__(self, rng: random.Random, pace: float, stop: threading.Event):
        self.rng = rng
        self.pace = pace
        self.stop = stop
        self.issued = 0

    def pause(self, low: float, high: float) -> bool:
        """A person's pause; False when asked to stop."""
        return not self.stop.wait(self.rng.uniform(low, high) * self.pace)

    def serve(self, kiosk: AppLink) -> None:
        """Applicants until stopped or the kiosk goes away (ConnectionError)."""
        kiosk.wait_for(lambda s: s.get("connected") and not s.get("busy"), 60)
        log.info("the kiosk is connected")
        while self.pause(3, 8):
            try:
                self.one(kiosk)
            except TouchFailed as exc:
                log.info("applicant walked away: %s", exc)
                self._back_home(kiosk)

    def one(self, kiosk: AppLink) -> None:
        state = kiosk.state()
        if state.get("screen") != "home":
            self._back_home(kiosk)
        if self.rng.random() < 0.3:
            kiosk.tap(self.rng.choice(LANG_KEYS))
        if self.rng.random() < 0.15:
            kiosk.tap("key:priority:elderly")
        kiosk.tap("by_department")
        self.pause(0.5, 1.5)
        departments = [e["key"] for e in kiosk.state().get("entries", [])]
        if not departments:
            raise TouchFailed("no department on the screen")
        kiosk.tap(f"key:entry:{self.rng.choice(departments)}")
        self.pause(0.5, 2)
        items = [e["key"] for e in kiosk.state().get("entries", [])]
        if not items:
            raise TouchFailed("no item on the screen")
        kiosk.tap(f"key:entry:{self.rng.choice(items)}")
        kiosk.wait_for(lambda s: s.get("screen") == "confirm", 10)
        self.pause(1, 3)  # reads the one-time notice
        kiosk.tap("take")
        state = kiosk.wait_for(
            lambda s: not s.get("busy") and (s.get("screen") != "confirm" or s.get("message")),
            20,
        )
        if state.get("screen") == "issued":
            self.issued += 1
            log.info("ticket %s (%s)", state.get("number"), state.get("item_name", ""))
            self.pause(2, 5)  # takes the slip
            kiosk.tap("done")
        else:
            log.info("no ticket: %s", state.get("message"))

    def _back_home(self, kiosk: AppLink) -> None:
        for target in ("done", "home"):
            try:
                kiosk.tap(target)
                return
            except TouchFailed:
                continue


def serve_forever(listen: tuple[str, int], pace: float, seed: int | None) -> int:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    applicants = Applicants(random.Random(seed), pace, stop)
    server = socket.create_server(listen)
    server.settimeout(0.5)
    log.info("waiting for a kiosk on %s:%d", *listen)
    while not stop.is_set():
        try:
            conn, peer = server.accept()
        except TimeoutError:
            continue
        log.debug("connection from %s:%d", *peer)
        kiosk = AppLink(conn)
        try:
            applicants.serve(kiosk)
        except (ConnectionError, TouchFailed) as exc:
            if kiosk.answered:
                log.warning("kiosk link lost (%s); waiting for it to come back", exc)
            else:  # hall up's check that this process listens: it connects and closes
                log.debug("a connection that closed at once (%s)", exc)
        finally:
            kiosk.close()
    server.close()
    log.info("%d tickets taken", applicants.issued)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo-applicants", help="simulated applicants touching a kiosk screen (demo)"
    )
    p.add_argument("--listen", required=True, help="HOST:PORT the kiosk's driver connects to")
    p.add_argument("--pace", type=float, default=1.0, help="time factor (0.5 = twice as fast)")
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    host, _, port = args.listen.rpartition(":")
    return serve_forever((host or "127.0.0.1", int(port)), args.pace, args.seed)
