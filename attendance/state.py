"""Attendance state, changed only by folding events in with :func:`apply`.

Commands and events are plain JSON-ready records (:class:`Command`, :class:`Event`) so the
durable writer can log and publish them as it does the queue's. Nothing is ever edited or
removed: a manual record is corrected by a new record that points at it, a decision is a new
event, and :func:`apply` only adds records or fills in the fields an event decides.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, make_dataclass
from datetime import date, datetime, time
from typing import Any

from hall.conf.duty import SessionCode
from hall.contract.attendance import LeaveRecord

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True)
class Command:
    """One request: who gives it (staff id, or the station's device id), when, what."""

    type: str
    by: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "by": self.by,
            "at": self.at.isoformat(),
            "data": self.data,
        }


@dataclass(frozen=True)
class Event:
    """One fact, with everything needed to fold it in (no config, no clock)."""

    type: str
    at: str
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "at": self.at, "data": self.data}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Event:
        return cls(raw["type"], raw["at"], dict(raw["data"]))


@dataclass
class Punch:
    """A sign-in on the reader. A second punch in a session is kept with ``counted`` False."""

    id: str
    staff: str
    page: int | None
    day: date
    session: SessionCode | None
    at: datetime
    device: str
    verified: str
    late: bool
    counted: bool


@dataclass
class Attempt:
    """A failed press: no match, unclear, no finger, device fault."""

    id: str
    result: str
    day: date
    session: SessionCode | None
    at: datetime
    device: str
    detail: str = ""


@dataclass
class ManualRecord:
    """A sign-in entered by the duty officer; pending until the duty director decides."""

    id: str
    staff: str
    day: date
    session: SessionCode
    time: time | None
    late: bool
    reason: str
    note: str
    entered_by: str
    entered_at: datetime
    batch: str | None = None
    corrects: str | None = None
    void: bool = False
    status: str = PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str = ""
    corrected_by: str | None = None


def _wire(value: Any) -> Any:
    """A field as JSON has it: a date or a time as ISO text."""
    return _iso(value) if isinstance(value, date | time) else value


def _leave_record() -> Any:
    """The mutable record of a leave: the fields of ``hall.contract.attendance.LeaveRecord``
    (documented there; names, order, defaults), then the sessions it covers; ``public()`` is
    the contract's fields as JSON has them (``leave.list``)."""
    specs: list[tuple[str, Any, Any]] = [
        (name, info.annotation, field() if info.is_required() else field(default=info.default))
        for name, info in LeaveRecord.model_fields.items()
    ]
    specs.append(("sessions", list[tuple[date, SessionCode]], field(default_factory=list)))
    names = tuple(LeaveRecord.model_fields)

    def public(self: Any) -> dict[str, Any]:
        return {name: _wire(getattr(self, name)) for name in names}

    return make_dataclass(
        "Leave",
        specs,
        kw_only=True,  # the contract's order has defaults between required fields
        namespace={"public": public, "__module__": __name__, "__doc__": _leave_record.__doc__},
    )


Leave = _leave_record()


@dataclass
class DutyLog:
    """The day's duty log (值班記錄): notes and reported absences, then the signature."""

    day: date
    entries: list[dict[str, Any]] = field(default_factory=list)
    signed_by: str | None = None
    signed_at: datetime | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def signed(self) -> bool:
        return self.signed_by is not None


@dataclass
class DeskLapse:
    """A leave desk's sign-in that the writer ended after ``leave_desk_session_s`` without a
    command there (``staff.signed_out`` with ``reason = "lapsed"``, owned by the staff domain;
    the attendance record keeps it for the duty consoles' day)."""

    client: str
    staff: str
    at: datetime
    idle_s: float


