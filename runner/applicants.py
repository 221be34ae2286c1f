"""``hall demo-applicants`` / ``demo-raters``: simulated applicants who touch the real kiosk
screen, and who rate the service on a window's rating pad (demo).

``hall up --demo`` starts this before a GUI kiosk and gives the kiosk
``HALL_UI_DRIVER=host:port`` (see :mod:`ui.driver`): the kiosk connects here, and
each simulated applicant taps through it with real touches through Kivy's input
path, as a person would: a language now and then, the priority choice, a
department, an item, "take", then "done". The ticket is issued by the queue
service and printed by the kiosk's printer, like any other.

``hall demo-raters`` does the same for a rating pad (好差評): when the pad asks about a
ticket just finished at its window, the applicant touches a level (mostly satisfied; a low
one with a reason chip), or now and then walks away and lets the pad time out.

When the app restarts it connects again; the applicants carry on.
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
from collections.abc import Callable, Collection
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

    def __init__(
        self,
        rng: random.Random,
        pace: float,
        stop: threading.Event,
        prefer: Collection[Collection[str]] = (),
        prefer_share: float = 0.5,
    ):
        self.rng = rng
        self.prefer_share = prefer_share
        self.pace = pace
        self.stop = stop
        self.prefer = [set(group) for group in prefer if group]
        """Groups of a department and items (one window's); half of the applicants look for
        one group's: in the demo, those of the window terminals on screen, so that each has
        tickets to call."""
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
        favour: set[str] = set()
        if self.prefer and self.rng.random() < self.prefer_share:
            favour = self.rng.choice(self.prefer)
        kiosk.tap("by_department")
        self.pause(0.5, 1.5)
        kiosk.tap(f"key:entry:{self._pick(kiosk, favour, 'department')}")
        self.pause(0.5, 2)
        item = self._pick(kiosk, favour, "item")
        kiosk.tap(f"key:entry:{item}")
        kiosk.wait_for(lambda s: s.get("screen") == "confirm", 10)
        self.pause(1, 3)  # reads the one-time notice
        kiosk.tap("take")
        state = kiosk.wait_for(
            lambda s: not s.get("busy") and (s.get("screen") != "confirm" or s.get("message")),
            20,
        )
        if state.get("screen") == "issued":
            self.issued += 1
            log.info("ticket %s (%s)", state.get("number"), item)
            self.pause(2, 5)  # takes the slip
            kiosk.tap("done")
        else:
            log.info("no ticket: %s", state.get("message"))

    def _pick(self, kiosk: AppLink, favour: set[str], what: str) -> str:
        """A department or item on the screen; one of ``favour`` if any (turning the pages
        to find one, as a person looking for it would)."""
        for _ in range(8):
            state = kiosk.state()
            keys = [e["key"] for e in state.get("entries", [])]
            if not keys:
                raise TouchFailed(f"no {what} on the screen")
            favoured = [k for k in keys if k in favour]
            if not favour or favoured or not state.get("has_next"):
                return self.rng.choice(favoured if favour and favoured else keys)
            kiosk.tap("next")
            self.pause(0.5, 1)
        return self.rng.choice(keys)

    def _back_home(self, kiosk: AppLink) -> None:
        for target in ("done", "home"):
            try:
                kiosk.tap(target)
                return
            except TouchFailed:
                continue


RATINGS = (5, 4, 3, 2, 1)
RATING_WEIGHTS = (60, 25, 10, 4, 1)
REASONS = ("wait", "attitude", "explain", "materials", "slow", "system")


class Raters:
    """The applicants leaving a window rate its service on the window's rating pad (好差評):
    mostly satisfied, now and then a low level with a reason chip, sometimes nobody rates
    (the pad times out)."""

    def __init__(
        self, rng: random.Random, pace: float, stop: threading.Event, walk_away: float = 0.15
    ):
        self.rng = rng
        self.pace = pace
        self.stop = stop
        self.walk_away = walk_away
        """The share of applicants who leave without rating."""
        self.rated = 0

    def pause(self, low: float, high: float) -> bool:
        return not self.stop.wait(self.rng.uniform(low, high) * self.pace)

    def serve(self, pad: AppLink) -> None:
        pad.wait_for(lambda s: s.get("connection") == "online", 90, "the pad online")
        log.info("the rating pad is online")
        seen: str | None = None
        while self.pause(0.5, 1):
            state = pad.state()
            if state.get("screen") != "ask" or state.get("ticket") in (None, seen):
                continue
            seen = state["ticket"]
            if self.rng.random() < self.walk_away:
                log.info("%s left without rating", state.get("number"))
                continue
            if not self.pause(1.5, 5):  # reads the pad
                return
            try:
                self.rate(pad, state.get("number") or "")
            except TouchFailed as exc:
                log.info("rating not given: %s", exc)

    def rate(self, pad: AppLink, number: str) -> None:
        level = self.rng.choices(RATINGS, RATING_WEIGHTS)[0]
        before = pad.state().get("rated", 0)
        pad.tap(f"level_{level}")
        if level <= 2:  # a low level asks why
            pad.wait_for(lambda s: s.get("screen") == "reason", 10, "the reasons")
            self.pause(1, 3)
            pad.tap(f"key:reason:{self.rng.choice(REASONS)}")
            pad.tap("send")
        state = pad.wait_for(
            lambda s: s.get("rated", 0) > before or s.get("screen") == "error", 15, "thanks"
        )
        if state.get("screen") == "error":
            log.info("%s: rating refused (%s)", number, state.get("error"))
            return
        self.rated += 1
        log.info("%s rated %d", number, level)


def serve_forever(
    listen: tuple[str, int],
    pace: float,
    seed: int | None,
    what: str = "kiosk",
    walk_away: float = 0.15,
    prefer: Collection[Collection[str]] = (),
    prefer_share: float = 0.5,
) -> int:
    """Accept the app's driver connection on ``listen`` and let simulated applicants use it
    (``what``: ``kiosk`` or ``rating`` pad), again whenever the app restarts."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    rng = random.Random(seed)
    people: Raters | Applicants = (
        Raters(rng, pace, stop, walk_away)
        if what == "rating"
        else Applicants(rng, pace, stop, prefer, prefer_share)
    )
    server = socket.create_server(listen)
    server.settimeout(0.5)
    log.info("waiting for the %s on %s:%d", what, *listen)
    while not stop.is_set():
        try:
            conn, peer = server.accept()
        except TimeoutError:
            continue
        log.debug("connection from %s:%d", *peer)
        app = AppLink(conn)
        try:
            people.serve(app)
        except (ConnectionError, TouchFailed) as exc:
            if app.answered:
                log.warning("%s link lost (%s); waiting for it to come back", what, exc)
            else:  # hall up's check that this process listens: it connects and closes
                log.debug("a connection that closed at once (%s)", exc)
        finally:
            app.close()
    server.close()
    if isinstance(people, Raters):
        log.info("ratings given: %d", people.rated)
    else:
        log.info("tickets taken: %d", people.issued)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo-applicants", help="simulated applicants touching a kiosk screen (demo)"
    )
    p.add_argument("--listen", required=True, help="HOST:PORT the kiosk's driver connects to")
    p.add_argument("--pace", type=float, default=1.0, help="time factor (0.5 = twice as fast)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument(
        "--prefer",
        action="append",
        default=[],
        metavar="UNIT,ITEM,...",
        help="a department (unit code) and items that half of the applicants look for "
        "(repeatable: each picks one; hall up: those of each window terminal it shows)",
    )
    p.add_argument(
        "--prefer-share", type=float, default=0.5, help="the share who look for --prefer"
    )
    p.set_defaults(func=_main, what="kiosk")
    r = sub.add_parser(
        "demo-raters", help="simulated applicants rating the service on a rating pad (demo)"
    )
    r.add_argument("--listen", required=True, help="HOST:PORT the pad's driver connects to")
    r.add_argument("--pace", type=float, default=1.0, help="time factor (0.5 = twice as fast)")
    r.add_argument("--seed", type=int, default=None)
    r.add_argument("--walk-away", type=float, default=0.15, help="share who leave without rating")
    r.set_defaults(func=_main, what="rating")


def _main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    host, _, port = args.listen.rpartition(":")
    address = (host or "127.0.0.1", int(port))
    walk_away = getattr(args, "walk_away", 0.0)
    prefer = [[k for k in group.split(",") if k] for group in getattr(args, "prefer", [])]
    share = getattr(args, "prefer_share", 0.5)
    return serve_forever(address, args.pace, args.seed, args.what, walk_away, prefer, share)
