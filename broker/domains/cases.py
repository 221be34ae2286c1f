"""The case register in the single writer (辦件管理辦法, 限時辦結制度).

Handlers run the pure rules of ``cases/rules.py`` on a case and emit the whole resulting
record, so the fold only stores it and a replay never re-runs a rule. Window staff act on
their own unit's cases (a partner unit on its opinion); the signed-in person is the actor
and, on registration, the first handler (首辦負責人). Kiosks look a scanned notice up and get
a returning-case ticket to the window that handles it. Long-lived: checkpointed; cases closed
more than :data:`KEEP_CLOSED_DAYS` ago leave the live state (the log keeps them).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import cases.rules as rules
from broker.domains.staff import require_actor
from broker.records import Handler, RecordDomain
from cases.codec import case_from_json, to_json
from hall.codes import make_case_number
from hall.conf.model import CaseKind, Client
from hall.contract import cases as c
from hall.contract.queue import IssueTicket
from hall.protocol import CommandRejected

KEEP_CLOSED_DAYS = 62


# ---------------------------------------------------------------- the domain


class CaseRegister(RecordDomain):
    name = "cases"
    event_types: ClassVar[frozenset[str]] = frozenset({"case.registered", "case.changed"})

    def __init__(self) -> None:
        super().__init__()
        self.cases: dict[str, dict[str, Any]] = {}
        """case number -> {"case": rules.Case as JSON, "applicant", "materials", "missing",
        "first_handler", "ticket"}."""
        self.serials: dict[str, int] = {}
        """receipt day (YYYYMMDD) -> last serial; only the latest day is kept."""
        self._parsed: dict[str, rules.Case] = {}

    # ------------------------------------------------------------------ fold

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        number = data["number"]
        if etype == "case.registered":
            day = number[2:10]
            if day >= max(self.serials, default=""):
                self.serials = {day: int(number[10:14])}
            self.cases[number] = {
                "case": data["case"],
                "applicant": data.get("applicant", {}),
                "materials": data.get("materials", []),
                "missing": data.get("missing", []),
                "first_handler": data.get("by"),
                "ticket": data.get("ticket"),
            }
        else:
            self.cases[number]["case"] = data["case"]
        self._parsed.pop(number, None)
        self._prune(data["case"])
        self.dirty.add("cases")

    def _prune(self, latest: dict[str, Any]) -> None:
        today = date.fromisoformat(latest["history"][-1]["at"][:10])
        cutoff = (today - timedelta(days=KEEP_CLOSED_DAYS)).isoformat()
        old = [n for n, e in self.cases.items() if (e["case"]["closed_on"] or "9") < cutoff]
        for n in old:
            del self.cases[n]
            self._parsed.pop(n, None)

    def checkpoint(self) -> dict[str, Any]:
        return {"cases": self.cases, "serials": self.serials}

    def restore(self, data: dict[str, Any]) -> None:
        self.cases, self.serials = data["cases"], data["serials"]
        self._parsed = {}

    def case(self, number: str) -> rules.Case:
        parsed = self._parsed.get(number)
        if parsed is None:
            entry = self.cases.get(number)
            if entry is None:
                raise CommandRejected("unknown_case", f"no case {number} in the register")
            parsed = self._parsed[number] = case_from_json(entry["case"])
        return parsed

    # ------------------------------------------------------------------ views

    def _today(self) -> date:
        day = self.engine.state.day or self.engine.clock.business_day(self.engine.now())
        return date.fromisoformat(day)

    def view(self, number: str) -> dict[str, Any]:
        entry = self.cases[number]
        case = self.case(number)
        cal = self.engine.config.calendar
        due = rules.due(case, cal)
        flag = rules.due_flag(case, cal, self._today())
        data = entry["case"]
        return {
            "number": number,
            "kind": data["kind"],
            "item": data["item"],
            "unit": data["unit"],
            "window": data["window"],
            "received": data["received"],
            "status": data["status"],
            "due": due.isoformat() if due else None,
            "flag": flag.value if flag else None,
            "applicant": entry["applicant"],
            "materials": entry["materials"],
            "missing": entry["missing"],
            "first_handler": entry["first_handler"],
            "history": data["history"],
            "partners": data["partners"],
        }

    def snapshot_names(self) -> list[str]:
        return ["cases"]

    def snapshot(self, name: str) -> dict[str, Any]:
        flagged: dict[str, list[dict[str, Any]]] = {}
        overdue = open_n = today_n = 0
        today = self._today()
        for number, entry in self.cases.items():
            if entry["case"]["received"] == today.isoformat():
                today_n += 1
            if entry["case"]["closed_on"]:
                continue
            open_n += 1
            view = self.view(number)
            if view["flag"]:
                flagged.setdefault(view["window"], []).append(view)
                overdue += view["flag"] == rules.DueFlag.OVERDUE.value
        return {"flagged": flagged, "open": open_n, "overdue": overdue, "registered_today": today_n}

    # ------------------------------------------------------------------ commands

    def handlers(self) -> dict[str, Handler]:
        return {
            "case.register": self._register,
            "case.update": self._update,
            "case.hand_over": self._hand_over,
            "case.extend": self._extend,
            "case.notify_partners": self._notify,
            "case.opinion": self._opinion,
            "case.special_needs": self._special,
            "case.result_ready": self._result_ready,
            "case.applicant_absent": self._absent,
            "case.lookup": self._lookup,
            "case.check_in": self._check_in,
        }

    def _local(self, now: float) -> datetime:
        return datetime.fromtimestamp(now, self.engine.config.tz)

    def _window_unit(self, client: Client) -> str:
        if client.window is None:
            raise CommandRejected("not_a_window", f"client {client.id} commands no window")
        return self.engine.config.window_by_id[client.window].unit

    def _own(self, client: Client, number: str) -> rules.Case:
        case = self.case(number)
        if case.unit != self._window_unit(client):
            raise CommandRejected(
                "not_your_case", f"case {number} belongs to unit {case.unit}", unit=case.unit
            )
        return case

    def _emit(self, etype: str, case: rules.Case, action: str, now: float, **extra: Any) -> None:
        data = {"number": case.number, "action": action, "case": to_json(case), **extra}
        self.engine.emit(etype, data, now)

    def _apply_rule(self, client: Client, number: str, change: Any, now: float) -> dict:
        """Run one rule (``change(case, by, at)``) on an own case and record the result."""
        by = require_actor(self.engine, client)
        case = self._own(client, number)
        try:
            updated = change(case, by, self._local(now))
        except rules.CaseRuleError as exc:
            if exc.record is not None:  # e.g. an extension asked for after the deadline
                self._emit("case.changed", exc.record, exc.record.history[-1].action, now)
            raise CommandRejected(exc.code, str(exc)) from None
        self._emit("case.changed", updated, updated.history[-1].action, now)
        return {"case": self.view(number)}

    def _register(self, client: Client, a: c.RegisterCase, now: float) -> dict[str, Any]:
        by = require_actor(self.engine, client)
        config = self.engine.config
        unit = self._window_unit(client)
        item = config.item_by_code.get(a.item)
        if item is None:
            raise CommandRejected("unknown_item", f"no service item {a.item!r}")
        if a.item not in config.items_by_window.get(client.window or "", ()):
            raise CommandRejected(
                "not_served_here", f"window {client.window} does not serve {a.item}"
            )
        if a.kind is CaseKind.SUPPLEMENT and not a.missing:
            raise CommandRejected("missing_required", "a supplement case lists what to bring")
        ticket = self.engine._find_ticket(a.ticket).id if a.ticket else None
        local = self._local(now)
        day = local.strftime("%Y%m%d")
        serial = self.serials.get(day, 0) + 1
        if serial > 9999:
            raise CommandRejected("too_many", "9999 cases today")
        number = make_case_number(local.date(), serial, config.code)
        try:
            case = rules.register(
                number=number,
                kind=a.kind,
                item=item.code,
                unit=unit,
                window=client.window or "",
                limit=rules.Limit(item.promised_days, item.days_unit),
                by=by,
                at=local,
                reason=a.reason,
            )
        except rules.CaseRuleError as exc:
            raise CommandRejected(exc.code, str(exc)) from None
        self._emit(
            "case.registered",
            case,
            "register",
            now,
            applicant=a.applicant.model_dump(),
            materials=[m.model_dump() for m in a.materials],
            missing=list(a.missing),
            ticket=ticket,
        )
        return {"case": self.view(number)}

    def _update(self, client: Client, a: c.UpdateCase, now: float) -> dict[str, Any]:
        to = rules.Status(a.to)
        return self._apply_rule(
            client,
            a.case,
            lambda case, by, at: rules.transition(
                case, to, by=by, at=at, reason=a.reason, kind=a.kind
            ),
            now,
        )

    def _hand_over(self, client: Client, a: c.HandOver, now: float) -> dict[str, Any]:
        if a.to_window not in self.engine.config.window_by_id:
            raise CommandRejected("unknown_window", f"no window {a.to_window!r}")
        return self._apply_rule(
            client,
            a.case,
            lambda case, by, at: rules.hand_over(case, to_window=a.to_window, by=by, at=at),
            now,
        )

    def _extend(self, client: Client, a: c.ExtendCase, now: float) -> dict[str, Any]:
        roster = self.engine.config.roster
        if roster is None or a.approver not in roster.by_id:
            raise CommandRejected("unknown_staff", f"no staff {a.approver}")
        cal = self.engine.config.calendar
        return self._apply_rule(
            client,
            a.case,
            lambda case, by, at: rules.extend(
                case, cal, days=a.days, by=by, approver=a.approver, at=at, reason=a.reason
            ),
            now,
        )

    def _notify(self, client: Client, a: c.NotifyPartners, now: float) -> dict[str, Any]:
        known = {u.code for u in self.engine.config.units}
        unknown = [u for u in a.units if u not in known]
        if unknown:
            raise CommandRejected("unknown_unit", f"no unit {', '.join(unknown)}")
        cal = self.engine.config.calendar
        return self._apply_rule(
            client,
            a.case,
            lambda case, by, at: rules.notify_partners(case, cal, a.units, by=by, at=at),
            now,
        )

    def _partner_rule(self, client: Client, number: str, change: Any, now: float) -> dict:
        """A partner unit's window acts on a joint case of another unit."""
        by = require_actor(self.engine, client)
        unit = self._window_unit(client)
        case = self.case(number)
        if unit not in {p.unit for p in case.partners}:
            raise CommandRejected("not_a_partner", f"unit {unit} is not a partner of {number}")
        try:
            updated = change(case, unit, by, self._local(now))
        except rules.CaseRuleError as exc:
            raise CommandRejected(exc.code, str(exc)) from None
        self._emit("case.changed", updated, updated.history[-1].action, now)
        return {"case": self.view(number)}

    def _opinion(self, client: Client, a: c.CaseOnly, now: float) -> dict[str, Any]:
        return self._partner_rule(
            client,
            a.case,
            lambda case, unit, by, at: rules.record_opinion(case, unit, by=by, at=at),
            now,
        )

    def _special(self, client: Client, a: c.SpecialNeeds, now: float) -> dict[str, Any]:
        return self._partner_rule(
            client,
            a.case,
            lambda case, unit, by, at: rules.report_special_needs(
                case, unit, by=by, at=at, reason=a.reason
            ),
            now,
        )

    def _result_ready(self, client: Client, a: c.CaseOnly, now: float) -> dict[str, Any]:
        return self._apply_rule(
            client, a.case, lambda case, by, at: rules.mark_result_ready(case, by=by, at=at), now
        )

    def _absent(self, client: Client, a: c.CaseOnly, now: float) -> dict[str, Any]:
        return self._apply_rule(
            client,
            a.case,
            lambda case, by, at: rules.note_applicant_absent(case, by=by, at=at),
            now,
        )

    def _lookup(self, client: Client, a: c.CaseOnly, now: float) -> dict[str, Any]:
        self.case(a.case)
        view = self.view(a.case)
        if client.role.value == "kiosk":  # an applicant at a kiosk sees no names or handlers
            view = {**view, "applicant": {}, "first_handler": None, "history": []}
        return {"case": view}

    def _check_in(self, client: Client, a: c.CaseCheckIn, now: float) -> dict[str, Any]:
        case = self.case(a.case)
        issued = self.engine._issue(
            client,
            IssueTicket(item=case.item, priority="returning", lang=a.lang, case_no=case.number),
            now,
        )
        ticket_id = issued["ticket"]["id"]
        move = {"ticket": ticket_id, "item": case.item, "target_window": case.window}
        self.engine.emit("ticket.moved", {**move, "note": f"case {case.number}"}, now)
        view = self._lookup(client, c.CaseOnly(case=a.case), now)["case"]
        ticket = self.engine.state.tickets[ticket_id]
        # Its wait at the case's window, where it now stands (what ticket.status says too),
        # not the wait at the item's windows that the issue worked out before the move.
        return {
            "case": view,
            "ticket": ticket.public(),
            **self.engine.ticket_wait(ticket, now),
            "windows": [case.window],
        }
