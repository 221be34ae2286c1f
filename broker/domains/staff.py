"""Who is signed in where: staff id + PIN at a window terminal or a console (day-scoped).

A person signs in with ``staff.sign_in``; the PIN is checked against the salted hash in
``staff.toml`` and never stored or logged. From then on every event their commands cause
carries ``by`` (the engine adds it), and a window's snapshot names who serves there. Sign-ins
end with the business day.

A sign-in at a leave desk (role ``leave``: ``hall leave`` signs in, sends one command, signs
out) also lapses after ``[staff] leave_desk_session_s`` of the writer's clock without a command
from that desk: a ``hall leave`` killed before its sign-out must not leave its person signed in
for whoever else has that desk's password. The lapse is a ``staff.signed_out`` with
``reason = "lapsed"`` (and ``local_at``), emitted before the next command from that desk (which
then finds nobody signed in) or by the writer's tick when no command comes. The attendance
domain observes it: the day's lapses are in ``state/attendance.day`` for the duty consoles.
Other clients' sign-ins do not lapse.
"""

from __future__ import annotations

from typing import Any, ClassVar

from broker.records import Handler, RecordDomain
from hall.conf.model import Client, Role
from hall.conf.staff import StaffRole, verify_pin
from hall.contract import guide as g
from hall.protocol import CommandRejected

ROLE_NEEDS: dict[Role, tuple[StaffRole, ...]] = {
    Role.WINDOW: (StaffRole.WINDOW_STAFF,),
    Role.GUIDE: (StaffRole.GUIDE_OFFICER,),
    Role.DUTY: (StaffRole.DUTY_OFFICER, StaffRole.DUTY_DIRECTOR, StaffRole.CENTER_DIRECTOR),
    Role.LEAVE: tuple(StaffRole),  # anyone asks for their own leave (hall leave)
}
"""Which staff roles may sign in at a client of each role."""


