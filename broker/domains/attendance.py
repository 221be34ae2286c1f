"""Attendance in the single writer: the pure handlers and fold of ``attendance/`` behind the
writer's commands, events and checkpoints (issue 10).

The sign-in station sends punches, failed attempts and its reader's status (role ``signin``;
the actor is the device). The duty console's person signs in (``staff.sign_in``) and is the
actor of manual records, decisions, leave and the duty log; the rules check who may do what
(a duty officer on today's rota enters, a different duty director decides, ...). Long-lived:
a month's record, leave across days; checkpointed (pickled state, rebuilt from the log if a
checkpoint cannot be read). It also keeps the leave desks' lapsed sign-ins (the staff domain's
``staff.signed_out`` with ``reason = "lapsed"``), which the day's record shows the consoles.
"""

from __future__ import annotations

import base64
import json
import logging
import pickle
from dataclasses import fields
from datetime import date, datetime
from typing import Any, ClassVar

from attendance.handlers import Handlers
from attendance.rules import Context, Rejected, required_sessions
from attendance.state import PENDING, AttendanceState, Command, Event, apply, day_record
from attendance.status import roll_call
from broker.domains.staff import require_actor
from broker.records import Handler, RecordDomain
from hall.conf.model import Client, Role
from hall.conf.staff import StaffRole
from hall.contract import attendance as a
from hall.protocol import CommandRejected

log = logging.getLogger(__name__)

STATION_COMMANDS = a.STATION
DAY_RECORD_BUDGET = 200_000
"""Bytes of ``state/attendance.day``'s body, well under the broker's 256 KiB packet limit
(the stamp and the topic go on top)."""
SEES_ALL_LEAVE = frozenset(
    {StaffRole.DUTY_OFFICER, StaffRole.DUTY_DIRECTOR, StaffRole.CENTER_DIRECTOR}
)
"""Who may list everyone's leave (``leave.list``); others see their own and what they decide."""


