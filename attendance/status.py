"""What the record says about one person's session: present, late, pending, leave or absent.

Used by the roll call, the duty log and the monthly report. The order of precedence:
approved leave, then a counted punch, then the manual record in force (the newest approved
record of its correction chain; a void correction cancels it), then a pending manual record,
else absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from attendance.rules import Context, required_sessions
from attendance.state import APPROVED, PENDING, AttendanceState, ManualRecord
from hall.conf.duty import SessionCode

PRESENT, LATE, PENDING_STATUS, LEAVE, ABSENT = "present", "late", "pending", "leave", "absent"


@dataclass(frozen=True)
class SessionStatus:
    status: str
    leave_kind: str | None = None
    manual: ManualRecord | None = None
    """The manual record behind a present/late/pending status."""


def in_force(state: AttendanceState, head: ManualRecord) -> ManualRecord | None:
    """The record of ``head``'s chain that stands: the newest approved one, unless void."""
    for record in reversed(state.chain(head.id)):
        if record.status == APPROVED:
            return None if record.void else record
    return None


def leave_on(state: AttendanceState, staff: str, day: date, session: SessionCode) -> str | None:
    """The kind of an approved leave covering the session (study: the afternoon's leave)."""
    wanted = SessionCode.AFTERNOON if session is SessionCode.STUDY else session
    for leave in state.leaves.values():
        if leave.staff == staff and leave.status == APPROVED and (day, wanted) in leave.sessions:
            return leave.kind
    return None


@dataclass(frozen=True)
class ManualIndex:
    """Which manual record stands for each (staff, day, session), and which are pending.

    A correction may change the person or the session, so every chain is looked at as a whole:
    the record in force counts for its own (staff, day, session); a pending chain head shows
    as pending for its own.
    """

    standing: dict[tuple[str, date, SessionCode], ManualRecord]
    pending: dict[tuple[str, date, SessionCode], ManualRecord]

    @classmethod
    def build(cls, state: AttendanceState) -> ManualIndex:
        standing: dict[tuple[str, date, SessionCode], ManualRecord] = {}
        pending: dict[tuple[str, date, SessionCode], ManualRecord] = {}
        for head in state.manual.values():
            if head.corrected_by is not None:
                continue
            record = in_force(state, head)
            if record is not None:
                standing.setdefault((record.staff, record.day, record.session), record)
            if head.status == PENDING:
                pending.setdefault((head.staff, head.day, head.session), head)
        return cls(standing, pending)


def session_status(
    state: AttendanceState,
    staff: str,
    day: date,
    session: SessionCode,
    index: ManualIndex | None = None,
) -> SessionStatus:
    """The status of one session; pass ``index`` when asking about many."""
    kind = leave_on(state, staff, day, session)
    if kind is not None:
        return SessionStatus(LEAVE, leave_kind=kind)
    late = state.counted.get((staff, day, session))
    if late is not None:
        return SessionStatus(LATE if late else PRESENT)
    index = index or ManualIndex.build(state)
    key = (staff, day, session)
    record = index.standing.get(key)
    if record is not None:
        return SessionStatus(LATE if record.late else PRESENT, manual=record)
    if key in index.pending:
        return SessionStatus(PENDING_STATUS, manual=index.pending[key])
    return SessionStatus(ABSENT)


@dataclass(frozen=True)
class RollCallRow:
    staff: str
    name: str
    status: SessionStatus


def roll_call(
    ctx: Context, state: AttendanceState, day: date, session: SessionCode
) -> list[RollCallRow]:
    """Everyone on the roster for one session of ``day``, in roster order."""
    if session not in required_sessions(ctx, day):
        return []
    index = ManualIndex.build(state)
    return [
        RollCallRow(m.id, m.name, session_status(state, m.id, day, session, index))
        for m in ctx.staff.values()
    ]
