"""Appointments taken by phone or at the desk, and their check-in at a kiosk.

The guide officer books a day, a slot and an item within the item's daily capacity; each
booking gets a six-character code. At a kiosk the code issues an ``appointment`` ticket for
that item: too early, the applicant is told when the slot starts; past the grace, the
priority is lost and a normal ticket comes out. A code works once. A real-name item
(實名取號) needs the applicant's ID scan with the code (masked ID + keyed hash, as a walk-in
``ticket.issue``) and counts against the per-person daily limit; without it the code is
refused with ``real_name_required`` and stays unused.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from broker.domains.staff import require_actor
from broker.records import Handler, RecordDomain
from hall.conf.model import Client
from hall.contract import guide as g
from hall.contract.queue import IssueTicket
from hall.protocol import CommandRejected

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def mask_phone(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


class Appointments(RecordDomain):
    name = "appointments"
    event_types: ClassVar[frozenset[str]] = frozenset(
        {"appointment.booked", "appointment.cancelled", "appointment.used"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.bookings: dict[str, dict[str, Any]] = {}
        """code -> booking, for today and the days ahead (older ones are dropped)."""

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        if etype == "appointment.booked":
            self.bookings[data["code"]] = {
                "code": data["code"],
                "day": data["day"],
                "slot": data["slot"],
                "item": data["item"],
                "name": data["name"],
                "phone": data["phone"],
                "status": "booked",
                "ticket": None,
            }
        else:
            entry = self.bookings.get(data["code"])
            if entry is not None:
                entry["status"] = "used" if etype == "appointment.used" else "cancelled"
                entry["ticket"] = data.get("ticket")
        today = self.engine.state.day if self.engine is not None else None
        if today:
            self.bookings = {c: b for c, b in self.bookings.items() if b["day"] >= today}
        self.dirty.add("appointments")

    def checkpoint(self) -> dict[str, Any]:
        return {"bookings": self.bookings}

    def restore(self, data: dict[str, Any]) -> None:
        self.bookings = data["bookings"]

    def snapshot_names(self) -> list[str]:
        return ["appointments"]

    def snapshot(self, name: str) -> dict[str, Any]:
        today = self.engine.state.day or ""
        days: dict[str, list[dict[str, Any]]] = {}
        for b in sorted(self.bookings.values(), key=lambda b: (b["day"], b["slot"], b["code"])):
            if b["day"] >= today:
                days.setdefault(b["day"], []).append({**b, "phone": mask_phone(b["phone"])})
        return {"days": days}

    # ------------------------------------------------------------------ commands

    def handlers(self) -> dict[str, Handler]:
        return {
            "appointment.book": self._book,
            "appointment.cancel": self._cancel,
            "ticket.check_in": self._check_in,
        }

    def _capacity(self, item_code: str) -> int:
        config = self.engine.config
        item = config.item_by_code[item_code]
        if item.appointments_per_day is not None:
            return item.appointments_per_day
        return config.hall_file.appointments.per_item_day

    def _book(self, client: Client, a: g.BookAppointment, now: float) -> dict[str, Any]:
        require_actor(self.engine, client)
        config = self.engine.config
        rules = config.hall_file.appointments
        if a.item not in config.item_by_code:
            raise CommandRejected("unknown_item", f"no service item {a.item!r}")
        try:
            day = date.fromisoformat(a.day)
        except ValueError:
            raise CommandRejected("invalid_args", f"no such day {a.day!r}") from None
        today = datetime.fromtimestamp(now, config.tz).date()
        if not today <= day <= today + timedelta(days=rules.days_ahead):
            raise CommandRejected(
                "day_not_bookable",
                f"appointments are taken for today and the next {rules.days_ahead} days",
            )
        if not config.calendar.is_working_day(day):
            raise CommandRejected("not_a_working_day", f"{a.day} is not a working day")
        if a.slot not in rules.slots:
            raise CommandRejected("unknown_slot", f"no slot {a.slot}", slots=rules.slots)
        if day == today and _slot_start(config, day, a.slot) < now:
            raise CommandRejected("slot_passed", f"the {a.slot} slot has begun")
        taken = sum(
            1
            for b in self.bookings.values()
            if b["item"] == a.item and b["day"] == a.day and b["status"] != "cancelled"
        )
        capacity = self._capacity(a.item)
        if taken >= capacity:
            raise CommandRejected(
                "fully_booked", f"{a.item} is fully booked on {a.day}", capacity=capacity
            )
        code = self._new_code()
        data = {
            "code": code,
            "day": a.day,
            "slot": a.slot,
            "item": a.item,
            "name": a.name,
            "phone": a.phone,
        }
        self.engine.emit("appointment.booked", data, now)
        return {"appointment": self.bookings[code]}

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
            if code not in self.bookings:
                return code

    def _cancel(self, client: Client, a: g.CancelAppointment, now: float) -> dict[str, Any]:
        require_actor(self.engine, client)
        entry = self._booked(a.code)
        self.engine.emit("appointment.cancelled", {"code": entry["code"]}, now)
        return {"appointment": self.bookings[entry["code"]]}

    def _booked(self, raw: str) -> dict[str, Any]:
        code = raw.strip().upper().replace("O", "0").replace("I", "1")
        entry = self.bookings.get(raw.strip().upper()) or self.bookings.get(code)
        if entry is None:
            raise CommandRejected("unknown_appointment", f"no appointment {raw!r}")
        if entry["status"] != "booked":
            status = entry["status"]
            raise CommandRejected(
                f"appointment_{status}", f"appointment {entry['code']} is {status}"
            )
        return entry

    def _check_in(self, client: Client, a: g.CheckIn, now: float) -> dict[str, Any]:
        config = self.engine.config
        rules = config.hall_file.appointments
        entry = self._booked(a.code)
        today = self.engine.state.day or datetime.fromtimestamp(now, config.tz).date().isoformat()
        if entry["day"] != today:
            raise CommandRejected(
                "appointment_not_today",
                f"appointment {entry['code']} is for {entry['day']}",
                day=entry["day"],
                slot=entry["slot"],
            )
        start = _slot_start(config, date.fromisoformat(entry["day"]), entry["slot"])
        if now < start - rules.early_minutes * 60:
            raise CommandRejected(
                "appointment_early",
                f"the slot starts at {entry['slot']}: check in from "
                f"{rules.early_minutes} minutes before",
                slot=entry["slot"],
                from_at=start - rules.early_minutes * 60,
            )
        late = now > start + rules.grace_minutes * 60
        real_name = config.item_by_code[entry["item"]].real_name
        issue = IssueTicket(
            item=entry["item"],
            priority="normal" if late else "appointment",
            lang=a.lang,
            id_masked=a.id_masked,
            id_hash=a.id_hash if real_name else None,
        )
        try:
            # a real-name item: the ID scan and the per-person daily limit, as a walk-in;
            # a refusal leaves the code unused
            result = self.engine._issue(client, issue, now)
        except CommandRejected as exc:
            if exc.code in ("real_name_required", "real_name_limit"):
                exc.details.setdefault("item", entry["item"])
            raise
        ticket = result["ticket"]["id"]
        self.engine.emit(
            "appointment.used", {"code": entry["code"], "ticket": ticket, "late": late}, now
        )
        shown = {**self.bookings[entry["code"]], "phone": mask_phone(entry["phone"])}
        return {
            "ticket": result["ticket"],
            "people_ahead": result["people_ahead"],
            "est_wait_min": result["est_wait_min"],
            "windows": result["windows"],
            "appointment": shown,
            "late": late,
        }


def _slot_start(config: Any, day: date, slot: str) -> float:
    hour, minute = (int(x) for x in slot.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=config.tz).timestamp()
