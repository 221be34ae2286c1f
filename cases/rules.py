"""Case rules of the 辦件管理辦法 and the 限時辦結制度, as pure functions over :class:`Case`.

A :class:`Case` is an immutable record; every function returns a new one with one more
:class:`Change` in its history (who, when, what): nothing is edited away. A change the rules do
not allow raises :class:`CaseRuleError` with a stable ``code`` (the writer's refusal code).
No clock, no I/O: times are the hall's local times, passed in by the caller.

Statuses and the moves between them (:data:`TRANSITIONS`)::

    accepted ──► in_progress ──► done                      (result delivered)
       │  ▲          │  └──────► opinions_in ──► done      (聯辦件: every partner opinion is in)
       │  │          └─────────► waiting_materials         (補辦件: something is missing)
       │  └── waiting_materials (materials complete: the clock starts, as another kind)
       └──────────────────────────────► replied ──► recheck_requested ──► in_progress | replied
                            (答覆件: refused with a reason; 業務科 re-checks)

Deadlines (:func:`due`): the item's promised limit counted by :func:`hall.calendar.case_due`
(day after receipt; after completed materials; after a registered hand-over), or the extended
date. Overdue (:func:`overdue`) follows 第十一條 and 第十二條 of the 限時辦結制度.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from hall.calendar import DayUnit, WorkCalendar, case_due
from hall.conf.model import CaseKind

PARTNER_OPINION_DAYS = 5
"""聯辦件: each partner unit returns its opinion within 5 working days of the notice."""
SPECIAL_NEEDS_DAYS = 1
"""聯辦件: special needs (a site survey by two or more units) are reported within 1 working day."""


class Status(StrEnum):
    ACCEPTED = "accepted"  # 受理
    IN_PROGRESS = "in_progress"  # 辦理中
    WAITING_MATERIALS = "waiting_materials"  # 待補材料
    OPINIONS_IN = "opinions_in"  # 會辦意見齊
    DONE = "done"  # 辦結（結果已交付）
    REPLIED = "replied"  # 已答覆（不予辦理，附理由）
    RECHECK_REQUESTED = "recheck_requested"  # 申請覆核


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.ACCEPTED: frozenset(
        {Status.IN_PROGRESS, Status.DONE, Status.REPLIED, Status.WAITING_MATERIALS}
    ),
    Status.IN_PROGRESS: frozenset(
        {Status.WAITING_MATERIALS, Status.OPINIONS_IN, Status.DONE, Status.REPLIED}
    ),
    Status.WAITING_MATERIALS: frozenset({Status.ACCEPTED, Status.REPLIED}),
    Status.OPINIONS_IN: frozenset({Status.DONE, Status.REPLIED}),
    Status.REPLIED: frozenset({Status.RECHECK_REQUESTED}),
    Status.RECHECK_REQUESTED: frozenset({Status.IN_PROGRESS, Status.REPLIED}),
    Status.DONE: frozenset(),
}
"""Status -> the statuses it may move to. ``done`` is final."""

CLOSED = frozenset({Status.DONE, Status.REPLIED})
"""The applicant has the result or the written reply (第九條: delivery day = completion day)."""

KINDS_AFTER_MATERIALS = frozenset({CaseKind.IMMEDIATE, CaseKind.PROMISED, CaseKind.JOINT})


class OverdueReason(StrEnum):
    """第十一條: what makes a case overdue (逾時辦結)."""

    NOT_DELIVERED = "not_delivered"  # 超過承諾時限未辦結／未交付結果 (一般 + 第四款)
    REFUSED_WITHOUT_REASON = "refused_without_reason"  # 無正當理由不予受理 (第一款)
    NOT_ANSWERED = "not_answered"  # 不按規定答覆 (第二款)
    LATE_EXTENSION = "late_extension"  # 超過時限才提出延期 (第三款)


class CaseRuleError(ValueError):
    """A change the rules refuse; ``code`` is stable and machine-readable.

    ``record`` is set when the refusal itself must be kept: an extension asked for after the
    deadline is refused, and the record notes the late request (it makes the case overdue).
    """

    def __init__(self, code: str, message: str, record: Case | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.record = record


@dataclass(frozen=True)
class Limit:
    """An item's promised limit (``promised_days`` and ``days_unit`` in ``items.toml``)."""

    days: int
    unit: DayUnit = DayUnit.WORKING


