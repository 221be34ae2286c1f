"""Sign-in schedule (``config/attendance.toml``) and the duty rota (``config/rota.toml``).

The schedule names the two daily sign-in sessions (morning, afternoon) with the time the
reader starts taking punches, the time after which a punch is late and the time it stops,
and the Monday-evening study session (missing it counts as half a day's absence).

The rota says who is duty officer (值班人員) and duty director (值班主任) each day. The
office sets weekly patterns valid from a date and one-day changes, always ahead of time;
entries are added, never edited, so the file is its own history: for any day
:meth:`Rota.history` lists every assignment that was ever set for it, and :meth:`Rota.on`
gives the one in force (optionally as known on an earlier date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from hall.conf.model import Strict, Text
from hall.conf.staff import StaffMember, StaffRole

if TYPE_CHECKING:
    from hall.conf.load import ConfigIssue

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class SessionCode(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    STUDY = "study"


class PunchWindow(Strict):
    """When the reader takes punches for one session, and when they become late."""

    opens: time
    late_after: time
    closes: time

    @model_validator(mode="after")
    def _ordered(self) -> PunchWindow:
        if not self.opens <= self.late_after < self.closes:
            raise ValueError("need opens <= late_after < closes")
        return self

    def holds(self, at: time) -> bool:
        return self.opens <= at < self.closes


class SignInSession(PunchWindow):
    code: SessionCode
    name: Text


class StudySession(PunchWindow):
    """The Monday-evening study session (周一晚學習)."""

    name: Text
    weekday: int = Field(default=1, ge=1, le=7)
    absence_days: float = Field(default=0.5, gt=0, le=1)
    """Missing it counts as this much absence (the seed: half a day)."""


class DutyRules(Strict):
    early_minutes: int = Field(default=10, ge=0, le=60)
    """Duty staff arrive this much before the others: their punch is late earlier."""
    sign_log_minutes_before_close: int = Field(default=10, ge=0, le=120)
    """The duty director signs the day's log from this long before closing (hall.toml hours)."""


class AttendanceFile(Strict):
    """Contents of ``attendance.toml``."""

    session: list[SignInSession] = Field(min_length=2, max_length=2)
    study: StudySession
    duty: DutyRules = DutyRules()

    @model_validator(mode="after")
    def _sessions(self) -> AttendanceFile:
        codes = [s.code for s in self.session]
        if codes != [SessionCode.MORNING, SessionCode.AFTERNOON]:
            raise ValueError("sessions are 'morning' then 'afternoon'")
        morning, afternoon = self.session
        if afternoon.opens < morning.closes:
            raise ValueError("the afternoon session opens after the morning one closes")
        if self.study.opens < afternoon.closes:
            raise ValueError("the study session opens after the afternoon session closes")
        return self

    def session_at(self, day: date, at: time) -> SessionCode | None:
        """The session a punch at ``at`` on ``day`` belongs to (study only on its weekday)."""
        for s in self.session:
            if s.holds(at):
                return s.code
        if day.isoweekday() == self.study.weekday and self.study.holds(at):
            return SessionCode.STUDY
        return None

    def window(self, code: SessionCode) -> PunchWindow:
        if code is SessionCode.STUDY:
            return self.study
        return next(s for s in self.session if s.code is code)


# ------------------------------------------------------------------- the rota


class DayDuty(Strict):
    officer: str
    director: str

    @model_validator(mode="after")
    def _two_people(self) -> DayDuty:
        if self.officer == self.director:
            raise ValueError("the duty officer and the duty director are two different people")
        return self


class RotaPattern(Strict):
    """A weekly pattern in force from ``valid_from`` until a later pattern starts."""

    valid_from: date
    set_on: date
    set_by: str = Field(min_length=1)
    monday: DayDuty | None = None
    tuesday: DayDuty | None = None
    wednesday: DayDuty | None = None
    thursday: DayDuty | None = None
    friday: DayDuty | None = None
    saturday: DayDuty | None = None
    sunday: DayDuty | None = None

    @model_validator(mode="after")
    def _ahead(self) -> RotaPattern:
        if self.set_on > self.valid_from:
            raise ValueError("a pattern is set ahead of time: set_on must not be after valid_from")
        return self

    def for_weekday(self, iso: int) -> DayDuty | None:
        return getattr(self, WEEKDAYS[iso - 1])


