"""Command handlers: ``handle(state, command) -> list[Event]`` or :class:`Rejected`.

A handler checks a command against the state and the rules and returns the events it causes;
it changes nothing (a refusal raises and emits nothing). :meth:`Handlers.execute` folds the
events in at once, as the queue engine does, so the next command sees them.

Who may do what:

- ``punch.record`` / ``attempt.record``: the sign-in station (any ``by``; the device is named).
- ``manual.enter`` / ``manual.correct`` / ``absence.report``: the duty officer on the rota today.
- ``manual.decide``: the duty director on the rota today, never on a record they entered or
  one about themselves.
- ``leave.request``: the person, or the duty officer for them; ``leave.decide``: the approver
  the rules name (window head of the person's unit, the duty director on duty, the center
  director), never the person on leave.
- ``duty.note``: the duty officer or director on duty; ``duty.sign``: the duty director on duty,
  from 10 minutes before closing, with no manual record of the day left pending. A signed day
  takes no new manual entries; corrections still go in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any

from attendance.rules import (
    FAILED_RESULTS,
    AttemptResult,
    Context,
    Half,
    LeaveKind,
    ManualReason,
    Rejected,
    classify,
    leave_approver,
    leave_sessions,
    needs_stand_in,
)
from attendance.state import (
    APPROVED,
    PENDING,
    AttendanceState,
    Command,
    Event,
    ManualRecord,
    apply,
)
from attendance.status import ManualIndex
from hall.conf.duty import SessionCode
from hall.conf.staff import StaffRole

Handler = Callable[[AttendanceState, Command], list[Event]]


def _need(data: dict[str, Any], key: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise Rejected("bad_command", f"missing {key!r}")
    return data[key]


def _enum(cls: Any, value: Any, what: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(m.value for m in cls)
        raise Rejected("bad_command", f"{what} must be one of {choices}, not {value!r}") from None


def _date(value: Any, what: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Rejected("bad_command", f"{what} is not a date: {value!r}") from None


def _time(value: Any) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise Rejected("bad_command", f"time is not HH:MM: {value!r}") from None


class Handlers:
    """The attendance rules for one hall; the writer owns the state it runs them on."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.table: dict[str, Handler] = {
            "punch.record": self.punch_record,
            "attempt.record": self.attempt_record,
            "manual.enter": self.manual_enter,
            "manual.correct": self.manual_correct,
            "manual.decide": self.manual_decide,
            "leave.request": self.leave_request,
            "leave.decide": self.leave_decide,
            "absence.report": self.absence_report,
            "duty.note": self.duty_note,
            "duty.sign": self.duty_sign,
            "device.status": self.device_status,
        }

    # ------------------------------------------------------------------ plumbing

    def handle(self, state: AttendanceState, command: Command) -> list[Event]:
        """The events ``command`` causes; raise :class:`Rejected` (nothing changes)."""
        handler = self.table.get(command.type)
        if handler is None:
            raise Rejected("unknown_command", f"unknown command type {command.type!r}")
        return handler(state, command)

    def execute(self, state: AttendanceState, command: Command) -> list[Event]:
        """Handle ``command`` and fold its events into ``state``."""
        events = self.handle(state, command)
        for event in events:
            apply(state, event)
        return events

    def _event(self, command: Command, etype: str, data: dict[str, Any]) -> Event:
        return Event(etype, self.ctx.local(command.at).isoformat(), data)

    def _today(self, command: Command) -> date:
        return self.ctx.local(command.at).date()

    def _duty_officer(self, command: Command) -> None:
        member = self.ctx.member(command.by)
        if StaffRole.DUTY_OFFICER not in member.roles:
            raise Rejected("not_duty_officer", f"{command.by} is not a duty officer")
        officer, _ = self.ctx.on_duty(self._today(command))
        if officer != command.by:
            raise Rejected("not_on_duty", f"{command.by} is not the duty officer today ({officer})")

    def _duty_director(self, command: Command) -> None:
        member = self.ctx.member(command.by)
        if StaffRole.DUTY_DIRECTOR not in member.roles:
            raise Rejected("not_duty_director", f"{command.by} is not a duty director")
        _, director = self.ctx.on_duty(self._today(command))
        if director != command.by:
            raise Rejected(
                "not_on_duty", f"{command.by} is not the duty director today ({director})"
            )

    # ------------------------------------------------------------------ station

    def punch_record(self, state: AttendanceState, command: Command) -> list[Event]:
        """A matched finger: record the punch; only the first in a session counts."""
        d = command.data
        staff = _need(d, "staff")
        self.ctx.member(staff)
        where = classify(self.ctx, staff, command.at)
        key = (staff, where.day, where.session)
        counted = where.session is not None and key not in state.counted
        if counted:
            counted = key not in ManualIndex.build(state).standing
        return [
            self._event(
                command,
                "punch.recorded",
                {
                    "id": state.next_id("P"),
                    "staff": staff,
                    "page": d.get("page"),
                    "day": where.day.isoformat(),
                    "session": where.session.value if where.session else None,
                    "device": _need(d, "device"),
                    "verified": d.get("verified", "fingerprint"),
                    "late": where.late,
                    "counted": counted,
                },
            )
        ]

    def attempt_record(self, state: AttendanceState, command: Command) -> list[Event]:
        """A failed press, kept with its reason, time and device."""
        d = command.data
        result = _enum(AttemptResult, _need(d, "result"), "result")
        if result not in FAILED_RESULTS:
            raise Rejected("bad_command", "a matched press is a punch.record")
        where = classify(self.ctx, None, command.at)
        return [
            self._event(
                command,
                "attempt.failed",
                {
                    "id": state.next_id("F"),
                    "result": result.value,
                    "day": where.day.isoformat(),
                    "session": where.session.value if where.session else None,
                    "device": _need(d, "device"),
                    "detail": str(d.get("detail") or ""),
                },
            )
        ]

    def device_status(self, state: AttendanceState, command: Command) -> list[Event]:
        """The station's reader went online or offline (the console shows it at once)."""
        d = command.data
        status = _need(d, "status")
        if status not in ("online", "offline"):
            raise Rejected("bad_command", "status is 'online' or 'offline'")
        device = _need(d, "device")
        return [
            self._event(
                command,
                "device.status",
                {"device": device, "status": status, "detail": str(d.get("detail") or "")},
            )
        ]

    # ------------------------------------------------------------------ manual records

    def _manual_fields(self, command: Command, day: date) -> dict[str, Any]:
        """Session, time, lateness, reason and note of a manual record, checked."""
        d = command.data
        session = _enum(SessionCode, _need(d, "session"), "session")
        reason = _enum(ManualReason, _need(d, "reason"), "reason")
        note = str(d.get("note") or "").strip()
        if reason is ManualReason.OTHER and not note:
            raise Rejected("note_required", "reason 'other' needs a note")
        at = _time(d["time"]) if d.get("time") else None
        if at is not None and not self.ctx.schedule.window(session).holds(at):
            raise Rejected("bad_session", f"{at:%H:%M} is outside the {session.value} session")
        return {"session": session, "time": at, "reason": reason.value, "note": note}

    def _late(self, staff: str, day: date, session: SessionCode, at: time | None) -> bool:
        return at is not None and at > self.ctx.late_after(staff, day, session)

    def manual_enter(self, state: AttendanceState, command: Command) -> list[Event]:
        """One person's sign-in, or everyone's during an outage (``staff`` is a list)."""
        self._duty_officer(command)
        d = command.data
        today = self._today(command)
        day = _date(d.get("day", today.isoformat()), "day")
        if day > today:
            raise Rejected("future_day", f"{day} has not come yet")
        if not self.ctx.calendar.is_working_day(day):
            raise Rejected("not_working_day", f"{day} is not a working day")
        if state.log(day).signed:
            raise Rejected("day_closed", f"the duty log of {day} is signed; enter a correction")
        fields = self._manual_fields(command, day)
        session: SessionCode = fields["session"]
        if session is SessionCode.STUDY and day.isoweekday() != self.ctx.schedule.study.weekday:
            raise Rejected("bad_session", f"{day} has no study session")
        staff = _need(d, "staff")
        people = [staff] if isinstance(staff, str) else staff
        if not isinstance(people, list) or not all(isinstance(p, str) for p in people):
            raise Rejected("bad_command", "staff is a staff id or a list of them")
        if not people or len(set(people)) != len(people):
            raise Rejected("bad_command", "staff must name each person once")
        for person in people:
            self.ctx.member(person)
        signed = [p for p in people if (p, day, session) in state.counted]
        if signed:
            raise Rejected(
                "already_signed", f"already signed in: {', '.join(signed)}", staff=signed
            )
        index = ManualIndex.build(state)
        recorded = [
            p
            for p in people
            if (p, day, session) in index.standing or (p, day, session) in index.pending
        ]
        if recorded:
            raise Rejected(
                "already_recorded", f"already recorded: {', '.join(recorded)}", staff=recorded
            )
        batch = state.next_id("B") if len(people) > 1 else None
        events = []
        for n, person in enumerate(people):
            events.append(
                self._event(
                    command,
                    "manual.entered",
                    {
                        "id": state.next_id("M", n + 1),
                        "staff": person,
                        "day": day.isoformat(),
                        "session": session.value,
                        "time": fields["time"].isoformat("minutes") if fields["time"] else None,
                        "late": self._late(person, day, session, fields["time"]),
                        "reason": fields["reason"],
                        "note": fields["note"],
                        "entered_by": command.by,
                        "batch": batch,
                    },
                )
            )
        return events

    def manual_correct(self, state: AttendanceState, command: Command) -> list[Event]:
        """A new record replacing an earlier one (or voiding it); allowed on a signed day."""
        self._duty_officer(command)
        d = command.data
        target = self._record(state, _need(d, "corrects"))
        if target.corrected_by is not None:
            raise Rejected(
                "already_corrected",
                f"{target.id} is already corrected by {target.corrected_by}; correct that one",
            )
        void = bool(d.get("void", False))
        staff = d.get("staff", target.staff)
        self.ctx.member(staff)
        if void:
            note = str(d.get("note") or "").strip()
            if not note:
                raise Rejected("note_required", "voiding a record needs a note")
            fields = {
                "session": target.session,
                "time": target.time,
                "reason": target.reason,
                "note": note,
            }
        else:
            merged = {
                "session": d.get("session", target.session.value),
                "reason": d.get("reason", target.reason),
                "note": d.get("note", target.note),
                "time": d.get("time", target.time.isoformat("minutes") if target.time else None),
            }
            fields = self._manual_fields(
                Command(command.type, command.by, command.at, merged), target.day
            )
        session: SessionCode = fields["session"]
        at: time | None = fields["time"]
        return [
            self._event(
                command,
                "manual.corrected",
                {
                    "id": state.next_id("M"),
                    "corrects": target.id,
                    "void": void,
                    "staff": staff,
                    "day": target.day.isoformat(),
                    "session": session.value,
                    "time": at.isoformat("minutes") if at else None,
                    "late": self._late(staff, target.day, session, at),
                    "reason": fields["reason"],
                    "note": fields["note"],
                    "entered_by": command.by,
                },
            )
        ]

    def _record(self, state: AttendanceState, record_id: str) -> ManualRecord:
        record = state.manual.get(record_id)
        if record is None:
            raise Rejected("unknown_record", f"no manual record {record_id!r}")
        return record

    def manual_decide(self, state: AttendanceState, command: Command) -> list[Event]:
        """The duty director approves or rejects a pending record (never their own)."""
        self._duty_director(command)
        d = command.data
        record = self._record(state, _need(d, "record"))
        decision = _need(d, "decision")
        if decision not in ("approve", "reject"):
            raise Rejected("bad_command", "decision is 'approve' or 'reject'")
        if command.by in (record.entered_by, record.staff):
            raise Rejected("self_approval", f"{command.by} cannot decide on {record.id}")
        if record.corrected_by is not None:
            raise Rejected(
                "already_corrected", f"{record.id} is corrected by {record.corrected_by}"
            )
        if record.status != PENDING:
            raise Rejected("not_pending", f"{record.id} is already {record.status}")
        note = str(d.get("note") or "").strip()
        if decision == "reject" and not note:
            raise Rejected("note_required", "a rejection says why")
        etype = "manual.approved" if decision == "approve" else "manual.rejected"
        return [self._event(command, etype, {"id": record.id, "by": command.by, "note": note})]

    # ------------------------------------------------------------------ leave

    def leave_request(self, state: AttendanceState, command: Command) -> list[Event]:
        d = command.data
        staff = d.get("staff", command.by)
        self.ctx.member(staff)
        requester = self.ctx.member(command.by)
        if command.by != staff and StaffRole.DUTY_OFFICER not in requester.roles:
            raise Rejected("not_duty_officer", "only the person or a duty officer asks for leave")
        kind = _enum(LeaveKind, _need(d, "kind"), "kind")
        first = _date(_need(d, "first"), "first")
        last = _date(d.get("last", first.isoformat()), "last")
        first_half = _enum(Half, d.get("first_half", "morning"), "first_half")
        last_half = _enum(Half, d.get("last_half", "afternoon"), "last_half")
        sessions = leave_sessions(self.ctx, first, first_half, last, last_half)
        if not sessions:
            raise Rejected("not_working_day", "the leave covers no working day")
        taken = {
            s
            for leave in state.leaves.values()
            if leave.staff == staff and leave.status != "rejected"
            for s in leave.sessions
        }
        if taken.intersection(sessions):
            raise Rejected("leave_overlaps", f"{staff} already has leave in that period")
        days = len(sessions) / 2
        stand_in = str(d.get("stand_in") or "").strip()
        if needs_stand_in(kind, days) and not stand_in:
            raise Rejected(
                "stand_in_required",
                f"{days:g} days of leave: the member unit must name a stand-in",
            )
        return [
            self._event(
                command,
                "leave.requested",
                {
                    "id": state.next_id("L"),
                    "staff": staff,
                    "kind": kind.value,
                    "first": first.isoformat(),
                    "first_half": first_half.value,
                    "last": last.isoformat(),
                    "last_half": last_half.value,
                    "sessions": [[day.isoformat(), s.value] for day, s in sessions],
                    "days": days,
                    "approver": leave_approver(kind, days).value,
                    "reason": str(d.get("reason") or ""),
                    "stand_in": stand_in,
                    "requested_by": command.by,
                },
            )
        ]

    def leave_decide(self, state: AttendanceState, command: Command) -> list[Event]:
        d = command.data
        leave = state.leaves.get(_need(d, "leave"))
        if leave is None:
            raise Rejected("unknown_record", f"no leave {d['leave']!r}")
        decision = _need(d, "decision")
        if decision not in ("approve", "reject"):
            raise Rejected("bad_command", "decision is 'approve' or 'reject'")
        if command.by == leave.staff:
            raise Rejected("self_approval", "nobody approves their own leave")
        if leave.status != PENDING:
            raise Rejected("not_pending", f"{leave.id} is already {leave.status}")
        self._leave_approver(leave.staff, StaffRole(leave.approver), command)
        etype = "leave.approved" if decision == "approve" else "leave.rejected"
        note = str(d.get("note") or "")
        return [self._event(command, etype, {"id": leave.id, "by": command.by, "note": note})]

    def _leave_approver(self, staff: str, role: StaffRole, command: Command) -> None:
        approver = self.ctx.member(command.by)
        person = self.ctx.member(staff)
        if role is StaffRole.WINDOW_HEAD and (
            person.unit is None or StaffRole.WINDOW_HEAD in person.roles
        ):
            # The centre's own staff, and a window head's own trip: the center director.
            role = StaffRole.CENTER_DIRECTOR
        if role not in approver.roles:
            raise Rejected("wrong_approver", f"this leave is approved by a {role.value}")
        if role is StaffRole.WINDOW_HEAD and approver.unit != person.unit:
            raise Rejected("wrong_approver", "a window head approves only their own unit's staff")
        if role is StaffRole.DUTY_DIRECTOR:
            _, director = self.ctx.on_duty(self._today(command))
            if director != command.by:
                raise Rejected("not_on_duty", f"{command.by} is not the duty director today")

    # ------------------------------------------------------------------ duty log

    def absence_report(self, state: AttendanceState, command: Command) -> list[Event]:
        """The duty officer reports an absence the same day; it goes into the duty log."""
        self._duty_officer(command)
        d = command.data
        staff = _need(d, "staff")
        self.ctx.member(staff)
        session = _enum(SessionCode, _need(d, "session"), "session")
        day = self._today(command)
        if state.log(day).signed:
            raise Rejected("day_closed", f"the duty log of {day} is signed")
        return [
            self._event(
                command,
                "duty.noted",
                {
                    "day": day.isoformat(),
                    "by": command.by,
                    "kind": "absence",
                    "staff": staff,
                    "session": session.value,
                    "note": str(d.get("note") or ""),
                },
            )
        ]

    def duty_note(self, state: AttendanceState, command: Command) -> list[Event]:
        day = self._today(command)
        if command.by not in self.ctx.on_duty(day):
            raise Rejected("not_on_duty", f"{command.by} is not on duty today")
        if state.log(day).signed:
            raise Rejected("day_closed", f"the duty log of {day} is signed")
        text = str(_need(command.data, "text")).strip()
        return [
            self._event(
                command,
                "duty.noted",
                {"day": day.isoformat(), "by": command.by, "kind": "note", "text": text},
            )
        ]

    def duty_sign(self, state: AttendanceState, command: Command) -> list[Event]:
        """The duty director signs today's log from 10 minutes before closing."""
        self._duty_director(command)
        day = self._today(command)
        if state.log(day).signed:
            raise Rejected("already_signed_log", f"the duty log of {day} is already signed")
        opens = self.ctx.sign_log_from(day)
        if self.ctx.local(command.at) < opens:
            raise Rejected("too_early", f"the log is signed from {opens:%H:%M}")
        pending = sorted(
            r.id
            for r in state.manual.values()
            if r.day == day and r.status == PENDING and r.corrected_by is None
        )
        if pending:
            raise Rejected("pending_records", f"decide first: {', '.join(pending)}", ids=pending)
        return [
            self._event(
                command,
                "duty.signed",
                {"day": day.isoformat(), "by": command.by, "summary": self.summary(state, day)},
            )
        ]

    def summary(self, state: AttendanceState, day: date) -> dict[str, Any]:
        """What the signed log states about ``day``."""
        manual = [r for r in state.manual.values() if r.day == day]
        log = state.log(day)
        return {
            "punches": sum(1 for p in state.punches if p.day == day and p.counted),
            "late": sum(1 for p in state.punches if p.day == day and p.counted and p.late),
            "failed_attempts": sum(1 for a in state.attempts if a.day == day),
            "manual_approved": sorted(r.id for r in manual if r.status == APPROVED),
            "manual_rejected": sorted(r.id for r in manual if r.status == "rejected"),
            "absences_reported": [e["staff"] for e in log.entries if e.get("kind") == "absence"],
            "notes": sum(1 for e in log.entries if e.get("kind") == "note"),
        }