@dataclass(frozen=True)
class Change:
    """One entry of a case's history."""

    at: datetime
    by: str
    action: str
    """``register``, ``status``, ``hand_over``, ``extension``, ``extension_late``,
    ``partners_notified``, ``partner_opinion``, ``special_needs``, ``result_ready``,
    ``applicant_absent``."""
    status: Status | None = None
    reason: str = ""
    detail: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PartnerTask:
    """A partner unit of a 聯辦件, from the business section's notice to its opinion."""

    unit: str
    notified: date
    opinion_due: date
    special_due: date
    opinion_on: date | None = None
    special_reported_on: date | None = None


@dataclass(frozen=True)
class PartnerLate:
    unit: str
    what: str
    """``opinion`` or ``special_needs``."""
    due: date
    done_on: date | None
    """When it came in (late), or None while still missing."""


@dataclass(frozen=True)
class Case:
    number: str
    kind: CaseKind
    item: str
    unit: str
    """The accepting unit (for a 聯辦件: the lead unit)."""
    window: str
    received: date
    limit: Limit
    status: Status
    history: tuple[Change, ...]
    materials_complete: date | None = None
    handed_over: date | None = None
    extended_to: date | None = None
    result_ready: date | None = None
    applicant_absent: date | None = None
    closed_on: date | None = None
    partners: tuple[PartnerTask, ...] = field(default=())

    def _with(self, change: Change, **updates: object) -> Case:
        return replace(self, history=(*self.history, change), **updates)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- register


def initial_status(kind: CaseKind) -> Status:
    """补辦件 waits for materials; 答覆件 is replied on the spot; the rest are accepted."""
    if kind is CaseKind.SUPPLEMENT:
        return Status.WAITING_MATERIALS
    if kind is CaseKind.REPLY:
        return Status.REPLIED
    return Status.ACCEPTED


def register(
    *,
    number: str,
    kind: CaseKind,
    item: str,
    unit: str,
    window: str,
    limit: Limit,
    by: str,
    at: datetime,
    reason: str = "",
) -> Case:
    """A new case received at ``at`` by ``by`` (the first handler, 首辦負責人).

    A 答覆件 needs the ``reason`` the application does not qualify.
    """
    _need_actor(by)
    status = initial_status(kind)
    if kind is CaseKind.REPLY and not reason.strip():
        raise CaseRuleError("reason_required", "a reply case states why the application fails")
    change = Change(at, by, "register", status, reason, (("kind", kind.value),))
    closed = at.date() if status in CLOSED else None
    return Case(
        number,
        kind,
        item,
        unit,
        window,
        at.date(),
        limit,
        status,
        (change,),
        None,
        None,
        None,
        None,
        None,
        closed,
    )


def _need_actor(by: str) -> None:
    if not by.strip():
        raise CaseRuleError("actor_required", "every change names who made it")


def _not_before(case: Case, at: datetime) -> None:
    if case.history and at < case.history[-1].at:
        raise CaseRuleError("time_goes_back", f"{at.isoformat()} is before the last change")


# -------------------------------------------------------------------------- transitions


def can_move(case: Case, to: Status) -> bool:
    return to in TRANSITIONS[case.status]


