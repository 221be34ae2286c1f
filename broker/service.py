"""The queue service: the single writer of hall state.

Commands arrive on ``<root>/cmd/<client>/<type>`` and are queued by paho's
network thread; one worker thread takes them in batches. For each command it
checks the payload, the client's role and the command id (a retry gets the
stored reply), runs the engine, and records the reply. The batch's events and
replies are committed to SQLite in one transaction (group commit), and only
then are events, replies and changed snapshots published.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pydantic import ValidationError

from broker import snapshots
from broker.engine import EmittedEvent, Engine
from broker.state import HallState
from broker.store import Store
from hall.conf import HallConfig
from hall.mqtt import Endpoint, MqttLink
from hall.protocol import (
    ROLE_COMMANDS,
    Command,
    CommandRejected,
    ErrorBody,
    Reply,
    Topics,
    parse_args,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Outgoing:
    topic: str
    payload: str
    correlation: bytes | None = None


class FatalServiceError(RuntimeError):
    """State and log may disagree: the service must stop and rebuild from the log."""


class QueueService:
    """Owns the hall state; talks MQTT on one side and SQLite on the other."""

    def __init__(
        self,
        config: HallConfig,
        store: Store,
        endpoint: Endpoint,
        clock: Callable[[], float] = time.time,
        enforce_hours: bool = True,
        batch_max: int = 256,
        queues_interval_s: float = 0.1,
        tick_interval_s: float = 15.0,
    ):
        self.config = config
        self.store = store
        self.clock = clock
        self.topics = Topics(config.topic_root)
        self.epoch = uuid.uuid4().hex[:12]
        self.started_at = clock()
        self.state = HallState(recent_limit=config.hall_file.queue.board_recent_calls)
        self.replayed = self._replay()
        self.engine = Engine(config, self.state, clock, enforce_hours)
        self.batch_max = batch_max
        self.queues_interval_s = queues_interval_s
        self.tick_interval_s = tick_interval_s
        self.inbound: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.link = MqttLink(
            endpoint,
            self.topics,
            persistent=True,
            status_extra={"epoch": self.epoch},
            max_inflight=1000,
        )
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._last_queues = 0.0
        self._last_tick = 0.0
        self.fatal: BaseException | None = None

    # ----------------------------------------------------------- lifecycle

    def _replay(self) -> int:
        n = 0
        for seq, etype, data in self.store.events_from(self.store.replay_start()):
            self.state.apply(seq, etype, data)
            n += 1
        self.state.dirty.clear()
        log.info("replayed %d events, seq %d, day %s", n, self.state.seq, self.state.day)
        return n

    def start(self, timeout: float = 10.0) -> QueueService:
        self.link.subscribe(self.topics.commands_wildcard(), self.inbound.put, inline=True)
        self.link.connect(timeout)
        self._publish_all_snapshots()
        self._worker = threading.Thread(target=self._run, name="queue-worker", daemon=True)
        self._worker.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._worker is not None:
            self._worker.join(10)
        self.link.close()

    def wait(self) -> None:
        """Block until the service stops (fatal error or :meth:`stop`)."""
        while not self._stop.wait(0.5):
            pass
        if self.fatal is not None:
            raise FatalServiceError(str(self.fatal)) from self.fatal

    # -------------------------------------------------------------- worker

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    first = self.inbound.get(timeout=self._idle_timeout())
                except queue.Empty:
                    first = None
                batch = [first] if first is not None else []
                while len(batch) < self.batch_max:
                    try:
                        batch.append(self.inbound.get_nowait())
                    except queue.Empty:
                        break
                self.process(batch)
        except BaseException as exc:  # stop loudly: the log is the truth, restart replays it
            log.critical("queue service stopping: %s", exc, exc_info=True)
            self.fatal = exc
            self._stop.set()

    def _idle_timeout(self) -> float:
        if "queues" in self.state.dirty:
            return max(0.0, self.queues_interval_s - (self.clock() - self._last_queues))
        return 1.0

    def process(self, batch: list[mqtt.MQTTMessage]) -> None:
        """Carry out a batch: engine, one durable commit, then publish."""
        replies: list[Outgoing] = []
        events: list[EmittedEvent] = []
        now = self.clock()
        if now - self._last_tick >= self.tick_interval_s:
            self._last_tick = now
            self.engine.roll_day(now)
            events += self.engine.take_emitted()
        for msg in batch:
            out = self._handle(msg)
            events += self.engine.take_emitted()
            if out is not None:
                replies.append(out)
        try:
            if events:
                self.store.append(events, self.epoch)
            self.store.commit()
        except Exception as exc:
            self.store.rollback()
            raise FatalServiceError(f"commit failed: {exc}") from exc
        for e in events:
            body = {
                "seq": e.seq,
                "epoch": self.epoch,
                "type": e.type,
                "at": e.at,
                "day": e.day,
                "data": e.data,
            }
            self.link.publish(self.topics.events, _dumps(body), qos=1)
        for r in replies:
            props = None
            if r.correlation is not None:
                props = Properties(PacketTypes.PUBLISH)
                props.CorrelationData = r.correlation
            self.link.publish(r.topic, r.payload, qos=1, properties=props)
        self._publish_dirty()

    # ----------------------------------------------------------- commands

    def _handle(self, msg: mqtt.MQTTMessage) -> Outgoing | None:
        parsed = self.topics.parse_command(msg.topic)
        if parsed is None:
            log.warning("dropped message on %s: not a command topic", msg.topic)
            return None
        client_id, ctype = parsed
        client = self.config.client_by_id.get(client_id)
        if client is None:
            log.warning("dropped command from unknown client %r", client_id)
            return None
        props = getattr(msg, "properties", None)
        correlation = getattr(props, "CorrelationData", None) if props else None
        reply_topic = self.topics.reply(client_id)

        def out(reply: Reply) -> Outgoing:
            return Outgoing(reply_topic, reply.model_dump_json(), correlation)

        try:
            cmd = Command.model_validate_json(msg.payload)
        except (ValidationError, ValueError) as exc:
            cmd_id = _loose_id(msg.payload)
            return out(self._error(cmd_id, ctype, "malformed", _first_error(exc)))
        stored = self.store.stored_reply(client_id, cmd.id)
        if stored is not None:
            reply = Reply.model_validate_json(stored)
            reply.replayed = True
            return out(reply)
        before = len(self.engine.emitted)
        try:
            if ctype not in ROLE_COMMANDS.get(client.role, ()):
                raise CommandRejected(
                    "forbidden", f"a {client.role.value} client may not send {ctype}"
                )
            args = parse_args(ctype, cmd.args)
            result = self.engine.execute(client, ctype, args)
            reply = Reply(
                id=cmd.id, ok=True, type=ctype, result=result, seq=self.state.seq, epoch=self.epoch
            )
        except CommandRejected as exc:
            reply = self._error(cmd.id, ctype, exc.code, exc.message, exc.details)
        except Exception as exc:
            if len(self.engine.emitted) != before:
                raise FatalServiceError(f"{ctype} failed half-way: {exc}") from exc
            log.exception("%s from %s failed", ctype, client_id)
            reply = self._error(cmd.id, ctype, "internal_error", "the service could not do this")
        if ctype != "service.ping":
            at = datetime.fromtimestamp(self.clock(), self.config.tz).isoformat()
            self.store.record_command(client_id, cmd.id, ctype, at, reply.model_dump_json())
        return out(reply)

    def _error(
        self,
        cmd_id: str | None,
        ctype: str,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> Reply:
        return Reply(
            id=cmd_id,
            ok=False,
            type=ctype,
            seq=self.state.seq,
            epoch=self.epoch,
            error=ErrorBody(code=code, message=message, details=details or {}),
        )

    # ---------------------------------------------------------- snapshots

    def _publish_all_snapshots(self) -> None:
        self.state.dirty.update({"board", "queues", "service"})
        self.state.dirty.update(f"window/{w.id}" for w in self.config.windows)
        self._last_queues = 0.0
        self._publish_dirty(force=True)

    def _publish_dirty(self, force: bool = False) -> None:
        dirty = self.state.dirty
        if not dirty:
            return
        now = self.clock()
        published: set[str] = set()
        for name in list(dirty):
            if name == "queues":
                if not force and now - self._last_queues < self.queues_interval_s:
                    continue
                self._last_queues = now
                body = snapshots.queues(self.engine, self.epoch, now)
                # The service snapshot rides along at the same (rate-limited) pace.
                self._retain(
                    "service", snapshots.service(self.engine, self.epoch, now, self.started_at)
                )
                published.add("service")
            elif name == "board":
                body = snapshots.board(self.engine, self.epoch, now)
            elif name.startswith("window/"):
                body = snapshots.window(self.engine, self.epoch, now, name.split("/", 1)[1])
            else:
                continue
            self._retain(name, body)
            published.add(name)
        dirty.difference_update(published)
        dirty.discard("service")

    def _retain(self, name: str, body: dict[str, Any]) -> None:
        self.link.publish(self.topics.state(name), _dumps(body), qos=1, retain=True)


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _loose_id(payload: bytes | bytearray) -> str | None:
    """The command id of a payload that failed validation, if one can be read."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and len(value) <= 64 else None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e["loc"]) or "payload"
        return f"{where}: {e['msg']}"
    return "payload is not JSON"
