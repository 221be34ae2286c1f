"""``hall demo-applicants`` / ``demo-raters``: simulated applicants who touch the real kiosk
screen, and who rate the service on a window's rating pad (demo).

``hall up --demo`` starts this before a GUI kiosk and gives the kiosk
``HALL_UI_DRIVER=host:port`` (see :mod:`ui.driver`): the kiosk connects here, and
each simulated applicant taps through it with real touches through Kivy's input
path, as a person would: a language now and then, the priority choice, a
department, an item, "take", then "done". The ticket is issued by the queue
service and printed by the kiosk's printer, like any other.

For an item that needs real-name ticketing (實名取號) the kiosk asks for the ID scan after
"take"; the applicant then presents an ID number through the kiosk's own scanner path: typed
as a keyboard-wedge scanner types (``--scanner wedge``, keys then Enter), held up to a
simulated network camera the kiosk reads (``--scanner camera``, :class:`SimCamera`), or
scanned with a simulated serial scanner whose pseudo-terminal the kiosk reads as its serial
port (``--scanner serial``, :class:`SerialScannerSim`). The numbers are invented here (SAMPLE
DATA, :func:`sample_id_number`) with a correct GB 11643 check character; now and then one is
misread with a wrong check character, which the kiosk refuses on screen before the applicant
tries again, and now and then a person comes back for another ticket, so the service's daily
limit per person refuses the one too many.

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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hall.codes import mask_id, mod11_2
from hall.i18n import LANGUAGES, t

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


SAMPLE_REGIONS = ("110101", "310104", "440305", "510107", "610113", "130102")
"""Administrative division codes the invented ID numbers start with (SAMPLE DATA)."""


def sample_id_number(rng: random.Random) -> str:
    """An invented resident ID number (SAMPLE DATA, nobody's): a sample region, a birth date
    between 1940 and 2006, a sequence number and the GB 11643 (ISO 7064 MOD 11-2) check
    character, so that the kiosk accepts it as it would a real card."""
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 66))
    body = f"{rng.choice(SAMPLE_REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + mod11_2(body)


def with_wrong_check(number: str, rng: random.Random) -> str:
    """The same number with a wrong check character (a misread or mistyped card)."""
    wrong = [c for c in "0123456789X" if c != number[17]]
    return number[:17] + rng.choice(wrong)


def kiosk_says(key: str, state: dict[str, Any]) -> bool:
    """Whether the kiosk's message is the text ``key`` (in any language: the applicant may
    have changed it)."""
    message = state.get("message") or ""
    return bool(message) and any(message == t(key, lang) for lang in LANGUAGES)


class IdCards:
    """The ID numbers the simulated applicants carry (invented: :func:`sample_id_number`).

    Most come once; ``repeat_share`` of them come back with a number that already has
    tickets today (the one with most), so that, rarely, one asks for a ticket more than the
    service's daily limit per person allows."""

    def __init__(self, rng: random.Random, repeat_share: float = 0.1):
        self.rng = rng
        self.repeat_share = repeat_share
        self.tickets: dict[str, int] = {}
        """Tickets taken today with each number."""
        self.refused: set[str] = set()
        """Numbers the service refused for the daily limit: nobody comes with them again."""

    def pick(self) -> str:
        usable = {n: k for n, k in self.tickets.items() if n not in self.refused}
        if usable and self.rng.random() < self.repeat_share:
            return max(usable, key=lambda n: usable[n])
        return sample_id_number(self.rng)


class IdScanner:
    """The kiosk's scanner as the applicant uses it: ``present`` a code to it, ``take_away``
    the card afterwards; ``close`` when the demo stops."""

    def present(self, kiosk: AppLink, code: str) -> None:
        raise NotImplementedError

    def take_away(self) -> None:
        pass

    def close(self) -> None:
        pass


class WedgeScanner(IdScanner):
    """A keyboard-wedge scanner: the code typed into the kiosk window as keys, then Enter
    (through Kivy's keyboard events, the kiosk's own wedge path)."""

    def present(self, kiosk: AppLink, code: str) -> None:
        kiosk.type(code, True)


class SerialPortScanner(IdScanner):
    """A serial hand scanner: the code sent over the simulator's pseudo-terminal
    (:class:`devices.scanner.serial_sim.SerialScannerSim`), which the kiosk reads through its
    serial adapter like a real port (``--scanner serial:LINK``, ``link`` pointing at the pty)."""

    def __init__(self, link: Path):
        from devices.scanner.serial_sim import SerialScannerSim

        self.sim = SerialScannerSim(link).start()
        log.info("serial scanner on %s (%s)", self.sim.port, link)

    def present(self, kiosk: AppLink, code: str) -> None:
        if not self.sim.scan(code):
            raise TouchFailed(f"the serial scanner's line {self.sim.port} is not read")
        log.info("scanned over the serial line %s", self.sim.port)

    def close(self) -> None:
        self.sim.stop()


