"""The duty console without a screen: roll call, manual records, decisions, the duty log.

A person signs in with staff id and PIN (checked against the salted hash in staff.toml);
every command then carries who gave it. :meth:`DutyConsole.view` is the whole screen as plain
data (texts already in the console's language), so the Kivy view only draws it and tests
read it without a window.

Everything that goes over the network (sign-in, sign-out, every record) can wait up to the
client's deadline (15 s) when the writer is slow or hung, so a screen never calls it on its
own thread: :meth:`DutyConsole.begin` runs one action at a time on the console's worker thread
and hands the result back through ``deliver`` (the Kivy view passes ``Clock.schedule_once``).
While it runs, ``busy`` names it (the view says so) and further actions are refused, not
queued: nothing is sent twice. A command that could not reach the writer keeps its command id:
pressing the same thing again resends it with that id, so the writer carries it out once even
if the first copy did arrive.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from attendance.mqtt_recorder import MqttRecorder
from attendance.recorder import FileRecorder
from attendance.rules import Context, Rejected, required_sessions
from attendance.state import PENDING, AttendanceState, Command, DeskLapse
from attendance.status import roll_call
from hall.conf.duty import SessionCode
from hall.conf.staff import StaffMember, StaffRole, verify_pin
from hall.i18n import t

log = logging.getLogger(__name__)

UNREACHED = frozenset({"service_unavailable", "storage_unavailable", "expired"})
"""Refusals after which the same command may be sent again (with the same id)."""

DUTY_ROLES = frozenset(
    {
        StaffRole.DUTY_OFFICER,
        StaffRole.DUTY_DIRECTOR,
        StaffRole.CENTER_DIRECTOR,
        StaffRole.WINDOW_HEAD,
    }
)


@dataclass(frozen=True)
class Feedback:
    ok: bool
    text: str
    code: str = ""


@dataclass(frozen=True)
class RollRow:
    staff: str
    name: str
    status: str
    text: str
    record: str | None = None


@dataclass(frozen=True)
class PendingRow:
    id: str
    staff: str
    name: str
    session: str
    time: str
    reason: str
    entered_by: str
    corrects: str | None


@dataclass(frozen=True)
class LeaveRow:
    id: str
    staff: str
    name: str
    kind: str
    period: str
    days: float
    stand_in: str
    approver: str
    can_decide: bool


@dataclass(frozen=True)
class ConsoleView:
    lang: str
    day: date
    session: str
    session_text: str
    user: str | None
    user_name: str
    on_duty: tuple[str | None, str | None]
    rows: list[RollRow]
    counts: dict[str, int]
    attempts: list[dict[str, str]]
    pending: list[PendingRow]
    log_signed: bool
    can_enter: bool
    can_decide: bool
    can_sign: bool
    devices: list[dict[str, str]] = field(default_factory=list)
    """Sign-in readers as last reported: device, status, text, since."""
    leaves: list[LeaveRow] = field(default_factory=list)
    """Pending leave requests, each marked whether the signed-in person may decide it."""
    log: list[str] = field(default_factory=list)
    """Today's duty log entries (absences reported, notes), as lines of text."""
    lapses: list[str] = field(default_factory=list)
    """Today's leave desk sign-ins that the writer ended after no command came, as lines."""
    working: bool = True
    """Staff must sign in for this session today (False: a day off, a holiday, or an
    evening without the study session): the roll call then says so instead of counting."""
    labels: dict[str, str] = field(default_factory=dict)
    busy: str | None = None
    """The action on its way to the writer (``enter``, ``decide``, ``sign_in``, ...), if any."""
    busy_text: str = ""


def current_session(ctx: Context, now: datetime) -> SessionCode:
    """The session a roll call is about at ``now``: the one open, else the last one opened."""
    local = ctx.local(now)
    found = ctx.schedule.session_at(local.date(), local.time())
    if found is not None:
        return found
    opened = [
        s
        for s in (SessionCode.MORNING, SessionCode.AFTERNOON, SessionCode.STUDY)
        if (s is not SessionCode.STUDY or local.isoweekday() == ctx.schedule.study.weekday)
        and ctx.schedule.window(s).opens <= local.time()
    ]
    return opened[-1] if opened else SessionCode.MORNING


