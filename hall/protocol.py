"""The MQTT contract: topic names, command types, payload schemas.

Everything a third party needs to speak to the queue service is defined here
and rendered into ``docs/protocol.md`` / ``docs/schema/*.json``. Topics live under
a versioned root per hall, ``hall/<CODE>/v1``:

- ``<root>/cmd/<client>/<type>``   command from ``client`` (QoS 1)
- ``<root>/reply/<client>``        replies to that client (QoS 1)
- ``<root>/events``                the ordered event stream (QoS 1, not retained)
- ``<root>/state/<name>``          retained snapshots (board, queues, window/<id>, service)
- ``<root>/status/<client>``       retained online/offline, set by Last Will
- ``<root>/diag/<client>/...``     technicians' echo topics (the benchmark baseline)
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hall.conf.model import CaseKind, Role

PROTOCOL_VERSION = 1
COMMAND_ID_RE = r"^[A-Za-z0-9_.:-]{8,64}$"
MASKED_ID_RE = r"^[0-9]{4}(\*{10}[0-9]{3}[0-9X]|\*{8}[0-9]{3})$"
"""What ``hall.codes.mask_id`` makes of an 18- or 15-digit ID number, and nothing else."""
TICKET_NO_RE = r"^[A-Z]{1,2}[0-9]{3,4}$"


class Topics:
    """Topic names of one hall (``root`` is ``hall/<CODE>/v1``)."""

    def __init__(self, root: str):
        self.root = root

    def command(self, client: str, ctype: str) -> str:
        return f"{self.root}/cmd/{client}/{ctype}"

    def commands_wildcard(self) -> str:
        return f"{self.root}/cmd/+/+"

    def reply(self, client: str) -> str:
        return f"{self.root}/reply/{client}"

    @property
    def events(self) -> str:
        return f"{self.root}/events"

    def state(self, name: str) -> str:
        return f"{self.root}/state/{name}"

    def window_state(self, window_id: str) -> str:
        return f"{self.root}/state/window/{window_id}"

    def status(self, client: str) -> str:
        return f"{self.root}/status/{client}"

    def diag(self, client: str, leaf: str) -> str:
        return f"{self.root}/diag/{client}/{leaf}"

    def parse_command(self, topic: str) -> tuple[str, str] | None:
        """``(client, type)`` of a command topic, or None when it is not one."""
        prefix = f"{self.root}/cmd/"
        if not topic.startswith(prefix):
            return None
        parts = topic[len(prefix) :].split("/")
        if len(parts) != 2 or not all(parts):
            return None
        return parts[0], parts[1]


# ------------------------------------------------------------------ commands


class Args(BaseModel):
    """Base of command arguments: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")


class NoArgs(Args):
    pass


class IssueTicket(Args):
    """Kiosk: issue a ticket for one service item."""

    item: Annotated[str, Field(min_length=1, max_length=32)]
    priority: Annotated[str, Field(pattern=r"^[a-z_]{2,20}$")] = "normal"
    lang: Literal["zh-Hant", "zh-Hans", "en"] = "zh-Hant"
    id_masked: Annotated[str, Field(pattern=MASKED_ID_RE)] | None = None
    """Only a masked ID number ever reaches the service."""
    case_no: Annotated[str, Field(pattern=r"^[A-Z]{2}[0-9]{12}[0-9X]$")] | None = None


class PrintResult(Args):
    """Kiosk: whether the ticket came out of the printer."""

    ticket: Annotated[str, Field(min_length=1, max_length=40)]
    ok: bool
    error: Annotated[str, Field(max_length=200)] = ""


class CallTicket(Args):
    """Window: call a particular waiting ticket by number (e.g. sent over by the guide)."""

    number: Annotated[str, Field(pattern=TICKET_NO_RE)]


class Finish(Args):
    """Window: service ended; ``outcome`` is the case kind it was handled as."""

    outcome: CaseKind = CaseKind.IMMEDIATE
    note: Annotated[str, Field(max_length=200)] = ""


class Transfer(Args):
    """Window: hand the current ticket to another window and/or item, keeping its issue time."""

    to_window: Annotated[str, Field(pattern=r"^W\d{2}$")] | None = None
    to_item: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    note: Annotated[str, Field(max_length=200)] = ""


class AfterHours(Args):
    on: bool


class Ping(Args):
    """Any client: a round trip through the service without touching state."""

    nonce: Annotated[str, Field(max_length=64)] = ""


COMMAND_ARGS: dict[str, type[Args]] = {
    "ticket.issue": IssueTicket,
    "ticket.print_result": PrintResult,
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
    "service.ping": Ping,
}

WINDOW_COMMANDS = tuple(c for c in COMMAND_ARGS if c.startswith("window."))

ROLE_COMMANDS: dict[Role, tuple[str, ...]] = {
    Role.KIOSK: ("ticket.issue", "ticket.print_result", "service.ping"),
    Role.WINDOW: (*WINDOW_COMMANDS, "service.ping"),
    Role.GUIDE: ("service.ping",),
    Role.SIGNIN: ("service.ping",),
    Role.DUTY: ("service.ping",),
    Role.DIAG: ("service.ping",),
    Role.DISPLAY: (),
    Role.SERVICE: (),
}
"""What each role may command; the broker ACL is generated from this table too."""


class Command(BaseModel):
    """Payload of a command message."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=COMMAND_ID_RE)]
    """Idempotency key chosen by the client; a retry reuses it and gets the first reply."""
    args: dict[str, Any] = {}
    v: Literal[1] = 1


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = {}


class Reply(BaseModel):
    """Payload of a reply message."""

    id: str | None
    """The command id (None when the command was too malformed to have one)."""
    ok: bool
    type: str
    result: dict[str, Any] = {}
    error: ErrorBody | None = None
    seq: int = 0
    """Sequence number of the last event this command produced (or the current one)."""
    epoch: str = ""
    replayed: bool = False
    """True when this is the stored reply of a command already carried out."""


class Event(BaseModel):
    """Payload on the event stream."""

    seq: int
    epoch: str
    type: str
    at: str
    day: str
    data: dict[str, Any]


class CommandRejected(Exception):
    """A command that is refused; becomes an error reply and changes nothing."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def parse_args(ctype: str, raw: dict[str, Any]) -> Args:
    """Validate ``raw`` against the schema of ``ctype``; raise :class:`CommandRejected`."""
    model = COMMAND_ARGS.get(ctype)
    if model is None:
        raise CommandRejected("unknown_command", f"unknown command type {ctype!r}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()
        ]
        raise CommandRejected(
            "invalid_args", f"invalid arguments for {ctype}", problems=problems
        ) from None


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of every payload, for docs/schema and third-party validation."""
    schemas = {
        f"cmd.{name}.args": model.model_json_schema() for name, model in COMMAND_ARGS.items()
    }
    schemas["command"] = Command.model_json_schema()
    schemas["reply"] = Reply.model_json_schema()
    schemas["event"] = Event.model_json_schema()
    return schemas


def safe_client_id(value: str) -> bool:
    """Client ids fill whole topic levels: refuse anything that could escape one."""
    return bool(re.fullmatch(r"[a-z][a-z0-9-]{1,31}", value))