class CameraScanner(IdScanner):
    """A camera scanner: the code as a QR held up to the simulated network camera
    (:class:`devices.scanner.camera_sim.SimCamera`, MJPEG over HTTP) that the kiosk reads
    with ``--scanner camera:URL`` like any camera."""

    def __init__(self, port: int):
        from devices.scanner.camera_sim import SimCamera

        self.camera = SimCamera(port).start()

    def present(self, kiosk: AppLink, code: str) -> None:
        self.camera.show(_qr_frame(code))

    def take_away(self) -> None:
        self.camera.show(None)

    def close(self) -> None:
        self.camera.stop()


def _qr_frame(payload: str) -> Any:
    """A camera frame of a QR code held up on a grey ground."""
    import numpy as np
    import qrcode

    qr = qrcode.QRCode(box_size=6, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    code = np.array(qr.make_image().get_image().convert("L"))
    frame = np.full((480, 640), 150, np.uint8)
    h, w = code.shape
    y, x = (480 - h) // 2, (640 - w) // 2
    frame[y : y + h, x : x + w] = code
    return np.dstack([frame] * 3)


class Paced:
    """A simulated person's own random choices, the pace the demo runs at (a factor on every
    pause) and the demo's stop event."""

    def __init__(self, rng: random.Random, pace: float, stop: threading.Event):
        self.rng = rng
        self.pace = pace
        self.stop = stop

    def pause(self, low: float, high: float) -> bool:
        """A person's pause of ``low``..``high`` seconds (times the pace); False when asked
        to stop."""
        return not self.stop.wait(self.rng.uniform(low, high) * self.pace)


class Applicants(Paced):
    """One simulated applicant after another at one kiosk."""

    def __init__(
        self,
        rng: random.Random,
        pace: float,
        stop: threading.Event,
        prefer: Collection[Collection[str]] = (),
        prefer_share: float = 0.5,
        scanner: IdScanner | None = None,
        real_name: Collection[Collection[str]] = (),
        real_name_share: float = 0.0,
        bad_id_share: float = 0.15,
        repeat_id_share: float = 0.1,
    ):
        super().__init__(rng, pace, stop)
        self.prefer_share = prefer_share
        self.scanner = scanner
        """How an ID is presented to the kiosk; None: this kiosk's scanner is not one the
        applicants can use (none, or a port the machine file gave), so they cannot take a
        real-name ticket."""
        self.real_name = [set(group) for group in real_name if group]
        """A department and a real-name item each: ``real_name_share`` of the applicants
        come for one of these."""
        self.real_name_share = real_name_share
        self.bad_id_share = bad_id_share
        self.cards = IdCards(rng, repeat_id_share)
        self.ids_refused = 0
        """ID numbers the kiosk refused (wrong check character)."""
        self.limit_refused = 0
        """Tickets the service refused for the daily limit per person."""
        self.prefer = [set(group) for group in prefer if group]
        """Groups of a department and items (one window's); half of the applicants look for
        one group's: in the demo, those of the window terminals on screen, so that each has
        tickets to call."""
        self.issued = 0

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
        if self.real_name and self.rng.random() < self.real_name_share:
            favour = self.rng.choice(self.real_name)
        elif self.prefer and self.rng.random() < self.prefer_share:
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
        number = None
        if state.get("screen") == "confirm" and kiosk_says("kiosk.real_name_needed", state):
            self.pause(1, 3)  # gets the ID card out
            number, state = self.present_id(kiosk)
        if state.get("screen") == "issued":
            self.issued += 1
            if number:
                self.cards.tickets[number] = self.cards.tickets.get(number, 0) + 1
            log.info("ticket %s (%s)", state.get("number"), item)
            self.pause(2, 5)  # takes the slip
            kiosk.tap("done")
        else:
            if number and kiosk_says("errors.real_name_limit", state):
                self.limit_refused += 1
                self.cards.refused.add(number)
                log.info("%s: refused, daily limit per person reached", mask_id(number))
            log.info("no ticket: %s", state.get("message"))
            self.pause(2, 4)  # reads why

    def present_id(self, kiosk: AppLink) -> tuple[str | None, dict[str, Any]]:
        """The kiosk asks for the ID scan: present the card (once misread now and then, which
        the kiosk refuses on screen); the kiosk then issues by itself. Returns the number
        presented and the kiosk's state once it has answered."""
        if self.scanner is None:
            raise TouchFailed("the ID scan was asked for, but this kiosk's scanner is not one "
                              "the simulated applicants can use")  # fmt: skip
        number = self.cards.pick()
        if self.rng.random() < self.bad_id_share:
            wrong = with_wrong_check(number, self.rng)
            state = self._scan(kiosk, wrong, lambda s: kiosk_says("scan.id_check", s))
            self.ids_refused += 1
            log.info("ID %s refused by the kiosk: %s", mask_id(wrong), state.get("message"))
            self.pause(2, 4)  # reads the message, checks the card, presents it again
        log.info("presents ID %s", mask_id(number))
        state = self._scan(
            kiosk,
            number,
            lambda s: (
                not s.get("busy")
                and not kiosk_says("scan.id_check", s)  # (a camera reads it a moment later)
                and (s.get("screen") != "confirm" or s.get("message_kind") == "error")
            ),
        )
        return number, state

    def _scan(
        self, kiosk: AppLink, code: str, answered: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        assert self.scanner is not None
        self.scanner.present(kiosk, code)
        try:
            return kiosk.wait_for(answered, 30, "the kiosk's answer to the scan")
        finally:
            self.scanner.take_away()

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


class Raters(Paced):
    """The applicants leaving a window rate its service on the window's rating pad (好差評):
    mostly satisfied, now and then a low level with a reason chip, sometimes nobody rates
    (the pad times out)."""

    def __init__(
        self, rng: random.Random, pace: float, stop: threading.Event, walk_away: float = 0.15
    ):
        super().__init__(rng, pace, stop)
        self.walk_away = walk_away
        """The share of applicants who leave without rating."""
        self.rated = 0

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


def serve_driven(
    listen: tuple[str, int], serve: Callable[[AppLink], None], name: str, stop: threading.Event
) -> None:
    """Accept the app's driver connection on ``listen`` and hand it to ``serve`` (a simulated
    person), again whenever the app restarts, until ``stop``; ``name`` is for the log."""
    server = socket.create_server(listen)
    server.settimeout(0.5)
    log.info("%s: waiting for the app on %s:%d", name, *listen)
    try:
        while not stop.is_set():
            try:
                conn, peer = server.accept()
            except TimeoutError:
                continue
            log.debug("%s: connection from %s:%d", name, *peer)
            app = AppLink(conn)
            try:
                serve(app)
            except (ConnectionError, TouchFailed) as exc:
                if app.answered:
                    log.warning("%s: link lost (%s); waiting for it again", name, exc)
                else:  # hall up's check that this process listens: it connects and closes
                    log.debug("%s: a connection that closed at once (%s)", name, exc)
            finally:
                app.close()
    finally:
        server.close()


def serve_forever(
    listen: tuple[str, int],
    pace: float,
    seed: int | None,
    what: str = "kiosk",
    walk_away: float = 0.15,
    prefer: Collection[Collection[str]] = (),
    prefer_share: float = 0.5,
    ids: dict[str, Any] | None = None,
) -> int:
    """Accept the app's driver connection on ``listen`` and let simulated applicants use it
    (``what``: ``kiosk`` or ``rating`` pad), again whenever the app restarts. ``ids``: how
    kiosk applicants present ID numbers (:class:`Applicants`' keyword arguments)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    rng = random.Random(seed)
    people: Raters | Applicants = (
        Raters(rng, pace, stop, walk_away)
        if what == "rating"
        else Applicants(rng, pace, stop, prefer, prefer_share, **(ids or {}))
    )
    serve_driven(listen, people.serve, what, stop)
    if isinstance(people, Raters):
        log.info("ratings given: %d", people.rated)
    else:
        if people.scanner is not None:
            people.scanner.close()
        log.info(
            "tickets taken: %d; ID numbers refused by the kiosk: %d; refused for the daily "
            "limit: %d",
            people.issued,
            people.ids_refused,
            people.limit_refused,
        )
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
    p.add_argument(
        "--scanner",
        default="wedge",
        help="how the kiosk reads an ID: wedge (typed keys, then Enter), camera:PORT (a "
        "simulated network camera served here, the kiosk given --scanner camera:URL), "
        "serial:LINK (a simulated serial scanner on a pseudo-terminal, LINK a symlink to it; "
        "the kiosk given --scanner serial:LINK), or none (applicants cannot present an ID)",
    )
    p.add_argument(
        "--real-name",
        action="append",
        default=[],
        metavar="UNIT,ITEM",
        help="a department and an item that needs an ID scan (實名取號), repeatable",
    )
    p.add_argument(
        "--real-name-share", type=float, default=0.1, help="the share who come for --real-name"
    )
    p.add_argument(
        "--bad-id-share",
        type=float,
        default=0.15,
        help="the share of ID scans first misread with a wrong check character",
    )
    p.add_argument(
        "--repeat-id-share",
        type=float,
        default=0.1,
        help="the share who come again with an ID number that has tickets today",
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
    ids = None
    if args.what == "kiosk":
        ids = {
            "scanner": make_scanner(args.scanner),
            "real_name": [[k for k in g.split(",") if k] for g in args.real_name],
            "real_name_share": args.real_name_share,
            "bad_id_share": args.bad_id_share,
            "repeat_id_share": args.repeat_id_share,
        }
    return serve_forever(address, args.pace, args.seed, args.what, walk_away, prefer, share, ids)


def make_scanner(spec: str) -> IdScanner | None:
    """``wedge``, ``camera:PORT``, ``serial:LINK``; None for a scanner the applicants cannot
    reach."""
    kind, _, where = spec.partition(":")
    if kind == "wedge":
        return WedgeScanner()
    if kind == "camera" and where:
        return CameraScanner(int(where))
    if kind == "serial" and where:
        return SerialPortScanner(Path(where))
    log.warning("scanner %r: the applicants cannot present ID numbers to it", spec)
    return None
