"""One applicant's request and what came of it: plain data shared by the desk and the presenter.

Kept apart from :mod:`kiosk.desk` so the presenter (and the kiosk's first screen)
does not load the MQTT client and the contract models.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TicketRequest:
    """One applicant's request for a ticket; ``command_id`` is its idempotency key."""

    item: str
    priority: str = "normal"
    lang: str = "zh-Hant"
    id_masked: str | None = None
    id_hash: str | None = None
    """HMAC of the ID number with the hall's key (real-name items), never the number."""
    case_no: str | None = None
    print_notice: bool = True
    """Print the one-time notice of required materials on the slip."""
    command_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    appointment: str | None = None
    """An appointment code: the service checks it in and issues the booked item's ticket."""
    returning_case: str | None = None
    """A scanned case notice: the service issues a returning ticket to the case's window."""

    @property
    def command(self) -> str:
        if self.returning_case:
            return "case.check_in"
        return "ticket.check_in" if self.appointment else "ticket.issue"

    def args(self) -> dict[str, Any]:
        if self.returning_case:
            return {"case": self.returning_case, "lang": self.lang}
        args: dict[str, Any]
        if self.appointment:
            # a scanned ID goes with the code: the service needs it for a real-name item
            args = {"code": self.appointment, "lang": self.lang}
            if self.id_masked and self.id_hash:
                args.update(id_masked=self.id_masked, id_hash=self.id_hash)
            return args
        args = {"item": self.item, "priority": self.priority, "lang": self.lang}
        if self.id_masked:
            args["id_masked"] = self.id_masked
        if self.id_hash:
            args["id_hash"] = self.id_hash
        if self.case_no:
            args["case_no"] = self.case_no
        return args


@dataclass(frozen=True)
class DeskResult:
    """What the kiosk screen shows after a request."""

    ok: bool
    ticket: dict[str, Any] | None = None
    people_ahead: int = 0
    est_wait_min: float = 0.0
    printed: bool = False
    error: str | None = None
    """Machine-readable reason (service error code or printer fault key)."""
    message: str = ""
    """The reason in the applicant's language."""
    request: TicketRequest | None = None
    """The request, to retry with the same command id."""
    windows: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    """Monotonic seconds: ``issued`` (reply came), ``print_handed`` (job handed to printer)."""
    case: dict[str, Any] | None = None
    """``case.check_in``: the case (status, promised date, what to bring)."""

    @property
    def retryable(self) -> bool:
        return not self.ok and self.error == "service_unreachable"
