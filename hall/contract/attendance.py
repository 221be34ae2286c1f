"""Attendance (考勤): punches and failed attempts from the sign-in station, the duty officer's
manual records and the director's decisions, leave, the daily duty log.

The rules are ``attendance/rules.py`` and ``attendance/handlers.py`` (pure), run by the writer.
Fingerprint templates never leave the reader: a punch carries the page the reader matched and
the staff id the roster gives for it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from hall.conf.model import Role
from hall.contract.base import Args, Domain, ReadModel, Stamp

StaffId = Annotated[str, Field(pattern=r"^S\d{3}$")]
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Clock = Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")]
Note = Annotated[str, Field(max_length=300)]
Device = Annotated[str, Field(min_length=1, max_length=40)]
Session = Annotated[str, Field(pattern=r"^[a-z_]{2,20}$")]


class RecordPunch(Args):
    staff: StaffId
    page: Annotated[int, Field(ge=0, le=0xFFFF)] | None = None
    device: Device
    verified: Literal["fingerprint", "manual"] = "fingerprint"


class RecordAttempt(Args):
    result: Literal["no_match", "unclear", "no_finger", "device_fault"]
    device: Device
    detail: Note = ""


class DeviceStatus(Args):
    device: Device
    status: Literal["online", "offline", "fault"]
    detail: Note = ""


class EnterManual(Args):
    """A sign-in that failed, recorded by hand: one person or a list (an outage)."""

    staff: StaffId | list[StaffId]
    session: Session
    reason: Literal["power_cut", "machine_fault", "unclear_fingerprint", "other"]
    note: Note = ""
    day: Day | None = None
    time: Clock | None = None


class CorrectManual(Args):
    corrects: Annotated[str, Field(min_length=1, max_length=20)]
    void: bool = False
    staff: StaffId | None = None
    session: Session | None = None
    reason: Literal["power_cut", "machine_fault", "unclear_fingerprint", "other"] | None = None
    note: Note | None = None
    time: Clock | None = None


class Decide(Args):
    record: Annotated[str, Field(min_length=1, max_length=20)]
    decision: Literal["approve", "reject"]
    note: Note = ""


class RequestLeave(Args):
    staff: StaffId | None = None
    kind: Annotated[str, Field(pattern=r"^[a-z_]{2,20}$")]
    first: Day
    last: Day | None = None
    first_half: Literal["morning", "afternoon"] = "morning"
    last_half: Literal["morning", "afternoon"] = "afternoon"
    stand_in: Annotated[str, Field(max_length=60)] = ""
    """Who the member unit sends meanwhile (a name: often not on the hall's roster)."""
    reason: Note = ""


class DecideLeave(Args):
    leave: Annotated[str, Field(min_length=1, max_length=20)]
    decision: Literal["approve", "reject"]
    note: Note = ""


class ReportAbsence(Args):
    staff: StaffId
    session: Session
    note: Note = ""


class DutyNote(Args):
    text: Annotated[str, Field(min_length=1, max_length=1000)]


class SignLog(Args):
    note: Note = ""


class ListLeave(Args):
    """``leave.list``: the leave requests the signed-in person may see."""

    pending: bool = False
    """Only those not yet decided."""
    staff: StaffId | None = None
    """Only this person's."""


class AttendanceResult(ReadModel):
    """The events the command caused (each ``{"type", "at", "data"}``)."""

    events: list[dict[str, Any]]


class LeaveRecord(ReadModel):
    """A leave request as the writer keeps it: what ``leave.requested`` asked for, and its
    decision. The fields are defined once, here: ``attendance.state.Leave`` is made from them
    (with the sessions the leave covers), and ``leave.list`` lists them."""

    id: str
    staff: str
    kind: str
    first: date
    first_half: str
    last: date
    last_half: str
    days: float
    approver: str
    """The staff role that decides it: ``window_head``, ``duty_director``, ``center_director``."""
    reason: str = ""
    stand_in: str = ""
    requested_by: str
    requested_at: datetime
    status: str
    """``pending``, ``approved``, ``rejected``."""
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str = ""


class LeaveEntry(LeaveRecord):
    """One row of ``leave.list`` (dates and times as ISO text)."""

    can_decide: bool = False
    """Whether the signed-in person may approve or reject it now."""


class LeaveListResult(ReadModel):
    """The signed-in person's own leave, the leave they may decide, and for the duty staff
    and the centre director everyone's; oldest first, at most 200."""

    leaves: list[LeaveEntry]


class AttendanceEvent(ReadModel):
    """Every attendance event: the rules' data plus ``local_at`` (hall-local ISO time)."""

    local_at: str


class RollCallEntry(ReadModel):
    staff: str
    name: str
    status: str
    late: bool = False
    manual: str | None = None
    leave: str | None = None


class AttendanceSnapshot(Stamp):
    """``state/attendance``: today's roll call per session, readers' status, the duty log."""

    sessions: dict[str, list[RollCallEntry]]
    failed_attempts: list[dict[str, Any]]
    """Today's failed presses (no match, unclear, no finger, device fault), newest last."""
    devices: dict[str, dict[str, Any]]
    pending: list[dict[str, Any]]
    signed: bool


class RecordEvent(ReadModel):
    """One fact of ``state/attendance.day``, as the rules fold it (without ``seq``)."""

    type: str
    at: str
    """Hall-local ISO time of the fact."""
    data: dict[str, Any]


class DayRecordSnapshot(Stamp):
    """``state/attendance.day``: the day's attendance record as events, enough to rebuild
    what the duty console shows: the day's punches and failed attempts (the last 200), every
    manual record of the day or still pending (with its whole correction chain) and their
    decisions, every leave still pending or not yet over, the day's duty log, each reader's
    last status, and the day's leave desk sign-ins that lapsed (``staff.signed_out`` with
    ``reason`` ``lapsed``, the last 200). A console started mid-day folds ``events`` (in
    order), then the stream's events after ``seq``."""

    record_day: str
    events: list[RecordEvent]
    attempts_left_out: int = 0
    """Failed attempts of the day older than those shown (200, fewer on a huge day)."""
    lapses_left_out: int = 0
    """Leave desk lapses of the day older than those shown (200, fewer on a huge day)."""
    older_pending_left_out: bool = False
    """True on a day too big for one message: other days' pending records are left out."""
    empty_too_big: bool = False
    """True (and no events) when even that was too big for one message; ``state/attendance``
    still has the roll call."""


STATION = ("punch.record", "attempt.record", "device.status")
DUTY = (
    "manual.enter",
    "manual.correct",
    "manual.decide",
    "leave.request",
    "leave.decide",
    "absence.report",
    "duty.note",
    "duty.sign",
    "leave.list",
)
LEAVE = ("leave.request", "leave.decide", "leave.list")
"""A leave desk (role ``leave``, ``hall leave``): any staff member signs in with id and PIN to
ask for their own leave or decide the leave the rules give them."""

DOMAIN = Domain(
    name="attendance",
    commands={
        "punch.record": RecordPunch,
        "attempt.record": RecordAttempt,
        "device.status": DeviceStatus,
        "manual.enter": EnterManual,
        "manual.correct": CorrectManual,
        "manual.decide": Decide,
        "leave.request": RequestLeave,
        "leave.decide": DecideLeave,
        "absence.report": ReportAbsence,
        "duty.note": DutyNote,
        "duty.sign": SignLog,
        "leave.list": ListLeave,
    },
    results={
        **dict.fromkeys((*STATION, *DUTY), AttendanceResult),
        "leave.list": LeaveListResult,
    },
    roles={
        Role.SIGNIN: STATION,
        Role.DUTY: DUTY,
        Role.LEAVE: ("staff.sign_in", "staff.sign_out", *LEAVE, "service.ping"),
    },
    events=dict.fromkeys(
        (
            "punch.recorded",
            "attempt.failed",
            "device.status",
            "manual.entered",
            "manual.corrected",
            "manual.approved",
            "manual.rejected",
            "leave.requested",
            "leave.approved",
            "leave.rejected",
            "duty.noted",
            "duty.signed",
        ),
        AttendanceEvent,
    ),
    snapshots={"attendance": AttendanceSnapshot, "attendance.day": DayRecordSnapshot},
)
