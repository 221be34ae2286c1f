"""``hall demo-staff``: a simulated staff member pressing the real buttons of a window terminal.

``hall up --demo`` starts this before each window terminal GUI of the machine and gives the
terminal ``HALL_UI_DRIVER=host:port`` (see :mod:`ui.driver`): the terminal connects here,
and the simulated person works it with real touches through Kivy's input path, as staff do:
signs in on the sign-in panel (staff id and PIN), opens the window, calls the next number,
starts, finishes with the item's case kind and fills in the case form (a 補辦件 now and
then, with a material missing), and marks a no-show when nobody comes. Every command goes
out through the terminal's own MQTT login, as the terminal's.

The demo traffic's headless window staff leave these windows alone (``hall demo-traffic
--skip-windows``): one login per window.

The person is the window's first window staff in the roster whose PIN is ``--pin``
(``1234``, the sample roster's) unless ``--staff`` names one. When the terminal restarts it
connects again and the person carries on.

``--console guide`` puts a simulated guide officer at the guide console instead: signed in
the same way, looking at one page after another.

``--console duty`` puts the duty officer on duty today (by the rota, ``--staff`` another) at
the duty console (值班台): signed in with the PIN, the officer looks at one person's sign-in
trail after another, now and then notes a round of the hall in the duty log, and when the
sign-in station reports a finger it could not read (指紋不明顯) records a manual sign-in for
someone still absent with that reason, as the officer does for the person at the reader.
"""

from __future__ import annotations

import argparse
import logging
import random
import signal
import threading
from datetime import datetime
from typing import Any

from hall.conf import HallConfig
from hall.conf.model import CaseKind
from hall.conf.staff import StaffRole
from runner.applicants import AppLink, Paced, TouchFailed, serve_driven

log = logging.getLogger("demo-staff")

SAMPLE_PIN = "1234"
"""Every PIN of the sample roster (config/staff.toml)."""

# Invented applicants for the case form (demo data, like the sample roster's names).
NAMES = ("王芳", "李娜", "張偉", "劉洋", "陳靜", "楊帆", "黃磊", "周敏", "吳強", "徐麗")
# What the simulated duty officer writes in the duty log (demo data: typed by the person).
DUTY_NOTES = ("大廳巡查一次，秩序正常", "取號機補充熱敏紙", "窗口叫號正常，無投訴")


class NoStaff(RuntimeError):
    """Nobody of the roster can sign in to the window with the PIN given."""


def pick_staff(
    config: HallConfig,
    window_id: str | None,
    pin: str,
    staff: str | None = None,
    role: StaffRole = StaffRole.WINDOW_STAFF,
) -> str:
    """The staff id the simulated person signs in with: at ``window_id`` (window staff), or
    as ``role`` anywhere (a console: ``window_id`` None)."""
    roster = config.roster
    if roster is None:
        raise NoStaff("the hall has no staff roster (staff.toml)")
    if staff:
        if roster.authenticate(staff, pin) is None:
            raise NoStaff(f"{staff}: unknown, or the PIN is not {pin!r}")
        return staff.upper()
    for member in roster.staff:
        fits = role in member.roles and (window_id is None or member.window == window_id)
        if fits and roster.authenticate(member.id, pin) is not None:
            return member.id
    where = f"window staff of {window_id}" if window_id else role.value
    raise NoStaff(f"no {where} has the PIN given (--pin, --staff)")


def duty_officer(config: HallConfig, pin: str, at: datetime | None = None) -> str:
    """The duty officer on duty by the rota on the day of ``at`` (now) if the PIN is theirs,
    else the roster's first duty officer with the PIN."""
    from attendance.rules import Context

    ctx = Context.from_config(config)
    officer, _ = ctx.on_duty(ctx.local(at or datetime.now(ctx.tz)).date())
    roster = config.roster
    if officer and roster is not None and roster.authenticate(officer, pin) is not None:
        return officer
    return pick_staff(config, None, pin, role=StaffRole.DUTY_OFFICER)