class RotaChange(Strict):
    """A one-day change, set before that day."""

    date: date
    officer: str
    director: str
    set_on: date
    set_by: str = Field(min_length=1)
    reason: str = ""

    @model_validator(mode="after")
    def _valid(self) -> RotaChange:
        if self.set_on >= self.date:
            raise ValueError("a change is set ahead of time: set_on must be before date")
        if self.officer == self.director:
            raise ValueError("the duty officer and the duty director are two different people")
        return self


class RotaFile(Strict):
    """Contents of ``rota.toml``."""

    pattern: list[RotaPattern] = Field(min_length=1)
    change: list[RotaChange] = Field(default_factory=list)


@dataclass(frozen=True)
class Assignment:
    """Who is on duty one day, and which rota entry says so."""

    day: date
    officer: str
    director: str
    set_on: date
    set_by: str
    source: str
    """``pattern from YYYY-MM-DD`` or ``change`` (with its reason)."""


@dataclass(frozen=True)
class Rota:
    file: RotaFile

    def history(self, day: date) -> list[Assignment]:
        """Every assignment ever set for ``day``, oldest first; the last one is in force."""
        out: list[tuple[date, int, Assignment]] = []
        for order, p in enumerate(self.file.pattern):
            duty = p.for_weekday(day.isoweekday())
            if duty is None or p.valid_from > day:
                continue
            src = f"pattern from {p.valid_from.isoformat()}"
            out.append(
                (
                    p.valid_from,
                    order,
                    Assignment(day, duty.officer, duty.director, p.set_on, p.set_by, src),
                )
            )
        patterns = [a for _, _, a in sorted(out, key=lambda x: (x[0], x[2].set_on, x[1]))]
        changes = [
            Assignment(day, c.officer, c.director, c.set_on, c.set_by, f"change: {c.reason}")
            for c in sorted((c for c in self.file.change if c.date == day), key=lambda c: c.set_on)
        ]
        return patterns + changes

    def on(self, day: date, as_of: date | None = None) -> Assignment | None:
        """The assignment in force for ``day`` (as known on ``as_of``), or None."""
        known = [a for a in self.history(day) if as_of is None or a.set_on <= as_of]
        changes = [a for a in known if a.source.startswith("change")]
        if changes:
            return changes[-1]
        return known[-1] if known else None


def check_rota(rota: RotaFile, staff: dict[str, StaffMember]) -> list[ConfigIssue]:
    """Every named person exists and holds the role the rota gives them."""
    from hall.conf.load import ConfigIssue

    issues: list[ConfigIssue] = []

    def person(key: str, who: str, role: StaffRole) -> None:
        member = staff.get(who)
        if member is None:
            issues.append(ConfigIssue("rota.toml", key, f"unknown staff {who!r}"))
        elif role not in member.roles:
            issues.append(ConfigIssue("rota.toml", key, f"{who} is not a {role.value}"))

    for n, p in enumerate(rota.pattern):
        for day in WEEKDAYS:
            duty = getattr(p, day)
            if duty is not None:
                key = f"pattern[{n}].{day}"
                person(f"{key}.officer", duty.officer, StaffRole.DUTY_OFFICER)
                person(f"{key}.director", duty.director, StaffRole.DUTY_DIRECTOR)
    for n, c in enumerate(rota.change):
        key = f"change[{n}]({c.date.isoformat()})"
        person(f"{key}.officer", c.officer, StaffRole.DUTY_OFFICER)
        person(f"{key}.director", c.director, StaffRole.DUTY_DIRECTOR)
    return issues
