"""Pure attendance rules: sessions, lateness, leave approvers, which sessions a leave covers.

Nothing here reads the clock or a file. :class:`Context` carries what the rules need from the
config (roster, schedule, rota, calendar, time zone, closing time); the handlers
(:mod:`attendance.handlers`) and the report use these functions, and so will the durable
writer when it takes the handlers over.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from hall.conf.duty import AttendanceFile, Rota, SessionCode
from hall.conf.staff import StaffMember, StaffRole
from hall.protocol import CommandRejected

if TYPE_CHECKING:
    from hall.conf import HallConfig

DAY_SESSIONS = (SessionCode.MORNING, SessionCode.AFTERNOON)
HALF_DAY = 0.5


class AttemptResult(StrEnum):
    """What the reader said about one press (``devices.fingerprint`` results)."""

    MATCHED = "matched"
    NO_MATCH = "no_match"
    UNCLEAR = "unclear"
    NO_FINGER = "no_finger"
    DEVICE_FAULT = "device_fault"


FAILED_RESULTS = frozenset(AttemptResult) - {AttemptResult.MATCHED}


class ManualReason(StrEnum):
    """Why a sign-in was entered by hand (the seed's three reasons, or other with a note)."""

    POWER_CUT = "power_cut"  # 停電
    MACHINE_FAULT = "machine_fault"  # 簽到機故障
    UNCLEAR_FINGERPRINT = "unclear_fingerprint"  # 指紋不明顯
    OTHER = "other"


class LeaveKind(StrEnum):
    BUSINESS_TRIP = "business_trip"  # 公出／出差: approved by the window head
    PERSONAL = "personal"  # 事假
    SICK = "sick"  # 病假
    ANNUAL = "annual"  # 年休假


class Half(StrEnum):
    """Which half of a day a leave starts or ends with."""

    MORNING = "morning"
    AFTERNOON = "afternoon"


class WorkingDays(Protocol):
    """The part of :class:`hall.calendar.WorkCalendar` the attendance rules use."""

    def is_working_day(self, day: date) -> bool: ...


class Rejected(CommandRejected):
    """A command the rules refuse; nothing changes. ``code`` is a stable error code."""

    @property
    def message_key(self) -> str:
        """The translation key of the text shown to a person."""
        return f"attendance.error.{self.code}"


@dataclass(frozen=True)
class Context:
    """What the rules need from the hall's config; fixed while the writer runs."""

    staff: dict[str, StaffMember]
    schedule: AttendanceFile
    rota: Rota
    calendar: WorkingDays
    tz: ZoneInfo
    closing: time

    @classmethod
    def from_config(cls, config: HallConfig) -> Context:
        if config.roster is None:
            raise ValueError(f"{config.directory} has no staff.toml: no attendance to keep")
        return cls(
            staff=dict(config.roster.by_id),
            schedule=config.roster.schedule,
            rota=config.roster.rota,
            calendar=config.calendar,
            tz=config.tz,
            closing=max(s.end for s in config.hall_file.hours.sessions),
        )

    def local(self, at: datetime) -> datetime:
        """``at`` in the hall's time zone (a naive time is taken as hall-local)."""
        if at.tzinfo is None:
            return at.replace(tzinfo=self.tz)
        return at.astimezone(self.tz)

    def member(self, staff_id: str) -> StaffMember:
        try:
            return self.staff[staff_id]
        except KeyError:
            raise Rejected("unknown_staff", f"no staff member {staff_id!r}") from None

    def staff_by_page(self, page: int | None) -> StaffMember | None:
        """The person whose finger is stored at ``page`` on the reader."""
        if page is None:
            return None
        return next((s for s in self.staff.values() if page in s.fingerprints), None)

    def on_duty(self, day: date) -> tuple[str | None, str | None]:
        """(duty officer, duty director) on ``day`` by the rota."""
        assignment = self.rota.on(day)
        if assignment is None:
            return None, None
        return assignment.officer, assignment.director

    def late_after(self, staff_id: str, day: date, session: SessionCode) -> time:
        """The time after which ``staff_id``'s punch is late; duty staff come earlier."""
        limit = self.schedule.window(session).late_after
        if session is not SessionCode.STUDY and staff_id in self.on_duty(day):
            early = timedelta(minutes=self.schedule.duty.early_minutes)
            limit = (datetime.combine(day, limit) - early).time()
        return limit

    def sign_log_from(self, day: date) -> datetime:
        """When the duty director may sign ``day``'s log (10 minutes before closing)."""
        minutes = self.schedule.duty.sign_log_minutes_before_close
        return datetime.combine(day, self.closing, self.tz) - timedelta(minutes=minutes)


@dataclass(frozen=True)
class Classified:
    """Where a punch at one moment belongs."""

    day: date
    session: SessionCode | None
    late: bool
    working_day: bool


def classify(ctx: Context, staff_id: str | None, at: datetime) -> Classified:
    """The session of a punch at ``at`` and whether it is late for ``staff_id``."""
    local = ctx.local(at)
    day = local.date()
    working = ctx.calendar.is_working_day(day)
    session = ctx.schedule.session_at(day, local.time()) if working else None
    late = False
    if session is not None and staff_id is not None:
        late = local.time().replace(tzinfo=None) > ctx.late_after(staff_id, day, session)
    return Classified(day, session, late, working)


def required_sessions(ctx: Context, day: date) -> tuple[SessionCode, ...]:
    """The sessions everyone signs in for on ``day`` (none on a day off)."""
    if not ctx.calendar.is_working_day(day):
        return ()
    if day.isoweekday() == ctx.schedule.study.weekday:
        return (*DAY_SESSIONS, SessionCode.STUDY)
    return DAY_SESSIONS


def leave_sessions(
    ctx: Context, first: date, first_half: Half, last: date, last_half: Half
) -> list[tuple[date, SessionCode]]:
    """The working half-days a leave covers, in order (study sessions not included)."""
    if (last, last_half == Half.AFTERNOON) < (first, first_half == Half.AFTERNOON):
        raise Rejected("bad_period", "a leave ends before it starts")
    out: list[tuple[date, SessionCode]] = []
    for day in _days(first, last):
        if not ctx.calendar.is_working_day(day):
            continue
        for session in DAY_SESSIONS:
            if day == first and first_half is Half.AFTERNOON and session is SessionCode.MORNING:
                continue
            if day == last and last_half is Half.MORNING and session is SessionCode.AFTERNOON:
                continue
            out.append((day, session))
    return out


def leave_approver(kind: LeaveKind, days: float) -> StaffRole:
    """Who approves a leave: the seed's three levels.

    A business trip: the window head. Other leave up to one working day: the duty director;
    more than one day (the seed: two days or more): the center director, and the member unit
    must name a stand-in.
    """
    if kind is LeaveKind.BUSINESS_TRIP:
        return StaffRole.WINDOW_HEAD
    if days <= 1:
        return StaffRole.DUTY_DIRECTOR
    return StaffRole.CENTER_DIRECTOR


def needs_stand_in(kind: LeaveKind, days: float) -> bool:
    return kind is not LeaveKind.BUSINESS_TRIP and days > 1


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