def await_online(app: AppLink, stop: threading.Event, name: str) -> None:
    """Until the app is connected to the hall and shows what the service says."""
    while not stop.is_set():
        try:
            app.wait_for(
                lambda s: s.get("connection") == "online" and s.get("status") != "unknown",
                60,
                "the app online",
            )
            log.info("%s: online", name)
            return
        except TouchFailed:
            log.info("%s: not online yet", name)


class SimulatedPerson(Paced):
    """A simulated member of staff: staff id and PIN (typed into the real sign-in fields),
    paced like the applicants."""

    def __init__(
        self, staff: str, pin: str, rng: random.Random, pace: float, stop: threading.Event
    ):
        super().__init__(rng, pace, stop)
        self.staff = staff
        self.pin = pin

    def type_credentials(self, con: AppLink, staff_field: str, pin_field: str) -> None:
        """Type staff id and PIN into the app's two sign-in fields."""
        con.tap(staff_field)
        con.type(self.staff)
        con.tap(pin_field)
        con.type(self.pin)


class GuideOfficer(SimulatedPerson):
    """A simulated guide officer at the guide console: signs in with staff id and PIN, then
    looks at one page after another (queues, windows, ratings ...), as the officer does."""

    def serve(self, con: AppLink) -> None:
        await_online(con, self.stop, "guide console")
        while not self.stop.is_set():
            try:
                state = con.state()
                if not state.get("signed_in"):
                    self.sign_in(con)
                else:
                    tabs = sorted(i[4:] for i in con.request("ids") if i.startswith("tab_"))
                    others = [t for t in tabs if t != state.get("tab")]
                    if others:
                        con.tap(f"key:tab:{self.rng.choice(others)}")
            except TouchFailed as exc:
                log.info("guide console: %s", exc)
            if not self.pause(15, 30):
                return

    def sign_in(self, con: AppLink) -> None:
        self.type_credentials(con, "staff_in", "pin_in")
        con.tap("sign_in")
        con.wait_for(lambda s: s.get("signed_in"), 15, "the sign-in")
        log.info("guide console: %s signed in", self.staff)


