"""The MQTT contract's names in one import (``from hall.protocol import ...``).

The contract itself is typed per domain in :mod:`hall.contract` (``queue``, ``window``, ...)
and rendered into ``docs/protocol.md`` / ``docs/schema/*.json``. This module re-exports what
most code needs so that callers need not know which domain a name lives in.
"""

from __future__ import annotations

from hall.contract import (
    COMMAND_ARGS,
    DOMAINS,
    EVENT_MODELS,
    RESULT_MODELS,
    ROLE_COMMANDS,
    SNAPSHOT_MODELS,
    WINDOW_COMMANDS,
    event_data,
    json_schemas,
    parse_args,
    result,
    snapshot_model,
)
from hall.contract.base import (
    COMMAND_ID_RE,
    HEARTBEAT_S,
    MASKED_ID_RE,
    MAX_PAYLOAD_BYTES,
    PROTOCOL_VERSION,
    STALE_AFTER_S,
    TICKET_NO_RE,
    Args,
    ClientStatus,
    Command,
    CommandRejected,
    ErrorBody,
    Event,
    Heartbeat,
    NoArgs,
    ReadModel,
    Reply,
    Topics,
)
from hall.contract.queue import (
    IssueResult,
    IssueTicket,
    Ping,
    PrintResult,
    Ticket,
    TicketQuery,
    TicketStatus,
)
from hall.contract.window import AfterHours, CallTicket, Finish, Transfer, WindowStatus
from hall.i18n import LANGUAGES, Lang

__all__ = [
    "COMMAND_ARGS",
    "COMMAND_ID_RE",
    "DOMAINS",
    "EVENT_MODELS",
    "HEARTBEAT_S",
    "LANGUAGES",
    "MASKED_ID_RE",
    "MAX_PAYLOAD_BYTES",
    "PROTOCOL_VERSION",
    "RESULT_MODELS",
    "ROLE_COMMANDS",
    "SNAPSHOT_MODELS",
    "STALE_AFTER_S",
    "TICKET_NO_RE",
    "WINDOW_COMMANDS",
    "AfterHours",
    "Args",
    "CallTicket",
    "ClientStatus",
    "Command",
    "CommandRejected",
    "ErrorBody",
    "Event",
    "Finish",
    "Heartbeat",
    "IssueResult",
    "IssueTicket",
    "Lang",
    "NoArgs",
    "Ping",
    "PrintResult",
    "ReadModel",
    "Reply",
    "Ticket",
    "TicketQuery",
    "TicketStatus",
    "Topics",
    "Transfer",
    "WindowStatus",
    "event_data",
    "json_schemas",
    "parse_args",
    "result",
    "snapshot_model",
]
