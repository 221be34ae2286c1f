"""Attendance (考勤): punches and failed attempts from the sign-in station, the duty officer's
manual records and the director's decisions, leave, the daily duty log.

The rules are ``attendance/rules.py`` and ``attendance/handlers.py`` (pure), run by the writer.
Fingerprint templates never leave the reader: a punch carries the page the reader matched and
the staff id the roster gives for it.
"""

from __future__ import annotations

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
    stand_in: StaffId | None = None
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


class AttendanceResult(ReadModel):
    """The events the command caused (each ``{"type", "at", "data"}``)."""

    events: list[dict[str, Any]]


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
)

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
    },
    results=dict.fromkeys((*STATION, *DUTY), AttendanceResult),
    roles={Role.SIGNIN: STATION, Role.DUTY: DUTY},
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
    snapshots={"attendance": AttendanceSnapshot},
)