class DutyOfficer(SimulatedPerson):
    """A simulated duty officer at the duty console (值班台), pressing its real buttons."""

    UNCLEAR = "unclear"
    """The sign-in station's result for a finger it could not read (指紋不明顯)."""

    def __init__(
        self, staff: str, pin: str, rng: random.Random, pace: float, stop: threading.Event
    ):
        super().__init__(staff, pin, rng, pace, stop)
        self.unclear_seen: int | None = None
        """Unclear fingers of this session the officer has dealt with (None: not looked)."""
        self.session: str | None = None
        self.entered = 0
        """Manual sign-ins recorded."""

    def serve(self, con: AppLink) -> None:
        con.wait_for(lambda s: s.get("session"), 60, "the roll call")
        log.info("duty console: the roll call is shown")
        while not self.stop.is_set():
            try:
                self.step(con)
            except TouchFailed as exc:
                log.info("duty console: %s", exc)
            if not self.pause(10, 20):
                return

    def step(self, con: AppLink) -> None:
        """One thing the officer does: sign in, see to an unclear finger, or look round."""
        s = con.wait_for(lambda s: not s.get("busy"), 30, "the console's answer")
        unclear = sum(1 for a in s.get("attempts", []) if a.get("result") == self.UNCLEAR)
        if s.get("session") != self.session or self.unclear_seen is None:
            # those before the officer sat down (or of another half-day): seen to already
            self.session, self.unclear_seen = s.get("session"), unclear
        if not s.get("signed_in"):
            self.sign_in(con)
            return
        absent = self.visible_rows(con, s, "absent")
        if unclear > self.unclear_seen and s.get("can_enter") and absent:
            self.unclear_seen = unclear
            self.enter_unclear(con, s, self.rng.choice(absent))
        elif not s.get("log_signed") and self.rng.random() < (0.08 if s["statuses"] else 0.25):
            self.add_note(con, self.rng.choice(DUTY_NOTES))  # (a day off: the log only)
        else:
            self.look_at_someone(con, s)

    def sign_in(self, con: AppLink) -> None:
        self.type_credentials(con, "staff_id", "pin")
        con.tap("sign_in")
        s = con.wait_for(
            lambda s: s.get("signed_in") or (not s.get("busy") and s.get("feedback")),
            30,
            "the sign-in",
        )
        if s.get("signed_in"):
            log.info("duty console: %s signed in", self.staff)
        else:
            log.warning("duty console: sign-in of %s refused (%s)", self.staff, s["feedback"])
            self.pause(20, 40)

    def visible_rows(self, con: AppLink, s: dict[str, Any], status: str | None) -> list[str]:
        """Staff of the roll call (with ``status``) whose row is on screen: the list scrolls,
        and a person only touches what is in view."""
        top = con.request("find", "roll_head")["pos"][1]
        out = []
        for staff, st in s.get("statuses", {}).items():  # the roll call's order, top down
            try:
                row = con.request("find", f"key:row:{staff}")
            except TouchFailed:
                continue
            y, height = row["pos"][1], row["size"][1]
            if y < 0:
                break  # this row and those after it are below the list's bottom edge
            if y + height <= top and (status is None or st == status):
                out.append(staff)
        return out

    def select_only(self, con: AppLink, s: dict[str, Any], person: str | None) -> None:
        """Rows touched until ``person`` (or nobody) is the one selected."""
        for other in s.get("selected", []):
            if other != person:
                con.tap(f"key:row:{other}")
        if person is not None and person not in s.get("selected", []):
            con.tap(f"key:row:{person}")
        want = [person] if person else []
        con.wait_for(lambda s: s.get("selected") == want, 10, "the selection")

    def enter_unclear(self, con: AppLink, s: dict[str, Any], person: str) -> None:
        """A manual sign-in, reason 指紋不明顯, for the person the reader could not read."""
        self.select_only(con, s, person)
        if not self.pause(1, 3):  # checks who it is
            return
        con.tap("key:reason:unclear_fingerprint")
        s = con.wait_for(lambda s: not s.get("busy"), 30, "the manual sign-in")
        if s.get("feedback_ok"):
            s = con.wait_for(
                lambda s: s.get("statuses", {}).get(person) != "absent", 10, "the roll call"
            )
            self.entered += 1
            log.info(
                "duty console: %s signed in by hand, unclear fingerprint (%s)",
                person,
                s.get("statuses", {}).get(person),
            )
        else:
            log.info("duty console: manual sign-in of %s refused (%s)", person, s.get("feedback"))

    def add_note(self, con: AppLink, text: str) -> None:
        before = len(con.state().get("log", []))
        con.tap("note")
        con.type(text)
        con.tap("add_note")
        s = con.wait_for(
            lambda s: not s.get("busy") and (len(s.get("log", [])) > before or s.get("feedback")),
            30,
            "the note",
        )
        log.info("duty console: note %r (%s)", text, s.get("feedback"))

    def look_at_someone(self, con: AppLink, s: dict[str, Any]) -> None:
        """Select one person to read their sign-ins of the session (the trail), or clear it."""
        if s.get("selected") and self.rng.random() < 0.3:
            self.select_only(con, s, None)
            return
        rows = self.visible_rows(con, s, None)
        if rows:
            person = self.rng.choice(rows)
            self.select_only(con, s, person)
            log.info("duty console: looks at %s's sign-ins", person)


