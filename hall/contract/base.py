"""What every domain of the contract shares: topics, the command and reply envelopes, errors.

Topics live under a versioned root per hall, ``hall/<CODE>/v1``:

- ``<root>/cmd/<client>/<type>``   command from ``client`` (QoS 1)
- ``<root>/reply/<client>``        replies to that client (QoS 1)
- ``<root>/events``                the ordered event stream (QoS 1, not retained)
- ``<root>/state/<name>``          retained snapshots (board, queues, window/<id>, service, ...)
- ``<root>/heartbeat``             the service's pulse every 2 s (QoS 0, not retained)
- ``<root>/status/<client>``       retained presence: online, lost (Last Will) or closed
- ``<root>/diag/<client>/...``     technicians' echo topics (the benchmark baseline)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hall.codes import MASKED_ID_RE as MASKED_ID_RE
from hall.conf.model import Role

PROTOCOL_VERSION = 1
MAX_PAYLOAD_BYTES = 262_144
"""The broker refuses larger packets (``max_packet_size``): a bigger command gets no reply."""
HEARTBEAT_S = 2.0
"""The service publishes on ``<root>/heartbeat`` this often."""
STALE_AFTER_S = 3 * HEARTBEAT_S
"""A client that heard no heartbeat for this long says the service is not responding."""
COMMAND_ID_RE = r"^[A-Za-z0-9_.:-]{8,64}$"
TICKET_NO_RE = r"^[A-Z]{1,2}[0-9]{3,4}$"
WINDOW_RE = r"^W\d{2}$"


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

    @property
    def heartbeat(self) -> str:
        return f"{self.root}/heartbeat"

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


# ------------------------------------------------------------------ writing side


class Args(BaseModel):
    """Base of command arguments: unknown keys are refused, and so are wrong types.

    Strict: ``"ok": "yes"`` or ``1`` is not a boolean, ``"5"`` is not a number.
    Enumerations are given by their JSON string value.
    """

    model_config = ConfigDict(extra="forbid", strict=True)


class NoArgs(Args):
    pass


class Command(BaseModel):
    """Payload of a command message."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: Annotated[str, Field(pattern=COMMAND_ID_RE)]
    """Idempotency key chosen by the client; a retry reuses it and gets the first reply."""
    args: dict[str, Any] = {}
    v: Literal[1] = 1
    """Protocol version of the payload; only 1 exists."""
    expires: Annotated[float, Field(gt=0)] | None = None
    """Epoch seconds on the service's clock after which the command must not be carried out
    (the client gave up): it is answered ``expired`` and changes nothing. Clients learn the
    service's clock from the heartbeat's ``t``."""


class CommandRejected(Exception):
    """A command that is refused; becomes an error reply and changes nothing."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


# ------------------------------------------------------------------ reading side


class ReadModel(BaseModel):
    """A payload the service writes and clients read: unknown fields are kept, not refused.

    A newer service may add fields; an older client must go on reading what it knows.
    """

    model_config = ConfigDict(extra="allow")


class ErrorBody(ReadModel):
    code: str
    message: str
    details: dict[str, Any] = {}


class Reply(ReadModel):
    """Payload of a reply message; ``result`` is typed per command (``hall.contract.result``)."""

    id: str | None
    """The command id (None when the command was too malformed to have a valid one)."""
    ok: bool
    type: str
    result: dict[str, Any] = {}
    error: ErrorBody | None = None
    seq: int = 0
    """Sequence number of the last event this command produced (or the current one)."""
    epoch: str = ""
    replayed: bool = False
    """True when this is the stored reply of a command already carried out."""


class Event(ReadModel):
    """Payload on the event stream; ``data`` is typed per event type."""

    seq: int
    epoch: str
    type: str
    at: str
    """ISO 8601 with the hall's offset."""
    day: str
    data: dict[str, Any]


class Stamp(ReadModel):
    """What every retained snapshot carries."""

    seq: int
    epoch: str
    day: str | None
    at: str


class Heartbeat(ReadModel):
    """Payload on ``<root>/heartbeat``."""

    epoch: str
    seq: int
    t: float
    """The service's wall clock, epoch seconds (clients set ``Command.expires`` from it)."""
    day: str | None
    storage: Literal["ok", "unavailable"] = "ok"


Presence = Literal["online", "lost", "closed"]
"""A client's ``status/<client>``: connected; gone without a goodbye (the broker published its
Last Will: crash, cable, power, a hung link); or closed on purpose (it said goodbye)."""


class ClientStatus(ReadModel):
    """Payload on ``status/<client>`` (retained, QoS 1). Apps add their own fields (a kiosk's
    ``app``, ``location``, ``printer``, ``scanner``; the service's ``epoch``)."""

    client: str
    online: bool
    """True for ``state`` ``online`` only."""
    state: Presence | None = None
    """None in a status retained from before ``state`` existed: read ``reason`` then."""
    at: float | None = None
    """Epoch seconds when the client wrote it: its connect or a later change (``online``), its
    goodbye (``closed``). A Last Will has none: it is written when the connection begins and
    published by the broker later; see ``since``."""
    since: float | None = None
    """Epoch seconds when the connection this status belongs to began (its Last Will was set
    then). A ``lost`` status with the ``since`` of an ``online`` one already seen ends that
    connection: whoever saw the ``online`` and then, live, the ``lost`` knows when it was lost."""
    reason: Literal["lost", "closed"] | None = None
    """The same as ``state`` when offline, for readers from before ``state``."""

    @property
    def presence(self) -> str:
        """``online``, ``lost``, ``closed``, or ``offline`` (offline, not saying why)."""
        if self.state is not None:
            return self.state
        if self.online:
            return "online"
        return self.reason or "offline"


# ------------------------------------------------------------------ domains


@dataclass(frozen=True)
class Domain:
    """One domain of the contract: its commands (with who may send them), events, snapshots.

    Registered once in :data:`hall.contract.DOMAINS`; the ACL, the JSON Schemas and the
    service's checks are built from the registry.
    """

    name: str
    commands: dict[str, type[Args]] = field(default_factory=dict)
    results: dict[str, type[ReadModel]] = field(default_factory=dict)
    roles: dict[Role, tuple[str, ...]] = field(default_factory=dict)
    events: dict[str, type[ReadModel]] = field(default_factory=dict)
    snapshots: dict[str, type[ReadModel]] = field(default_factory=dict)
    """Retained topic name (under ``state/``; ``window/+`` for a family) -> model."""
