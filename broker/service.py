"""The queue service: the single writer of hall state.

Commands arrive on ``<root>/cmd/<client>/<type>`` and are queued by paho's
network thread; one worker thread takes them in batches. For each command it
checks the payload, the client's role and the command id (a retry gets the
stored reply), runs the engine, and records the reply. The batch's events and
replies are committed to SQLite in one transaction (group commit), and only
then are events, replies and changed snapshots published.
"""

from __future__ import annotations

import copy
import json
import logging
import queue
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pydantic import ValidationError

from broker import snapshots
from broker.domains import RECORD_DOMAINS
from broker.engine import EmittedEvent, Engine
from broker.records import RecordDomain, Records
from broker.state import HallState
from broker.store import StorageUnavailable, Store
from hall.conf import HallConfig
from hall.mqtt import Endpoint, MqttLink
from hall.protocol import (
    COMMAND_ARGS,
    COMMAND_ID_RE,
    HEARTBEAT_S,
    ROLE_COMMANDS,
    Command,
    CommandRejected,
    ErrorBody,
    Heartbeat,
    Reply,
    Topics,
    parse_args,
)

log = logging.getLogger(__name__)


STORAGE_RETRY_S = 1.0
"""After a failed commit, writes are refused at once for this long, then tried again."""
CLOCK_STEP_S = 30.0
"""A wall-clock jump larger than this (against the monotonic clock) is logged and shown."""
QUEUES_DEFER_S = 1.0
"""``state/queues`` (a wait estimate per item: milliseconds of work) gives way to a command
that arrives while it is worked out, but is not put off for longer than this."""