class WindowStaff(SimulatedPerson):
    """One simulated person at one window terminal."""

    def __init__(
        self,
        config: HallConfig,
        window_id: str,
        staff: str,
        pin: str,
        rng: random.Random,
        pace: float,
        stop: threading.Event,
    ):
        super().__init__(staff, pin, rng, pace, stop)
        self.config = config
        self.window_id = window_id
        self.finished = 0

    def serve(self, term: AppLink) -> None:
        """Work the terminal until stopped or it goes away (ConnectionError)."""
        await_online(term, self.stop, self.window_id)
        while self.pause(1, 3):
            try:
                self.one(term)
            except TouchFailed as exc:
                log.info("%s: %s", self.window_id, exc)
                self._dismiss(term)

    def one(self, term: AppLink) -> None:
        """One step of the day: sign in, open, call, start, finish (whatever is next)."""
        s = self._settled(term)
        if s.get("dialog"):
            self._dismiss(term)
            return
        if s.get("connection") != "online":
            return
        if not s.get("staff"):
            self.sign_in(term)
            return
        if s["status"] == "closed":
            self._press(term, "open", lambda s: s["status"] != "closed", "the window open")
            log.info("%s: opened by %s", self.window_id, s["staff"][0])
            return
        if s["status"] == "paused":
            self._press(term, "resume", lambda s: s["status"] != "paused", "resumed")
            return
        if not s.get("ticket"):
            # The person watches the terminal's count of people waiting for this window's
            # items, and calls as soon as someone is there (another window may be quicker).
            if s.get("waiting", 0) > 0 and "call_next" in s["enabled"]:
                s = self._press(term, "call_next", lambda s: True, "a call")
                if s.get("ticket"):
                    log.info("%s calls %s", self.window_id, s["ticket"])
            return
        if s["ticket_status"] == "called":
            if not self.pause(2, 5):  # the applicant walks up
                return
            if self.rng.random() < 0.08:
                number = s["ticket"]
                self._press(term, "skip", lambda s: s.get("ticket") != number, "the no-show")
                log.info("%s: %s did not come", self.window_id, number)
                return
            self._press(term, "start", lambda s: s["ticket_status"] == "serving", "serving")
            return
        if s["ticket_status"] == "serving" and self.pause(6, 20):
            self.finish(term, s)

    def sign_in(self, term: AppLink) -> None:
        term.tap("sign_button")
        term.wait_for(lambda s: s.get("dialog") == "sign_in", 10, "the sign-in panel")
        self.pause(0.5, 1)
        self.type_credentials(term, "sign_in_staff", "sign_in_pin")
        term.tap("sign_in_send")
        s = term.wait_for(
            lambda s: s.get("staff") or (s.get("dialog") is None and s.get("message")),
            15,
            "the sign-in",
        )
        if s.get("staff"):
            log.info("%s: %s signed in", self.window_id, s["staff"][0])
        else:
            log.warning("%s: sign-in of %s refused (%s)", self.window_id, self.staff, s["message"])
            self.pause(20, 40)

    def finish(self, term: AppLink, s: dict[str, Any]) -> None:
        item = self.config.item_by_code.get(s.get("item") or "")
        kind = item.case_kind.value if item else CaseKind.IMMEDIATE.value
        materials = [m.get("zh-Hant") for m in item.materials] if item else []
        missing: list[str] = []
        if materials and len(materials) > 1 and self.rng.random() < 0.1:
            kind = CaseKind.SUPPLEMENT.value  # 補辦件: one material is missing
            missing = [materials.pop(self.rng.randrange(len(materials)))]
        number = s["ticket"]
        term.tap("btn_finish")
        term.wait_for(lambda s: s.get("dialog") == "finish", 10, "the case kind chooser")
        self.pause(0.5, 1.5)
        term.tap(f"finish_{kind}")
        s = term.wait_for(
            lambda s: s.get("dialog") == "case" or s.get("ticket") != number, 10, "the case form"
        )
        if s.get("dialog") == "case":  # a new case: who applied, what was handed in
            term.tap("case_name")
            term.type(self.rng.choice(NAMES))
            term.tap("case_contact")
            term.type(f"139{self.rng.randrange(10**8):08d}")
            if materials:
                term.tap("case_materials")
                term.type(", ".join(f"{m}×1" for m in materials[:3]))
            if missing:
                term.tap("case_missing")
                term.type(", ".join(missing))
            self.pause(1, 3)
            term.tap("case_send")
        s = term.wait_for(lambda s: s.get("ticket") != number, 20, "the ticket finished")
        self.finished += 1
        log.info("%s: %s finished as %s (case %s)", self.window_id, number, kind, s.get("case"))

    def _press(self, term: AppLink, action: str, done: Any, what: str) -> dict[str, Any]:
        """A button of the terminal, then until its command is answered and ``done`` holds."""
        term.tap(f"btn_{action}")
        return term.wait_for(lambda s: s.get("pending") is None and done(s), 20, what)

    def _settled(self, term: AppLink) -> dict[str, Any]:
        return term.wait_for(lambda s: s.get("pending") is None, 30, "an answer")

    def _dismiss(self, term: AppLink) -> None:
        """Close whatever dialog is open (Escape), as a person starting over would."""
        try:
            if term.state().get("dialog"):
                term.request("call", "key", "escape")
        except TouchFailed:
            pass


