"""The window domain: what a window terminal commands, and the window as everyone sees it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from hall.conf.model import CaseKind, Role
from hall.contract.base import TICKET_NO_RE, WINDOW_RE, Args, Domain, NoArgs, ReadModel, Stamp
from hall.contract.queue import Ticket


class WindowStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


# ---------------------------------------------------------------- commands


class CallTicket(Args):
    """Window: call a particular waiting ticket by number (e.g. sent over by the guide)."""

    number: Annotated[str, Field(pattern=TICKET_NO_RE)]


class Finish(Args):
    """Window: service ended; ``outcome`` is the case kind it was handled as."""

    outcome: Annotated[CaseKind, Field(strict=False)] = CaseKind.IMMEDIATE
    note: Annotated[str, Field(max_length=200)] = ""


class Transfer(Args):
    """Window: hand the current ticket to another window and/or item, keeping its issue time."""

    to_window: Annotated[str, Field(pattern=WINDOW_RE)] | None = None
    to_item: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    note: Annotated[str, Field(max_length=200)] = ""


class AfterHours(Args):
    on: bool


# ---------------------------------------------------------------- read models


class WindowView(ReadModel):
    id: str
    status: WindowStatus
    after_hours: bool = False
    current: str | None = None
    consecutive_priority: int = 0
    served: int = 0


class WindowResult(ReadModel):
    window: WindowView


class CallResult(ReadModel):
    ticket: Ticket | None


class SkipResult(ReadModel):
    ticket: Ticket
    requeued: bool


class WindowChanged(ReadModel):
    window: str
    status: WindowStatus | None = None
    after_hours: bool | None = None


class WindowSnapshot(Stamp):
    """``state/window/<W>``: one window terminal's view."""

    window: WindowView
    ticket: Ticket | None


_STATUS_COMMANDS = ("window.open", "window.close", "window.pause", "window.resume")
_TICKET_COMMANDS = (
    "window.call_next",
    "window.call",
    "window.recall",
    "window.start",
    "window.finish",
    "window.transfer",
)

DOMAIN = Domain(
    name="window",
    commands={
        "window.open": NoArgs,
        "window.close": NoArgs,
        "window.pause": NoArgs,
        "window.resume": NoArgs,
        "window.call_next": NoArgs,
        "window.call": CallTicket,
        "window.recall": NoArgs,
        "window.start": NoArgs,
        "window.finish": Finish,
        "window.skip": NoArgs,
        "window.transfer": Transfer,
        "window.after_hours": AfterHours,
    },
    results={
        **dict.fromkeys((*_STATUS_COMMANDS, "window.after_hours"), WindowResult),
        **dict.fromkeys(_TICKET_COMMANDS, CallResult),
        "window.skip": SkipResult,
    },
    roles={
        Role.WINDOW: (
            *_STATUS_COMMANDS,
            *_TICKET_COMMANDS[:5],
            "window.skip",
            "window.transfer",
            "window.after_hours",
        )
    },
    events={"window.changed": WindowChanged},
    snapshots={"window/+": WindowSnapshot},
)