def transition(
    case: Case,
    to: Status,
    *,
    by: str,
    at: datetime,
    reason: str = "",
    kind: CaseKind | None = None,
) -> Case:
    """Move ``case`` to status ``to``; refuse what :data:`TRANSITIONS` and the kinds forbid.

    - ``replied`` needs a ``reason`` (無正當理由不予受理 is overdue).
    - ``opinions_in`` only for a 聯辦件 whose partners were notified and all answered.
    - ``waiting_materials -> accepted`` (materials complete) needs the ``kind`` the case goes on
      as (immediate, promised or joint); its clock starts the next day.
    """
    _need_actor(by)
    _not_before(case, at)
    if not can_move(case, to):
        raise CaseRuleError(
            "illegal_transition", f"case {case.number} cannot go from {case.status} to {to}"
        )
    updates: dict[str, object] = {"status": to}
    detail: tuple[tuple[str, str], ...] = ()
    if to is Status.REPLIED and not reason.strip():
        raise CaseRuleError("reason_required", "a refusal states its reason")
    if to is Status.OPINIONS_IN:
        if case.kind is not CaseKind.JOINT:
            raise CaseRuleError("not_joint", f"case {case.number} is not a joint case")
        if not case.partners:
            raise CaseRuleError("partners_not_notified", "no partner unit was notified")
        missing = [p.unit for p in case.partners if p.opinion_on is None]
        if missing:
            raise CaseRuleError("opinions_missing", f"opinions missing from {', '.join(missing)}")
    if case.status is Status.WAITING_MATERIALS and to is Status.ACCEPTED:
        if kind not in KINDS_AFTER_MATERIALS:
            raise CaseRuleError(
                "kind_required",
                "with complete materials the case goes on as immediate, promised or joint",
            )
        updates.update(kind=kind, materials_complete=at.date())
        detail = (("kind", kind.value),)
    elif kind is not None and kind is not case.kind:
        raise CaseRuleError("kind_fixed", "a case changes its kind only when materials complete")
    if to is Status.WAITING_MATERIALS:
        updates["materials_complete"] = None  # the clock stops until they are complete
    if to in CLOSED:
        updates["closed_on"] = at.date()
    elif case.status in CLOSED:
        updates["closed_on"] = None
    return case._with(Change(at, by, "status", to, reason, detail), **updates)


def hand_over(case: Case, *, to_window: str, by: str, at: datetime) -> Case:
    """A registered hand-over between windows: the clock restarts the day after it."""
    _need_actor(by)
    _not_before(case, at)
    if case.status in CLOSED:
        raise CaseRuleError("case_closed", f"case {case.number} is {case.status}")
    change = Change(at, by, "hand_over", detail=(("from", case.window), ("to", to_window)))
    return case._with(change, window=to_window, handed_over=at.date())


# ---------------------------------------------------------------------------- deadlines


def base_due(case: Case, cal: WorkCalendar) -> date | None:
    """The due date before any extension; None while the clock has not started (補辦件)."""
    if case.kind is CaseKind.SUPPLEMENT or case.status is Status.WAITING_MATERIALS:
        return None
    return case_due(
        cal,
        case.received,
        case.limit.days,
        case.limit.unit,
        materials_complete=case.materials_complete,
        handed_over=case.handed_over,
    )


def due(case: Case, cal: WorkCalendar) -> date | None:
    """The day the case must be closed by (the extended date when an extension was granted)."""
    base = base_due(case, cal)
    if base is None:
        return None
    return max(base, case.extended_to) if case.extended_to else base