def serve_forever(
    listen: tuple[str, int],
    name: str,
    person: WindowStaff | GuideOfficer | DutyOfficer,
    stop: threading.Event,
) -> int:
    """Accept the app's driver connection on ``listen`` and let ``person`` work it, again
    whenever the app restarts; ``name`` (a window, ``guide console``) is for the log."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("%s: %s signs in there", name, person.staff)
    serve_driven(listen, person.serve, name, stop)
    if isinstance(person, WindowStaff):
        log.info("%s: tickets finished: %d", name, person.finished)
    if isinstance(person, DutyOfficer):
        log.info("%s: manual sign-ins recorded: %d", name, person.entered)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo-staff", help="a simulated staff member pressing a window terminal's buttons (demo)"
    )
    p.add_argument("--config", default="config")
    p.add_argument("--listen", required=True, help="HOST:PORT the terminal's driver connects to")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--window", help="the terminal's window, e.g. W04")
    where.add_argument(
        "--console",
        choices=("guide", "duty"),
        help="a guide officer at the guide console, or the duty officer at the duty console",
    )
    p.add_argument(
        "--staff", default=None, help="staff id (default: the first of the window or role)"
    )
    p.add_argument(
        "--pin", default=SAMPLE_PIN, help="the staff member's PIN (default: the sample roster's)"
    )
    p.add_argument("--pace", type=float, default=1.0, help="time factor (0.5 = twice as fast)")
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from hall.conf.cli import load_or_exit

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    config = load_or_exit(args.config)
    window_id = args.window.upper() if args.window else None
    name = window_id or f"{args.console} console"
    role = StaffRole.WINDOW_STAFF if window_id else StaffRole.GUIDE_OFFICER
    try:
        if args.console == "duty" and not args.staff:
            staff = duty_officer(config, args.pin)
        else:
            staff = pick_staff(config, window_id, args.pin, args.staff, role)
    except NoStaff as exc:
        log.error("%s: %s", name, exc)
        return 2
    host, _, port = args.listen.rpartition(":")
    stop = threading.Event()
    rng = random.Random(args.seed)
    person: WindowStaff | GuideOfficer | DutyOfficer
    if window_id:
        person = WindowStaff(config, window_id, staff, args.pin, rng, args.pace, stop)
    elif args.console == "duty":
        person = DutyOfficer(staff, args.pin, rng, args.pace, stop)
    else:
        person = GuideOfficer(staff, args.pin, rng, args.pace, stop)
    return serve_forever((host or "127.0.0.1", int(port)), name, person, stop)