@dataclass(slots=True)
class Outgoing:
    topic: str
    payload: str
    correlation: bytes | None = None
    cmd_id: str | None = None
    ctype: str = ""
    final: bool = False
    """True when the reply does not depend on this batch's commit (stored or refused early)."""


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
        record_domains: Sequence[type[RecordDomain]] | None = None,
    ):
        self.config = config
        self.store = store
        self.clock = clock
        self.topics = Topics(config.topic_root)
        self.epoch = uuid.uuid4().hex[:12]
        self.started_at = clock()
        self.record_domains = tuple(RECORD_DOMAINS if record_domains is None else record_domains)
        self.state = HallState(recent_limit=config.hall_file.queue.board_recent_calls)
        self.records = Records(cls() for cls in self.record_domains)
        self.replayed = self._replay()
        self.engine = Engine(config, self.state, clock, enforce_hours)
        self.engine.fold = self._fold
        self.records.bind(self.engine)
        for domain in self.records.domains:
            self.engine.add_handlers(domain.handlers())
        self.batch_max = batch_max
        self.queues_interval_s = queues_interval_s
        self.tick_interval_s = tick_interval_s
        self.inbound: queue.Queue[mqtt.MQTTMessage | None] = queue.Queue()
        # Commands are acknowledged (PUBACK) only after their batch is durable: a service
        # killed before the commit gets them again from its persistent session.
        self.link = MqttLink(
            endpoint,
            self.topics,
            persistent=True,
            status_extra={"epoch": self.epoch},
            max_inflight=1000,
            manual_ack=True,
        )
        self.link.on_connected(self._on_connected)
        self._stop = threading.Event()
        self._republish = threading.Event()
        self._worker: threading.Thread | None = None
        self._last_queues = 0.0
        self._queues_done = time.monotonic()
        self._waiting = snapshots.WaitingJson()
        self._last_tick = 0.0
        self._last_beat = 0.0
        self._wall_mono: tuple[float, float] | None = None
        self.clock_step: dict[str, Any] | None = None
        """The last wall-clock step seen: ``{"by_s": ..., "at": ...}``."""
        self.storage_error: str | None = None
        """Why the last commit failed, while writes are refused; None when storage is fine."""
        self._storage_retry_at = 0.0
        self.fatal: BaseException | None = None

    # ----------------------------------------------------------- lifecycle

    def _replay(self) -> int:
        """Rebuild memory from the log: the queue from the last ``day.opened``, each record
        domain from its latest checkpoint; only the events after those are read."""
        day_start = self.store.replay_start()
        start = day_start
        if self.records.domains:
            checkpoints = self.store.latest_checkpoints()
            start = min(day_start, self.records.restore(checkpoints, day_start))
        n = 0
        for seq, etype, data in self.store.events_from(start):
            if self.records.replay(seq, etype, data):
                if seq >= day_start:
                    self.state.skip(seq)
            elif seq >= day_start:
                self.state.apply(seq, etype, data)
                if etype == "day.opened":
                    self.records.day_opened()
            n += 1
        self.state.dirty.clear()
        self.records.take_dirty()
        log.info("replayed %d events, seq %d, day %s", n, self.state.seq, self.state.day)
        return n

    def _fold(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        """Fold a new event: into its record domain, or into the day's queue state."""
        if self.records.owns(etype):
            self.records.apply(seq, etype, data)
            self.state.skip(seq)
        else:
            self.state.apply(seq, etype, data)
            if etype == "day.opened":
                self.records.day_opened()
        self.state.dirty |= self.records.take_dirty()

    def _rebuild(self) -> None:
        """Throw away the in-memory state and rebuild it from the log (after a failed commit)."""
        self.state = HallState(recent_limit=self.config.hall_file.queue.board_recent_calls)
        self.records = Records(cls() for cls in self.record_domains)
        self._replay()
        self.engine.state = self.state
        self.engine.fold = self._fold
        self.engine.take_emitted()
        # The handlers are bound methods of the old domains: point the engine at the new ones.
        self.records.bind(self.engine)
        for domain in self.records.domains:
            for ctype, handler in domain.handlers().items():
                self.engine._handlers[ctype] = handler

    def _on_connected(self) -> None:
        # On paho's thread: only flag it. After a broker restart the retained state is gone.
        self._republish.set()
        self.inbound.put(None)

    def start(self, timeout: float = 10.0) -> QueueService:
        self.link.subscribe(self.topics.commands_wildcard(), self.inbound.put, inline=True)
        self.link.connect(timeout)
        self._publish_all_snapshots()
        self._worker = threading.Thread(target=self._run, name="queue-worker", daemon=True)
        self._worker.start()
        return self

    def request_stop(self) -> None:
        """Ask the service to stop (signal-safe); :meth:`wait` then returns."""
        self._stop.set()

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
                        msg = self.inbound.get_nowait()
                    except queue.Empty:
                        break
                    if msg is not None:
                        batch.append(msg)
                self.process(batch)
                self._heartbeat()
        except BaseException as exc:  # stop loudly: the log is the truth, restart replays it
            log.critical("queue service stopping: %s", exc, exc_info=True)
            self.fatal = exc
            self._stop.set()

    def _idle_timeout(self) -> float:
        if "queues" in self.state.dirty:
            return max(0.0, self.queues_interval_s - (self.clock() - self._last_queues))
        return min(1.0, HEARTBEAT_S / 2)

    def _heartbeat(self) -> None:
        mono = time.monotonic()
        if mono - self._last_beat < HEARTBEAT_S:
            return
        self._last_beat = mono
        beat = Heartbeat(
            epoch=self.epoch,
            seq=self.state.seq,
            t=time.time(),
            day=self.state.day,
            storage="unavailable" if self.storage_error else "ok",
        )
        self.link.publish(self.topics.heartbeat, beat.model_dump_json(), qos=0)

    def _watch_clock(self, now: float) -> None:
        """Log and show a wall-clock step (NTP, an operator): it moves no business day back."""
        mono = time.monotonic()
        if self._wall_mono is not None:
            wall0, mono0 = self._wall_mono
            step = (now - wall0) - (mono - mono0)
            if abs(step) > CLOCK_STEP_S:
                at = datetime.fromtimestamp(now, self.config.tz).isoformat(timespec="seconds")
                log.warning("wall clock stepped by %+.0f s (now %s)", step, at)
                self.clock_step = {"by_s": round(step, 1), "at": at}
                self.state.dirty.add("queues")
        self._wall_mono = (now, mono)

    def process(self, batch: list[mqtt.MQTTMessage]) -> None:
        """Carry out a batch: engine, one durable commit, then publish, then acknowledge."""
        now = self.clock()
        self._watch_clock(now)
        if self._republish.is_set():
            self._republish.clear()
            self._publish_all_snapshots()
        if self.storage_error is not None and time.monotonic() < self._storage_retry_at:
            self._refuse_batch(batch)
            return
        replies: list[Outgoing] = []
        events: list[EmittedEvent] = []
        try:
            if now - self._last_tick >= self.tick_interval_s:
                self._last_tick = now
                self.engine.roll_day(now)
                for domain in self.records.domains:
                    domain.tick(now)
                events += self.engine.take_emitted()
            for msg in batch:
                out = self._handle(msg)
                events += self.engine.take_emitted()
                if out is not None:
                    replies.append(out)
            datas = [snapshots.dumps(e.data) for e in events]
            wrote = self.commit(events, datas)
        except StorageUnavailable as exc:
            self._storage_failed(exc, batch)
            return
        except sqlite3.Error as exc:
            self.store.rollback()
            raise FatalServiceError(f"commit failed: {exc}") from exc
        if self.storage_error is not None and wrote:
            log.warning("storage is back: writes accepted again")
            self.storage_error = None
            self.state.dirty.add("queues")
            self._last_beat = 0.0
        for e, data in zip(events, datas, strict=True):
            # The event's data as the log has it: dumped once, for both.
            head = {"seq": e.seq, "epoch": self.epoch, "type": e.type, "at": e.at, "day": e.day}
            text = f'{snapshots.dumps(head)[:-1]},"data":{data}}}'
            self.link.publish(self.topics.events, text, qos=1)
        self._publish_replies(replies)
        self._publish_dirty()
        for msg in batch:
            self.link.ack(msg)

    def commit(self, events: list[EmittedEvent], datas: list[str] | None = None) -> bool:
        """Append a batch's events (and record checkpoints when due) and make them durable.

        ``datas``: each event's data already dumped to JSON (the text the log keeps)."""
        if events:
            self.store.append(events, self.epoch, datas)
            if self.records.due(events):
                self.store.write_checkpoints(self.records.checkpoints(self.state.seq))
        return self.store.commit()

    def _publish_replies(self, replies: list[Outgoing]) -> None:
        for r in replies:
            props = None if r.correlation is None else _correlated(r.correlation)
            self.link.publish(r.topic, r.payload, qos=1, properties=props)

    def _storage_failed(self, exc: StorageUnavailable, batch: list[mqtt.MQTTMessage]) -> None:
        """Nothing of the batch was kept: rebuild memory from the log, answer every command."""
        if self.storage_error is None:
            log.error("storage unavailable, writes refused until it is back: %s", exc)
        self.storage_error = str(exc)
        self._storage_retry_at = time.monotonic() + STORAGE_RETRY_S
        self._last_beat = 0.0
        self._rebuild()
        self.state.dirty.add("queues")  # the service snapshot shows the storage error
        self._publish_dirty()
        self._refuse_batch(batch)

    def _refuse_batch(self, batch: list[mqtt.MQTTMessage]) -> None:
        """While storage is down: answer at once instead of letting clients time out."""
        replies = []
        for msg in batch:
            try:
                out = self._handle_readonly(msg)
            except StorageUnavailable:
                continue  # not even a read: the client's retry will be answered
            if out is not None:
                replies.append(out)
        self._publish_replies(replies)
        for msg in batch:
            self.link.ack(msg)

    def _unavailable(self, out: Outgoing) -> Outgoing:
        if out.final:
            return out
        reply = self._error(
            out.cmd_id,
            out.ctype,
            "storage_unavailable",
            "the hall's event log cannot be written (disk full or failing); nothing was done: "
            "try again shortly",
            {"cause": self.storage_error or ""},
        )
        return Outgoing(out.topic, reply.model_dump_json(), out.correlation, out.cmd_id, out.ctype)

    # ----------------------------------------------------------- commands

    def _handle(self, msg: mqtt.MQTTMessage) -> Outgoing | None:
        """Check and carry out one command message; the reply to publish after the commit."""
        pre = self._prepare(msg)
        if pre is None or isinstance(pre, Outgoing):
            return pre
        client, ctype, cmd, out = pre
        before = len(self.engine.emitted)
        try:
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
            log.exception("%s from %s failed", ctype, client.id)
            reply = self._error(cmd.id, ctype, "internal_error", "the service could not do this")
        text = reply.model_dump_json()
        if ctype != "service.ping":
            at = datetime.fromtimestamp(self.clock(), self.config.tz).isoformat()
            self.store.record_command(client.id, cmd.id, ctype, at, text)
        return out(reply, ctype == "service.ping", text)

    def _handle_readonly(self, msg: mqtt.MQTTMessage) -> Outgoing | None:
        """While storage is down: stored replies and pings are answered, the rest refused."""
        pre = self._prepare(msg)
        if pre is None or isinstance(pre, Outgoing):
            return pre
        _client, ctype, cmd, out = pre
        if ctype == "service.ping":
            return self._handle(msg)
        return self._unavailable(out(self._error(cmd.id, ctype, "storage_unavailable", "")))

    def _prepare(
        self, msg: mqtt.MQTTMessage
    ) -> Outgoing | tuple[Any, str, Command, Callable[[Reply, bool], Outgoing]] | None:
        """Everything before the engine: topic, client, payload, role, retry, expiry.

        Returns None (nothing to answer), a final reply, or what the engine needs.
        No payload whatever may raise out of here: the service must not stop on input.
        """
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

        def out(reply: Reply, final: bool = False, text: str | None = None) -> Outgoing:
            if text is None:
                text = reply.model_dump_json()
            return Outgoing(reply_topic, text, correlation, reply.id, ctype, final)

        try:
            cmd = Command.model_validate_json(msg.payload)
        except Exception as exc:  # ValidationError, and whatever else a payload can cause
            cmd_id = _loose_id(msg.payload)
            return out(self._error(cmd_id, ctype, "malformed", _first_error(exc)), True)
        stored = self.store.stored_reply(client_id, cmd.id)
        if stored is not None:
            reply = Reply.model_validate_json(stored)
            if reply.type != ctype:
                # The same id for another command: not a retry, and never carried out.
                return out(
                    self._error(
                        cmd.id,
                        ctype,
                        "id_reused",
                        f"command id {cmd.id} was used for {reply.type}; use a new id",
                    ),
                    True,
                )
            reply.replayed = True
            return out(reply, True)
        if cmd.expires is not None and time.time() > cmd.expires:
            # The client gave up on it: carrying it out now would make a ticket nobody holds.
            return out(
                self._error(
                    cmd.id,
                    ctype,
                    "expired",
                    "the command arrived after its deadline and was not carried out",
                    {"expires": cmd.expires},
                ),
                True,
            )
        if ctype not in COMMAND_ARGS:
            return out(
                self._error(cmd.id, ctype, "unknown_command", f"unknown command type {ctype!r}"),
                True,
            )
        if ctype not in ROLE_COMMANDS.get(client.role, ()):
            return out(
                self._error(
                    cmd.id, ctype, "forbidden", f"a {client.role.value} client may not send {ctype}"
                ),
                True,
            )
        return client, ctype, cmd, out

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
        self._retain("catalog", snapshots.catalog(self.engine, self.epoch, self.clock()))
        self.state.dirty.update({"board", "queues", "service"})
        self.state.dirty.update(f"window/{w.id}" for w in self.config.windows)
        for domain in self.records.domains:
            self.state.dirty.update(domain.snapshot_names())
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
                overdue = time.monotonic() - self._queues_done >= QUEUES_DEFER_S
                waiting = None if force or overdue else self.inbound.qsize
                queues = snapshots.queues(self.engine, self.epoch, now, waiting)
                if queues is None:
                    continue  # a command came in: it goes first, the snapshot stays due
                body = queues
                self._last_queues, self._queues_done = now, time.monotonic()
                # The waiting list and the service snapshot ride along at the same
                # (rate-limited) pace.
                self._retain_text("waiting", self._waiting.text(self.engine, self.epoch, now))
                published.add("waiting")
                self._retain(
                    "service",
                    snapshots.service(
                        self.engine,
                        self.epoch,
                        now,
                        self.started_at,
                        self.storage_error,
                        self.clock_step,
                    ),
                )
                published.add("service")
            elif name == "board":
                body = snapshots.board(self.engine, self.epoch, now)
            elif name.startswith("window/"):
                window_id = name.split("/", 1)[1]
                body = snapshots.window(self.engine, self.epoch, now, window_id)
                body["staff"] = self.engine.staff_at_window(window_id)
            elif (owner := self.records.snapshot_owner(name)) is not None:
                body = {**snapshots.stamp(self.engine, self.epoch, now), **owner.snapshot(name)}
            else:
                continue
            self._retain(name, body)
            published.add(name)
        dirty.difference_update(published)
        dirty.discard("service")

    def _retain(self, name: str, body: dict[str, Any]) -> None:
        self._retain_text(name, snapshots.dumps(body))

    def _retain_text(self, name: str, text: str) -> None:
        self.link.publish(self.topics.state(name), text, qos=1, retain=True)


_PUBLISH_PROPERTIES = Properties(PacketTypes.PUBLISH)


def _correlated(correlation: bytes) -> Properties:
    """A reply's properties: its correlation data only.

    Copied from an empty set instead of built: ``Properties()`` fills two tables of every
    property name each time and its ``__setattr__`` searches them (~6% of the worker's time
    per command). The tables are only read, so the copies share them; correlation data needs
    none of the checks ``__setattr__`` makes.
    """
    props = copy.copy(_PUBLISH_PROPERTIES)
    object.__setattr__(props, "CorrelationData", correlation)
    return props


_ID = re.compile(COMMAND_ID_RE)


def _loose_id(payload: bytes | bytearray) -> str | None:
    """The command id of a payload that failed validation, if a valid one can be read.

    Never raises: a payload nested 100,000 levels deep makes ``json.loads`` raise
    ``RecursionError``, which must not stop the service.
    """
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        if errors:
            e = errors[0]
            where = ".".join(str(p) for p in e["loc"]) or "payload"
            return f"{where}: {e['msg']}"[:300]
    return "payload is not a JSON command"