class Attendance(RecordDomain):
    name = "attendance"
    event_types: ClassVar[frozenset[str]] = frozenset(a.DOMAIN.events)
    observes: ClassVar[frozenset[str]] = frozenset({"staff.signed_out"})
    """The staff domain's: a leave desk's lapsed sign-in goes into the day's record."""

    def __init__(self) -> None:
        super().__init__()
        self.state = AttendanceState()
        self._handlers: Handlers | None = None
        self._ctx: Context | None = None

    def bind(self, engine: Any) -> None:
        super().bind(engine)
        if engine.config.roster is not None:
            self._ctx = Context.from_config(engine.config)
            self._handlers = Handlers(self._ctx)

    # ------------------------------------------------------------------ fold

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        if etype in self.observes:
            # Of the sign-outs only a lapse; one logged without ``local_at`` (before lapses
            # were recorded here) has no time to show and is left out.
            if data.get("reason") != "lapsed" or "local_at" not in data:
                return
            self.dirty.add("attendance.day")
        else:
            self.dirty.update(("attendance", "attendance.day"))
        body = {k: v for k, v in data.items() if k != "local_at"}
        apply(self.state, Event(etype, data["local_at"], body))

    def checkpoint(self) -> dict[str, Any]:
        raw = pickle.dumps(self.state, protocol=pickle.HIGHEST_PROTOCOL)
        return {"pickle": base64.b64encode(raw).decode("ascii")}

    def restore(self, data: dict[str, Any]) -> None:
        state = pickle.loads(base64.b64decode(data["pickle"]))  # our own log, never a client's
        if not isinstance(state, AttendanceState):
            raise TypeError("not an attendance state")
        missing = [f.name for f in fields(AttendanceState) if f.name not in vars(state)]
        if missing:  # written before those records were kept: rebuilt from the log instead
            raise TypeError(f"an attendance state without {', '.join(missing)}")
        self.state = state

    # ------------------------------------------------------------------ commands

    def handlers(self) -> dict[str, Handler]:
        table = {ctype: self._runner(ctype) for ctype in a.DOMAIN.commands}
        table["leave.list"] = self._leave_list
        return table

    def _leave_list(self, client: Client, args: a.ListLeave, now: float) -> dict[str, Any]:
        """The signed-in person's leave, what they may decide, and everyone's for the duty
        staff and the centre director (a query: emits nothing)."""
        if self._handlers is None or self._ctx is None:
            raise CommandRejected("no_roster", "this hall has no staff roster (staff.toml)")
        by = require_actor(self.engine, client)
        member = self._ctx.staff.get(by)
        sees_all = member is not None and bool(SEES_ALL_LEAVE.intersection(member.roles))
        at = datetime.fromtimestamp(now, self._ctx.tz)
        rows = []
        for leave in self.state.leaves.values():
            if args.pending and leave.status != PENDING:
                continue
            if args.staff and leave.staff != args.staff:
                continue
            decide = {"leave": leave.id, "decision": "approve"}
            try:
                self._handlers.handle(self.state, Command("leave.decide", by, at, decide))
                can_decide = True
            except Rejected:
                can_decide = False
            if not (sees_all or can_decide or by in (leave.staff, leave.requested_by)):
                continue
            rows.append({**leave.public(), "can_decide": can_decide})
        return {"leaves": rows[-200:]}

    def _runner(self, ctype: str) -> Handler:
        def run(client: Client, args: Any, now: float) -> dict[str, Any]:
            if self._handlers is None or self._ctx is None:
                raise CommandRejected("no_roster", "this hall has no staff roster (staff.toml)")
            # The station's device acts for a punch (the person is in the data).
            station = client.role is Role.SIGNIN
            by = client.id if station else require_actor(self.engine, client)
            data = args.model_dump(exclude_none=True)
            at = datetime.fromtimestamp(now, self._ctx.tz)
            events = self._handlers.handle(self.state, Command(ctype, by, at, data))
            for event in events:
                self.engine.emit(event.type, {**event.data, "local_at": event.at}, now)
            return {"events": [e.to_dict() for e in events]}

        return run

    # ------------------------------------------------------------------ snapshot

    def _day_record(self, day: date) -> dict[str, Any]:
        """``state/attendance.day``, kept under the broker's packet limit: a bigger retained
        publish would cut the writer off (and again after each reconnect). Fewer old failed
        attempts and leave desk lapses first, then without other days' pending records (whole
        chains, so what is left still folds; the console then lacks only those)."""
        body: dict[str, Any] = {}
        for max_recent, older_pending in ((200, True), (20, True), (20, False), (0, False)):
            events, attempts_left_out, lapses_left_out = day_record(
                self.state, day, max_recent, older_pending
            )
            body = {
                "record_day": day.isoformat(),
                "events": [e.to_dict() for e in events],
                "attempts_left_out": attempts_left_out,
                "lapses_left_out": lapses_left_out,
                "older_pending_left_out": not older_pending,
            }
            if len(json.dumps(body, ensure_ascii=False).encode()) <= DAY_RECORD_BUDGET:
                return body
        log.error("attendance day record over %d bytes even cut down", DAY_RECORD_BUDGET)
        return {**body, "events": [], "empty_too_big": True}

    def snapshot_names(self) -> list[str]:
        return ["attendance", "attendance.day"] if self._ctx is not None else []

    def snapshot(self, name: str) -> dict[str, Any]:
        assert self._ctx is not None
        day_text = self.engine.state.day or self.engine.clock.business_day(self.engine.now())
        day = date.fromisoformat(day_text)
        if name == "attendance.day":
            return self._day_record(day)
        sessions: dict[str, list[dict[str, Any]]] = {}
        for session in required_sessions(self._ctx, day):
            rows = []
            for row in roll_call(self._ctx, self.state, day, session):
                late = self.state.counted.get((row.staff, day, session), False)
                rows.append(
                    {
                        "staff": row.staff,
                        "name": row.name,
                        "status": row.status.status,
                        "late": bool(late),
                        "manual": row.status.manual.id if row.status.manual else None,
                        "leave": row.status.leave_kind,
                    }
                )
            sessions[session.value] = rows
        pending = [
            {"id": r.id, "staff": r.staff, "session": r.session.value, "reason": r.reason}
            for r in self.state.manual.values()
            if r.day == day and r.status == PENDING
        ]
        failed = [
            {
                "id": f.id,
                "result": f.result,
                "session": f.session.value if f.session else None,
                "at": f.at.isoformat(),
                "device": f.device,
            }
            for f in self.state.attempts
            if f.day == day
        ]
        return {
            "sessions": sessions,
            "failed_attempts": failed[-50:],
            "devices": dict(self.state.devices),
            "pending": pending,
            "signed": self.state.log(day).signed,
        }