@dataclass
class AttendanceState:
    punches: list[Punch] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    manual: dict[str, ManualRecord] = field(default_factory=dict)
    leaves: dict[str, Leave] = field(default_factory=dict)
    logs: dict[date, DutyLog] = field(default_factory=dict)
    counted: dict[tuple[str, date, SessionCode], bool] = field(default_factory=dict)
    """(staff, day, session) signed in by a counted punch -> whether that punch was late."""
    devices: dict[str, dict[str, str]] = field(default_factory=dict)
    """Sign-in readers: device id -> {status, detail, at} as last reported."""
    lapses: list[DeskLapse] = field(default_factory=list)
    """Leave desk sign-ins that lapsed, oldest first."""
    serial: dict[str, int] = field(default_factory=dict)
    """Last number used per id prefix (P punch, F attempt, M manual, L leave, B batch)."""
    events: int = 0

    def next_id(self, prefix: str, offset: int = 1) -> str:
        return f"{prefix}{self.serial.get(prefix, 0) + offset:05d}"

    def log(self, day: date) -> DutyLog:
        return self.logs.get(day) or DutyLog(day)

    def chain(self, record_id: str) -> list[ManualRecord]:
        """The record and every correction after it, oldest first (the full trail)."""
        first = self.manual[record_id]
        while first.corrects is not None:
            first = self.manual[first.corrects]
        out = [first]
        while out[-1].corrected_by is not None:
            out.append(self.manual[out[-1].corrected_by])  # type: ignore[index]
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dump (for tests and the console)."""
        return {
            "punches": [asdict(p) for p in self.punches],
            "attempts": [asdict(a) for a in self.attempts],
            "manual": {k: asdict(v) for k, v in self.manual.items()},
            "leaves": {k: asdict(v) for k, v in self.leaves.items()},
            "logs": {d.isoformat(): asdict(v) for d, v in self.logs.items()},
            "devices": dict(self.devices),
            "lapses": [asdict(x) for x in self.lapses],
        }


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _t(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _s(text: str | None) -> SessionCode | None:
    return SessionCode(text) if text else None


def _bump(state: AttendanceState, record_id: str) -> None:
    prefix, number = record_id[:1], int(record_id[1:])
    state.serial[prefix] = max(state.serial.get(prefix, 0), number)


def apply(state: AttendanceState, event: Event) -> None:
    """Fold one event into ``state``; the only place state changes."""
    d = event.data
    kind = event.type
    state.events += 1
    if kind == "punch.recorded":
        punch = Punch(
            d["id"],
            d["staff"],
            d.get("page"),
            _d(d["day"]),
            _s(d.get("session")),
            _dt(event.at),
            d["device"],
            d["verified"],
            d["late"],
            d["counted"],
        )
        state.punches.append(punch)
        if punch.counted and punch.session is not None:
            state.counted[(punch.staff, punch.day, punch.session)] = punch.late
        _bump(state, punch.id)
    elif kind == "attempt.failed":
        state.attempts.append(
            Attempt(
                d["id"],
                d["result"],
                _d(d["day"]),
                _s(d.get("session")),
                _dt(event.at),
                d["device"],
                d.get("detail", ""),
            )
        )
        _bump(state, d["id"])
    elif kind in ("manual.entered", "manual.corrected"):
        record = ManualRecord(
            d["id"],
            d["staff"],
            _d(d["day"]),
            SessionCode(d["session"]),
            _t(d.get("time")),
            d["late"],
            d["reason"],
            d.get("note", ""),
            d["entered_by"],
            _dt(event.at),
            batch=d.get("batch"),
            corrects=d.get("corrects"),
            void=d.get("void", False),
        )
        state.manual[record.id] = record
        if record.corrects is not None:
            state.manual[record.corrects].corrected_by = record.id
        _bump(state, record.id)
        if record.batch:
            _bump(state, record.batch)
    elif kind in ("manual.approved", "manual.rejected"):
        record = state.manual[d["id"]]
        record.status = APPROVED if kind == "manual.approved" else REJECTED
        record.decided_by = d["by"]
        record.decided_at = _dt(event.at)
        record.decision_note = d.get("note", "")
    elif kind == "leave.requested":
        state.leaves[d["id"]] = Leave(
            id=d["id"],
            staff=d["staff"],
            kind=d["kind"],
            first=_d(d["first"]),
            first_half=d["first_half"],
            last=_d(d["last"]),
            last_half=d["last_half"],
            days=d["days"],
            approver=d["approver"],
            reason=d.get("reason", ""),
            stand_in=d.get("stand_in", ""),
            requested_by=d["requested_by"],
            requested_at=_dt(event.at),
            status=PENDING,
            sessions=[(_d(day), SessionCode(s)) for day, s in d["sessions"]],
        )
        _bump(state, d["id"])
    elif kind in ("leave.approved", "leave.rejected"):
        leave = state.leaves[d["id"]]
        leave.status = APPROVED if kind == "leave.approved" else REJECTED
        leave.decided_by = d["by"]
        leave.decided_at = _dt(event.at)
        leave.decision_note = d.get("note", "")
    elif kind == "duty.noted":
        log = state.logs.setdefault(_d(d["day"]), DutyLog(_d(d["day"])))
        log.entries.append({"at": event.at, **d})
    elif kind == "device.status":
        state.devices[d["device"]] = {"status": d["status"], "detail": d["detail"], "at": event.at}
    elif kind == "duty.signed":
        log = state.logs.setdefault(_d(d["day"]), DutyLog(_d(d["day"])))
        log.signed_by = d["by"]
        log.signed_at = _dt(event.at)
        log.summary = dict(d["summary"])
    elif kind == "staff.signed_out":
        if d.get("reason") == "lapsed":  # only a lapse is an attendance fact
            state.lapses.append(DeskLapse(d["client"], d["staff"], _dt(event.at), d["idle_s"]))
    else:
        raise ValueError(f"unknown attendance event {kind!r}")


def replay(events: list[Event]) -> AttendanceState:
    state = AttendanceState()
    for event in events:
        apply(state, event)
    return state


def _iso(value: date | time | datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat("minutes") if isinstance(value, time) else value.isoformat()


def day_record(
    state: AttendanceState, day: date, max_recent: int = 200, older_pending: bool = True
) -> tuple[list[Event], int, int]:
    """The events that rebuild what a console shows of ``day``: the day's punches, failed
    attempts and leave desk lapses (the last ``max_recent`` of each), every manual record of
    the day or still pending with its whole correction chain and decisions, every leave
    pending or not over by ``day``, the day's duty log, each reader's last status. Folding
    them (:func:`replay`) gives those records exactly as ``state`` has them; returns the events
    and how many older attempts and older lapses were left out. Without ``older_pending`` the
    pending records of other days are left out too (whole chains: what is kept still folds)."""
    out: list[tuple[str, Event]] = []

    def add(at: datetime | str, etype: str, data: dict[str, Any]) -> None:
        text = at if isinstance(at, str) else at.isoformat()
        out.append((text, Event(etype, text, data)))

    for p in state.punches:
        if p.day == day:
            add(p.at, "punch.recorded", {
                "id": p.id, "staff": p.staff, "page": p.page, "day": _iso(p.day),
                "session": p.session.value if p.session else None, "device": p.device,
                "verified": p.verified, "late": p.late, "counted": p.counted,
            })  # fmt: skip
    attempts = [a for a in state.attempts if a.day == day]
    left_out = max(0, len(attempts) - max_recent)
    for a in attempts[left_out:]:
        add(a.at, "attempt.failed", {
            "id": a.id, "result": a.result, "day": _iso(a.day),
            "session": a.session.value if a.session else None, "device": a.device,
            "detail": a.detail,
        })  # fmt: skip
    wanted = {
        r.id
        for r in state.manual.values()
        if r.day == day or (older_pending and r.status == PENDING)
    }
    chains = {c.id for rid in wanted for c in state.chain(rid)}
    for rid in sorted(chains):
        r = state.manual[rid]
        data = {
            "id": r.id, "staff": r.staff, "day": _iso(r.day), "session": r.session.value,
            "time": _iso(r.time), "late": r.late, "reason": r.reason, "note": r.note,
            "entered_by": r.entered_by, "batch": r.batch,
        }  # fmt: skip
        if r.corrects is not None:
            data |= {"corrects": r.corrects, "void": r.void}
        add(r.entered_at, "manual.corrected" if r.corrects else "manual.entered", data)
        if r.status != PENDING and r.decided_at is not None:
            etype = "manual.approved" if r.status == APPROVED else "manual.rejected"
            add(r.decided_at, etype, {"id": r.id, "by": r.decided_by, "note": r.decision_note})
    for leave in state.leaves.values():
        if leave.status != PENDING and leave.last < day:
            continue
        add(leave.requested_at, "leave.requested", {
            "id": leave.id, "staff": leave.staff, "kind": leave.kind,
            "first": _iso(leave.first), "first_half": leave.first_half,
            "last": _iso(leave.last), "last_half": leave.last_half,
            "sessions": [[_iso(d), s.value] for d, s in leave.sessions], "days": leave.days,
            "approver": leave.approver, "reason": leave.reason, "stand_in": leave.stand_in,
            "requested_by": leave.requested_by,
        })  # fmt: skip
        if leave.status != PENDING and leave.decided_at is not None:
            etype = "leave.approved" if leave.status == APPROVED else "leave.rejected"
            add(leave.decided_at, etype, {
                "id": leave.id, "by": leave.decided_by, "note": leave.decision_note,
            })  # fmt: skip
    log = state.logs.get(day)
    if log is not None:
        for entry in log.entries:
            add(str(entry["at"]), "duty.noted", {k: v for k, v in entry.items() if k != "at"})
        if log.signed_at is not None:
            add(log.signed_at, "duty.signed", {
                "day": _iso(day), "by": log.signed_by, "summary": dict(log.summary),
            })  # fmt: skip
    for device, info in state.devices.items():
        add(info["at"], "device.status", {
            "device": device, "status": info["status"], "detail": info.get("detail", ""),
        })  # fmt: skip
    lapses = [x for x in state.lapses if x.at.date() == day]
    lapses_left_out = max(0, len(lapses) - max_recent)
    for x in lapses[lapses_left_out:]:
        add(x.at, "staff.signed_out", {
            "client": x.client, "staff": x.staff, "reason": "lapsed", "idle_s": x.idle_s,
        })  # fmt: skip
    # Time order, so a decision follows its record; ties keep the order above (records before
    # their decisions, a correction after what it corrects: ids grow with time).
    ranked = sorted(range(len(out)), key=lambda i: (datetime.fromisoformat(out[i][0]), i))
    return [out[i][1] for i in ranked], left_out, lapses_left_out
