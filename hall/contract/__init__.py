"""The hall's MQTT contract, typed, per domain, registered in one place.

Each domain module (``queue``, ``window``, and those to come: guide, attendance, cases)
declares its commands' arguments, who may send them, their results, its events and its
retained snapshots as pydantic models, in a :class:`~hall.contract.base.Domain`. Adding a
domain adds a module and one line in :data:`DOMAINS`; the ACL (``hall.acl``), the JSON
Schemas (``docs/schema``) and the service's checks are built from this registry. Apps read
replies, events and snapshots through these models, never through ``broker`` internals.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hall.conf.model import Role
from hall.contract import attendance, cases, guide, queue, window
from hall.contract.base import (
    Args,
    ClientStatus,
    Command,
    CommandRejected,
    Domain,
    ErrorBody,
    Event,
    Heartbeat,
    ReadModel,
    Reply,
)

M = TypeVar("M", bound=BaseModel)

DOMAINS: tuple[Domain, ...] = (
    queue.DOMAIN,
    window.DOMAIN,
    guide.DOMAIN,
    cases.DOMAIN,
    attendance.DOMAIN,
)


def _merge(attr: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for d in DOMAINS:
        for key, value in getattr(d, attr).items():
            if key in merged:
                raise RuntimeError(f"{attr} {key!r} is declared by two domains")
            merged[key] = value
    return merged


COMMAND_ARGS: dict[str, type[Args]] = _merge("commands")
RESULT_MODELS: dict[str, type[ReadModel]] = _merge("results")
EVENT_MODELS: dict[str, type[ReadModel]] = _merge("events")
SNAPSHOT_MODELS: dict[str, type[ReadModel]] = _merge("snapshots")
WINDOW_COMMANDS = tuple(c for c in COMMAND_ARGS if c.startswith("window."))


def _roles() -> dict[Role, tuple[str, ...]]:
    roles: dict[Role, tuple[str, ...]] = {role: () for role in Role}
    for d in DOMAINS:
        for role, types in d.roles.items():
            roles[role] = tuple(dict.fromkeys((*roles[role], *types)))
    # service.ping last, for readable ACLs
    return {r: tuple(sorted(ts, key=lambda t: (t == "service.ping", t))) for r, ts in roles.items()}


ROLE_COMMANDS: dict[Role, tuple[str, ...]] = _roles()
"""What each role may command; the broker ACL is generated from this table too."""


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


def result(reply: Reply, model: type[M] | None = None) -> M:
    """The typed result of a successful reply (``model`` defaults to the command's)."""
    chosen = model or RESULT_MODELS[reply.type]
    return chosen.model_validate(reply.result)  # type: ignore[return-value]


def event_data(event: Event) -> ReadModel:
    """The typed ``data`` of an event."""
    return EVENT_MODELS[event.type].model_validate(event.data)


def snapshot_model(name: str) -> type[ReadModel]:
    """The model of a retained snapshot by its name under ``state/`` (``window/W03`` too)."""
    if name.startswith("window/"):
        return SNAPSHOT_MODELS["window/+"]
    return SNAPSHOT_MODELS[name]


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of every payload, for docs/schema and third-party validation."""
    schemas = {f"cmd.{name}.args": m.model_json_schema() for name, m in COMMAND_ARGS.items()}
    schemas |= {f"result.{name}": m.model_json_schema() for name, m in RESULT_MODELS.items()}
    schemas |= {f"event.{name}": m.model_json_schema() for name, m in EVENT_MODELS.items()}
    schemas |= {
        f"state.{name.replace('/+', '')}": m.model_json_schema()
        for name, m in SNAPSHOT_MODELS.items()
    }
    schemas["command"] = Command.model_json_schema()
    schemas["reply"] = Reply.model_json_schema()
    schemas["event"] = Event.model_json_schema()
    schemas["heartbeat"] = Heartbeat.model_json_schema()
    schemas["status"] = ClientStatus.model_json_schema()
    schemas["error"] = ErrorBody.model_json_schema()
    return schemas