def extend(
    case: Case,
    cal: WorkCalendar,
    *,
    days: int,
    by: str,
    approver: str,
    at: datetime,
    reason: str,
) -> Case:
    """Extend the limit by ``days`` working days (第十條: special circumstances, approved).

    Refused for a 承諾件 (不得延長), without an approver or a reason, and after the deadline:
    that refusal carries the record with the late request noted (it makes the case overdue).
    """
    _need_actor(by)
    _not_before(case, at)
    if case.kind is CaseKind.PROMISED:
        raise CaseRuleError("extension_not_allowed", "a promised case cannot be extended")
    if not approver.strip() or approver == by:
        raise CaseRuleError("approver_required", "an extension needs another person's approval")
    if not reason.strip():
        raise CaseRuleError("reason_required", "an extension states its reason")
    if days < 1:
        raise CaseRuleError("invalid_days", "an extension adds at least one day")
    current = due(case, cal)
    if current is None:
        raise CaseRuleError("clock_not_started", "the limit has not started yet")
    if case.status in CLOSED:
        raise CaseRuleError("case_closed", f"case {case.number} is {case.status}")
    if at.date() > current:
        late = case._with(
            Change(
                at,
                by,
                "extension_late",
                reason=reason,
                detail=(("approver", approver), ("due", current.isoformat())),
            )
        )
        raise CaseRuleError(
            "extension_after_deadline",
            f"the deadline {current.isoformat()} has passed: too late to extend",
            record=late,
        )
    new_due = cal.add_working_days(current, days)
    change = Change(
        at,
        by,
        "extension",
        reason=reason,
        detail=(("approver", approver), ("to", new_due.isoformat())),
    )
    return case._with(change, extended_to=new_due)


# ------------------------------------------------------------------------ joint cases


def notify_partners(
    case: Case, cal: WorkCalendar, units: Iterable[str], *, by: str, at: datetime
) -> Case:
    """The business section sends the joint-case notice to the partner units (抄告相關)."""
    _need_actor(by)
    _not_before(case, at)
    if case.kind is not CaseKind.JOINT:
        raise CaseRuleError("not_joint", f"case {case.number} is not a joint case")
    wanted = [u for u in dict.fromkeys(units) if u != case.unit]
    known = {p.unit for p in case.partners}
    if not wanted:
        raise CaseRuleError("no_partners", "a joint case needs at least one other unit")
    day = at.date()
    tasks = tuple(
        PartnerTask(
            u,
            day,
            cal.add_working_days(day, PARTNER_OPINION_DAYS),
            cal.add_working_days(day, SPECIAL_NEEDS_DAYS),
        )
        for u in wanted
        if u not in known
    )
    change = Change(at, by, "partners_notified", detail=tuple(("unit", t.unit) for t in tasks))
    return case._with(change, partners=case.partners + tasks)


def _partner(case: Case, unit: str) -> int:
    for n, p in enumerate(case.partners):
        if p.unit == unit:
            return n
    raise CaseRuleError("unknown_partner", f"unit {unit} is not a partner of {case.number}")


def record_opinion(case: Case, unit: str, *, by: str, at: datetime) -> Case:
    """A partner unit's written opinion reached the business section."""
    _need_actor(by)
    _not_before(case, at)
    n = _partner(case, unit)
    if case.partners[n].opinion_on is not None:
        raise CaseRuleError("opinion_already_in", f"{unit} already gave its opinion")
    tasks = list(case.partners)
    tasks[n] = replace(tasks[n], opinion_on=at.date())
    return case._with(
        Change(at, by, "partner_opinion", detail=(("unit", unit),)), partners=tuple(tasks)
    )


def report_special_needs(case: Case, unit: str, *, by: str, at: datetime, reason: str) -> Case:
    """A partner reports special needs (a site survey with other units) to the lead unit."""
    _need_actor(by)
    _not_before(case, at)
    if not reason.strip():
        raise CaseRuleError("reason_required", "say what the special need is")
    n = _partner(case, unit)
    tasks = list(case.partners)
    tasks[n] = replace(tasks[n], special_reported_on=at.date())
    change = Change(at, by, "special_needs", reason=reason, detail=(("unit", unit),))
    return case._with(change, partners=tuple(tasks))