class DutyConsole:
    """One console, one signed-in person at a time."""

    def __init__(
        self,
        ctx: Context,
        recorder: FileRecorder | MqttRecorder,
        clock: Callable[[], datetime] | None = None,
        lang: str = "zh-Hant",
        deliver: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.recorder = recorder
        self.clock = clock or (lambda: datetime.now(ctx.tz))
        self.lang = lang
        self.user: StaffMember | None = None
        self.deliver = deliver or (lambda fn: fn())
        """Runs a callable on the screen's thread (the view passes ``Clock.schedule_once``)."""
        self.busy: str | None = None
        """The action :meth:`begin` is running, set and cleared on the screen's thread."""
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._retry: tuple[str, str] | None = None
        """(what, command id) of the last command the writer could not be reached for."""
        self.last_command_id: str | None = None
        self._batch: tuple[str, set[str]] | None = None
        """(which report, who is reported) of a list the writer was out of reach for."""

    # ------------------------------------------------------------------ off the screen

    def begin(
        self, action: str, done: Callable[[Feedback], None], *args: Any, **kwargs: Any
    ) -> bool:
        """Run ``self.<action>(*args, **kwargs)`` on the worker thread and call ``done`` with
        its feedback through ``deliver``. Call on the screen's thread; False (nothing sent)
        while another action is on its way."""
        if self.busy is not None:
            return False
        method = getattr(self, action)
        self.busy = action

        def job() -> None:
            try:
                result = method(*args, **kwargs)
            except Exception:  # a bug must not leave the console busy for ever
                log.exception("duty console: %s failed", action)
                result = Feedback(False, t("attendance.error.bad_command", self.lang), "error")

            def finish() -> None:
                self.busy = None
                done(result)

            self.deliver(finish)

        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="duty-commands", daemon=True)
            self._worker.start()
        self._jobs.put(job)
        return True

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()

    def close(self) -> None:
        """Stop the worker after the action on its way (if any)."""
        if self._worker is not None:
            self._jobs.put(None)
            self._worker.join(timeout=20.0)
            self._worker = None

    # ------------------------------------------------------------------ who

    def sign_in(self, staff_id: str, pin: str, require_role: bool = True) -> Feedback:
        """Check the PIN; the console itself also needs a duty role (asking for one's own
        leave does not: ``require_role=False``)."""
        member = self.ctx.staff.get(staff_id.strip().upper())
        remote = getattr(self.recorder, "sign_in", None)
        if member is None or (remote is None and not verify_pin(member.pin, pin)):
            return Feedback(False, t("attendance.console.bad_pin", self.lang), "bad_pin")
        if require_role and not DUTY_ROLES.intersection(member.roles):
            return Feedback(False, t("attendance.console.no_role", self.lang), "no_role")
        if remote is not None:  # over the hall network the writer checks the PIN
            try:
                remote(member.id, pin)
            except Rejected as exc:
                if exc.code in ("sign_in_refused", "invalid_args"):  # e.g. a PIN too short
                    return Feedback(False, t("attendance.console.bad_pin", self.lang), "bad_pin")
                return Feedback(False, t(exc.message_key, self.lang), exc.code)
        self.user = member
        return Feedback(True, t("attendance.console.welcome", self.lang, name=member.name))

    def sign_out(self) -> Feedback:
        remote = getattr(self.recorder, "sign_out", None)
        if remote is not None and self.user is not None:
            remote()
        self.user = None
        return Feedback(True, "")

    # ------------------------------------------------------------------ actions

    def _submit(self, ctype: str, ok_key: str, **data: Any) -> Feedback:
        if self.user is None:
            return Feedback(False, t("attendance.console.sign_in_first", self.lang), "signed_out")
        what = json.dumps([ctype, self.user.id, data], sort_keys=True, default=str)
        # The same command again after the writer could not be reached: the same id, so the
        # writer carries it out once even if the first copy got through.
        cmd_id = self._retry[1] if self._retry and self._retry[0] == what else uuid.uuid4().hex
        self.last_command_id = cmd_id
        try:
            events = self.recorder.submit(
                Command(ctype, self.user.id, self.clock(), data, id=cmd_id)
            )
        except Rejected as exc:
            self._retry = (what, cmd_id) if exc.code in UNREACHED else None
            return Feedback(False, t(exc.message_key, self.lang), exc.code)
        self._retry = None
        ids = ", ".join(str(e.data.get("id", "")) for e in events if e.data.get("id"))
        return Feedback(True, t(ok_key, self.lang, n=len(events), ids=ids))

    def enter(
        self,
        staff: str | list[str],
        session: str,
        reason: str,
        note: str = "",
        time: str | None = None,
    ) -> Feedback:
        """A manual sign-in for one person, or a list (an outage)."""
        data: dict[str, Any] = {"staff": staff, "session": session, "reason": reason, "note": note}
        if time:
            data["time"] = time
        return self._submit("manual.enter", "attendance.console.entered", **data)

    def decide(self, record: str, approve: bool, note: str = "") -> Feedback:
        return self._submit(
            "manual.decide",
            "attendance.console.decided",
            record=record,
            decision="approve" if approve else "reject",
            note=note,
        )

    def correct(self, record: str, **changes: Any) -> Feedback:
        return self._submit(
            "manual.correct", "attendance.console.corrected", corrects=record, **changes
        )

    def report_absence(self, staff: str, session: str, note: str = "") -> Feedback:
        return self._submit(
            "absence.report", "attendance.console.noted", staff=staff, session=session, note=note
        )

    def note(self, text: str) -> Feedback:
        return self._submit("duty.note", "attendance.console.noted", text=text)

    def request_leave(
        self,
        staff: str,
        kind: str,
        first: str,
        last: str | None = None,
        first_half: str = "morning",
        last_half: str = "afternoon",
        reason: str = "",
        stand_in: str = "",
    ) -> Feedback:
        return self._submit(
            "leave.request",
            "attendance.console.leave_requested",
            staff=staff,
            kind=kind,
            first=first,
            last=last or first,
            first_half=first_half,
            last_half=last_half,
            reason=reason,
            stand_in=stand_in,
        )

    def decide_leave(self, leave: str, approve: bool, note: str = "") -> Feedback:
        return self._submit(
            "leave.decide",
            "attendance.console.decided",
            leave=leave,
            decision="approve" if approve else "reject",
            note=note,
        )

    def report_absences(self, staff: list[str], note: str = "") -> Feedback:
        """Report each selected person absent for the current session (into the duty log)."""
        session = current_session(self.ctx, self.clock()).value
        result = Feedback(False, t("attendance.console.sign_in_first", self.lang), "signed_out")
        # Pressed again after the writer was out of reach half-way: those already reported
        # are not reported twice (the one that failed is resent with its id).
        batch = json.dumps([sorted(staff), session, note])
        done = self._batch[1] if self._batch and self._batch[0] == batch else set()
        for person in staff:
            if person in done:
                continue
            result = self.report_absence(person, session, note)
            if not result.ok:
                self._batch = (batch, done) if result.code in UNREACHED else None
                return result
            done.add(person)
        self._batch = None
        return result

    def _log_line(self, entry: dict[str, Any], names: dict[str, str]) -> str:
        at = str(entry.get("at", ""))[11:16]
        by = names.get(entry.get("by", ""), entry.get("by", ""))
        if entry.get("kind") == "absence":
            who = names.get(entry["staff"], entry["staff"])
            text = t(
                "attendance.console.absence_line",
                self.lang,
                name=who,
                session=t(f"attendance.session.{entry['session']}", self.lang),
            )
            if entry.get("note"):
                text += f"：{entry['note']}"
        else:
            text = str(entry.get("text", ""))
        return f"{at} {text} ({by})"

    def _lapse_line(self, lapse: DeskLapse, names: dict[str, str]) -> str:
        return t(
            "attendance.console.lapse_line",
            self.lang,
            at=lapse.at.strftime("%H:%M"),
            desk=lapse.client,
            name=names.get(lapse.staff, lapse.staff),
            minutes=max(1, round(lapse.idle_s / 60)),
        )

    def trail(self, staff: str, session: str | None = None) -> list[str]:
        """The full trail of every manual record about ``staff`` today (this session):
        who entered what and why, each correction, each decision."""
        now = self.ctx.local(self.clock())
        session = session or current_session(self.ctx, now).value
        state = self.recorder.refresh()
        names = {s.id: s.name for s in self.ctx.staff.values()}
        heads = {
            state.chain(r.id)[0].id
            for r in state.manual.values()
            if r.staff == staff and r.day == now.date() and r.session.value == session
        }
        lines: list[str] = []
        for first in sorted(heads):
            for r in state.chain(first):
                lines.append(self._trail_line(r, names))
        return lines

    def _trail_line(self, r: Any, names: dict[str, str]) -> str:
        lang = self.lang
        common = {
            "id": r.id,
            "at": r.entered_at.strftime("%H:%M"),
            "by": names.get(r.entered_by, r.entered_by),
            "corrects": r.corrects or "",
            "name": names.get(r.staff, r.staff),
            "session": t(f"attendance.session.{r.session.value}", lang),
            "time": r.time.strftime("%H:%M") if r.time else "",
            "reason": t(f"attendance.reason.{r.reason}", lang)
            + (f"（{r.note}）" if r.note else ""),
            "note": r.note,
        }
        kind = "trail_void" if r.void else "trail_corrected" if r.corrects else "trail_entered"
        line = t(f"attendance.console.{kind}", lang, **common)
        if r.status == PENDING:
            return f"{line} · {t('attendance.status.pending', lang)}"
        decided = t(f"attendance.console.{r.status}", lang)
        by = names.get(r.decided_by or "", r.decided_by or "")
        at = r.decided_at.strftime("%H:%M") if r.decided_at else ""
        note = f"（{r.decision_note}）" if r.decision_note else ""
        return f"{line} · {decided} {by} {at}{note}"

    def voidable(self, staff: str, session: str | None = None) -> str | None:
        """The latest record about ``staff`` this session that the signed-in person may void."""
        now = self.ctx.local(self.clock())
        session = session or current_session(self.ctx, now).value
        state = self.recorder.refresh()
        heads = sorted(
            (
                r
                for r in state.manual.values()
                if r.staff == staff
                and r.day == now.date()
                and r.session.value == session
                and r.corrected_by is None
                and not r.void
                and r.status != "rejected"
            ),
            key=lambda r: r.id,
        )
        for head in reversed(heads):
            if self._would_accept(state, "manual.correct", corrects=head.id, void=True, note="?"):
                return head.id
        return None

    def void(self, record: str, note: str) -> Feedback:
        """A correction that cancels ``record`` (e.g. entered for the wrong person)."""
        return self.correct(record, void=True, note=note)

    def _would_accept(self, state: AttendanceState, ctype: str, **data: Any) -> bool:
        """Whether the rules would take this command from the signed-in person now."""
        if self.user is None:
            return False
        try:
            self.recorder.handlers.handle(state, Command(ctype, self.user.id, self.clock(), data))
        except Rejected:
            return False
        return True

    def sign_log(self) -> Feedback:
        return self._submit("duty.sign", "attendance.console.log_signed")

    # ------------------------------------------------------------------ the screen

    def view(self, session: SessionCode | None = None) -> ConsoleView:
        now = self.ctx.local(self.clock())
        day = now.date()
        session = session or current_session(self.ctx, now)
        state: AttendanceState = self.recorder.refresh()
        lang = self.lang
        rows = []
        for row in roll_call(self.ctx, state, day, session):
            st = row.status
            text = t(f"attendance.status.{st.status}", lang)
            if st.leave_kind:
                text += f"（{t(f'attendance.leave.{st.leave_kind}', lang)}）"
            rows.append(
                RollRow(row.staff, row.name, st.status, text, st.manual.id if st.manual else None)
            )
        attempts = [
            {
                "at": a.at.strftime("%H:%M:%S"),
                "result": a.result,
                "device": a.device,
                "text": t(f"attendance.station.{a.result}", lang),
            }
            for a in state.attempts
            if a.day == day and a.session == session
        ]
        names = {s.id: s.name for s in self.ctx.staff.values()}
        pending = [
            PendingRow(
                r.id,
                r.staff,
                names.get(r.staff, r.staff),
                t(f"attendance.session.{r.session.value}", lang),
                r.time.strftime("%H:%M") if r.time else "",
                t(f"attendance.reason.{r.reason}", lang) + (f"：{r.note}" if r.note else ""),
                names.get(r.entered_by, r.entered_by),
                r.corrects,
            )
            for r in state.manual.values()
            if r.status == PENDING and r.corrected_by is None
        ]
        leaves = [
            LeaveRow(
                leave.id,
                leave.staff,
                names.get(leave.staff, leave.staff),
                t(f"attendance.leave.{leave.kind}", lang),
                f"{leave.first.isoformat()} {t(f'attendance.session.{leave.first_half}', lang)}"
                f" – {leave.last.isoformat()} {t(f'attendance.session.{leave.last_half}', lang)}",
                leave.days,
                leave.stand_in,
                t(f"attendance.role.{leave.approver}", lang),
                self._would_accept(state, "leave.decide", leave=leave.id, decision="approve"),
            )
            for leave in state.leaves.values()
            if leave.status == PENDING
        ]
        officer, director = self.ctx.on_duty(day)
        user = self.user.id if self.user else None
        signed = state.log(day).signed
        working = session in required_sessions(self.ctx, day)
        devices = [
            {
                "device": device,
                "status": info["status"],
                "since": info["at"][11:19],
                "text": t(f"attendance.station.{info['status']}", lang),
            }
            for device, info in sorted(state.devices.items())
        ]
        busy_text = ""
        if self.busy is not None:
            client = getattr(self.recorder, "client", None)
            silent = client is not None and not client.service_responding()
            busy_text = t(f"attendance.console.{'busy_no_answer' if silent else 'busy'}", lang)
        return ConsoleView(
            lang=lang,
            busy=self.busy,
            busy_text=busy_text,
            devices=devices,
            leaves=leaves,
            day=day,
            session=session.value,
            session_text=t(f"attendance.session.{session.value}", lang),
            user=user,
            user_name=self.user.name if self.user else "",
            on_duty=(officer, director),
            rows=rows,
            counts=dict(Counter(r.status for r in rows)),
            attempts=attempts,
            pending=pending,
            log_signed=signed,
            log=[self._log_line(e, names) for e in state.log(day).entries],
            lapses=[self._lapse_line(x, names) for x in state.lapses if x.at.date() == day],
            working=working,
            can_enter=user is not None and user == officer and working and not signed,
            can_decide=user is not None and user == director,
            can_sign=user is not None
            and user == director
            and not signed
            and now >= self.ctx.sign_log_from(day),
            labels={
                key: t(f"attendance.console.{key}", lang)
                for key in (
                    "title",
                    "roll_call",
                    "no_session",
                    "failed",
                    "pending",
                    "sign_log",
                    "enter",
                    "approve",
                    "reject",
                    "outage",
                    "signed",
                    "leaves",
                    "log",
                    "lapses",
                    "report_absent",
                    "add_note",
                )
            },
        )