class StaffOnDuty(RecordDomain):
    name = "staff"
    event_types: ClassVar[frozenset[str]] = frozenset({"staff.signed_in", "staff.signed_out"})
    day_scoped = True

    def __init__(self) -> None:
        super().__init__()
        self.on_duty: dict[str, dict[str, Any]] = {}
        """client id -> {"client", "staff", "name", "window"}."""
        self.last_command: dict[str, float] = {}
        """Leave desk client id -> the writer's clock at its sign-in or its last command since
        (from the sign-in event's ``at`` after a restart: a lapse comes sooner, never later)."""

    def reset(self) -> None:
        self.on_duty = {}
        self.last_command = {}

    def bind(self, engine: Any) -> None:
        super().bind(engine)
        engine.actor_of = self.actor_of
        engine.staff_at_window = self.at_window
        engine.before_command = self.before_command
        roster = engine.config.roster
        for entry in self.on_duty.values():  # replayed before the engine was bound: names
            person = roster.by_id.get(entry["staff"]) if roster else None
            entry["name"] = person.name if person else entry["staff"]

    # ------------------------------------------------------------------ queries

    def actor_of(self, client_id: str) -> str | None:
        entry = self.on_duty.get(client_id)
        return entry["staff"] if entry else None

    def at_window(self, window_id: str) -> dict[str, Any] | None:
        for entry in self.on_duty.values():
            if entry.get("window") == window_id:
                return {"staff": entry["staff"], "name": entry["name"]}
        return None

    # ------------------------------------------------------------------ fold

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        if etype == "staff.signed_in":
            roster = self.engine.config.roster if self.engine else None
            person = roster.by_id.get(data["staff"]) if roster else None
            self.on_duty[data["client"]] = {
                "client": data["client"],
                "staff": data["staff"],
                "name": person.name if person else data["staff"],
                "window": data.get("window"),
            }
            if data.get("at") is not None:  # a leave desk: its sign-in lapses when idle
                self.last_command[data["client"]] = float(data["at"])
        else:
            self.on_duty.pop(data["client"], None)
            self.last_command.pop(data["client"], None)
        self.dirty.add("staff")
        if data.get("window"):
            self.dirty.add(f"window/{data['window']}")
        elif etype == "staff.signed_out" and self.engine is not None:
            # (Not while the log is replayed at start, before the engine is bound: every
            # snapshot is published then anyway.)
            self.dirty.update(f"window/{w.id}" for w in self.engine.config.windows)

    # ------------------------------------------------------------------ lapse

    def _lapse_s(self) -> float:
        return float(self.engine.config.hall_file.staff.leave_desk_session_s)

    def _lapse_if_idle(self, client_id: str, now: float) -> bool:
        """Sign out the leave desk's person when its last command is ``leave_desk_session_s``
        or more ago on the writer's clock; True when it lapsed."""
        entry = self.on_duty.get(client_id)
        if entry is None:
            return False
        # A sign-in replayed from a log without ``at`` starts its timer now.
        last = self.last_command.setdefault(client_id, now)
        if now < last:  # the clock was stepped back: count from now, not from the future
            self.last_command[client_id] = now
            return False
        if now - last < self._lapse_s():
            return False
        data = {
            "client": client_id,
            "staff": entry["staff"],
            "reason": "lapsed",
            "idle_s": round(now - last, 1),
            # The hall-local time, as attendance events carry it: the attendance record keeps
            # the lapse for the duty consoles' day (``state/attendance.day``).
            "local_at": self.engine.clock.local(now).isoformat(timespec="milliseconds"),
        }
        self.engine.emit("staff.signed_out", data, now)
        return True

    def before_command(self, client: Client, ctype: str, now: float) -> None:
        """Every command but a ping: a leave desk's lapsed sign-in ends first; a command from a
        desk with a live sign-in counts as activity (a sign-in only once the PIN is right)."""
        if client.role is not Role.LEAVE or client.id not in self.on_duty:
            return
        if not self._lapse_if_idle(client.id, now) and ctype != "staff.sign_in":
            self.last_command[client.id] = now

    def tick(self, now: float) -> None:
        """With no command coming, a lapsed leave-desk sign-in still ends (and is logged)."""
        clients = self.engine.config.client_by_id
        for client_id in list(self.on_duty):
            client = clients.get(client_id)
            if client is not None and client.role is Role.LEAVE:
                self._lapse_if_idle(client_id, now)

    # ------------------------------------------------------------------ commands

    def handlers(self) -> dict[str, Handler]:
        return {"staff.sign_in": self._sign_in, "staff.sign_out": self._sign_out}

    def _sign_in(self, client: Client, a: g.StaffSignIn, now: float) -> dict[str, Any]:
        roster = self.engine.config.roster
        person = roster.by_id.get(a.staff) if roster else None
        if person is None or not verify_pin(person.pin, a.pin):
            # Neither whether the id exists nor which part was wrong is told.
            raise CommandRejected("sign_in_refused", "unknown staff id or wrong PIN")
        needed = ROLE_NEEDS.get(client.role, ())
        if not any(person.has(r) for r in needed):
            raise CommandRejected(
                "wrong_role",
                f"{person.id} may not sign in at a {client.role.value} client",
                needs=[r.value for r in needed],
            )
        previous = self.on_duty.get(client.id)
        if previous and previous["staff"] != person.id:
            out = {"client": client.id, "staff": previous["staff"], "by": person.id}
            self.engine.emit("staff.signed_out", out, now)
        if client.role is not Role.LEAVE:  # a moment at the leave desk is not a place
            for other, entry in list(self.on_duty.items()):
                if entry["staff"] == person.id and other != client.id:
                    # One person, one place: signing in here signs them out there.
                    out = {"client": other, "staff": person.id, "by": person.id}
                    self.engine.emit("staff.signed_out", out, now)
        if not previous or previous["staff"] != person.id:
            data: dict[str, Any] = {
                "client": client.id,
                "staff": person.id,
                "window": client.window,
            }
            if client.role is Role.LEAVE:  # lapses after leave_desk_session_s without a command
                data.update(at=now, lapse_s=self._lapse_s())
            self.engine.emit("staff.signed_in", {**data, "by": person.id}, now)
        elif client.role is Role.LEAVE:
            self.last_command[client.id] = now  # the same person again: their timer restarts
        return {"staff": self.on_duty[client.id]}

    def _sign_out(self, client: Client, _a: Any, now: float) -> dict[str, Any]:
        entry = self.on_duty.get(client.id)
        if entry is None:
            raise CommandRejected("not_signed_in", f"nobody is signed in at {client.id}")
        data = {"client": client.id, "staff": entry["staff"], "window": client.window}
        self.engine.emit("staff.signed_out", data, now)
        return {}

    # ------------------------------------------------------------------ snapshot

    def snapshot_names(self) -> list[str]:
        return ["staff"]

    def snapshot(self, name: str) -> dict[str, Any]:
        return {"on_duty": sorted(self.on_duty.values(), key=lambda e: e["client"])}


def require_actor(engine: Any, client: Client) -> str:
    """The staff signed in at ``client``, or ``sign_in_required``."""
    staff = engine.actor_of(client.id)
    if staff is None:
        raise CommandRejected(
            "sign_in_required", f"sign in at {client.id} first (staff.sign_in with id and PIN)"
        )
    return staff