def late_partners(case: Case, today: date) -> list[PartnerLate]:
    """Partners whose opinion is (or was) late, and special needs reported after a day."""
    out: list[PartnerLate] = []
    for p in case.partners:
        if p.opinion_on is None and today > p.opinion_due:
            out.append(PartnerLate(p.unit, "opinion", p.opinion_due, None))
        elif p.opinion_on is not None and p.opinion_on > p.opinion_due:
            out.append(PartnerLate(p.unit, "opinion", p.opinion_due, p.opinion_on))
        if p.special_reported_on is not None and p.special_reported_on > p.special_due:
            out.append(PartnerLate(p.unit, "special_needs", p.special_due, p.special_reported_on))
    return out


# ------------------------------------------------------------------- delivery, overdue


def mark_result_ready(case: Case, *, by: str, at: datetime) -> Case:
    """The result is ready and the applicant was told when to collect it."""
    _need_actor(by)
    _not_before(case, at)
    if case.status in CLOSED:
        raise CaseRuleError("case_closed", f"case {case.number} is {case.status}")
    return case._with(Change(at, by, "result_ready"), result_ready=at.date())


def note_applicant_absent(case: Case, *, by: str, at: datetime) -> Case:
    """The applicant did not come at the time the window told them (第十二條)."""
    _need_actor(by)
    _not_before(case, at)
    if case.result_ready is None:
        raise CaseRuleError("result_not_ready", "the applicant was not yet asked to come")
    return case._with(Change(at, by, "applicant_absent"), applicant_absent=at.date())


def overdue(case: Case, cal: WorkCalendar, today: date) -> tuple[OverdueReason, ...]:
    """Why the case is overdue on ``today`` (empty: it is not).

    - a refusal without a reason (第十一條 一);
    - closed (result delivered or reply given) after the due date, or still open after it:
      ``not_answered`` for a reply, ``not_delivered`` otherwise (一般, 二, 四);
    - an extension asked for after the deadline (三).
    An applicant who did not come when told, with the result ready in time, does not make the
    case overdue (第十二條). A 補辦件 whose materials are not complete has no running clock.
    """
    reasons: list[OverdueReason] = []
    if any(c.status is Status.REPLIED and not c.reason.strip() for c in case.history):
        reasons.append(OverdueReason.REFUSED_WITHOUT_REASON)
    limit = due(case, cal)
    if limit is not None:
        finished = _first_close(case)
        late = (finished or today) > limit
        excused = (
            case.result_ready is not None
            and case.result_ready <= limit
            and case.applicant_absent is not None
        )
        if late and not excused:
            replied = (finished is not None and _closing_status(case) is Status.REPLIED) or (
                finished is None and case.kind is CaseKind.REPLY
            )
            reasons.append(OverdueReason.NOT_ANSWERED if replied else OverdueReason.NOT_DELIVERED)
    if any(c.action == "extension_late" for c in case.history):
        reasons.append(OverdueReason.LATE_EXTENSION)
    return tuple(dict.fromkeys(reasons))


def _first_close(case: Case) -> date | None:
    """The day the case was first closed (a later re-check does not move it)."""
    for c in case.history:
        if c.status in CLOSED:
            return c.at.date()
    return None


def _closing_status(case: Case) -> Status | None:
    return next((c.status for c in case.history if c.status in CLOSED), None)


def on_time(case: Case, cal: WorkCalendar, today: date) -> bool | None:
    """For the 限時辦結率: True when closed in time, False when overdue, None while open in time."""
    if overdue(case, cal, today):
        return False
    if _first_close(case) is None and case.applicant_absent is None:
        return None
    return True


class DueFlag(StrEnum):
    """What the window and the business section are told about an open case."""

    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    DUE_NEXT = "due_next_working_day"


def due_flag(case: Case, cal: WorkCalendar, today: date) -> DueFlag | None:
    """Flag an open case that is overdue, due today, or due on the next working day."""
    if _first_close(case) is not None:
        return None
    if overdue(case, cal, today):
        return DueFlag.OVERDUE
    limit = due(case, cal)
    if limit is None:
        return None
    if limit == today:
        return DueFlag.DUE_TODAY
    if limit == cal.add_working_days(today, 1):
        return DueFlag.DUE_NEXT
    return None
