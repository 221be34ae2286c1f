"""The recorder over the hall network: attendance commands go to the single durable writer.

:class:`MqttRecorder` has the :class:`attendance.recorder.FileRecorder` interface: ``submit``
sends the command to the queue service (``punch.record``, ``manual.enter``, ...; the command's
data are the arguments) and returns the events of the reply, or raises
:class:`attendance.rules.Rejected` with the reply's error code. A connection or service fault
is refused too, with the code ``service_unavailable`` (nothing was recorded, as far as the
station can tell; the writer drops a command that arrives after the request gave up).

The duty console also needs the state. With ``follow=True`` the recorder folds an
:class:`AttendanceState` from the writer's events on ``<root>/events`` (attendance types only;
each event rebuilt from its data minus ``local_at``, with ``at`` = ``local_at``). The history
before it connected comes from the event log, read read-only with ``sqlite3`` (``log``: the
writer's ``var/hall.db``, on the same machine): the stream is subscribed first and buffered,
the log read, then the buffered events newer than the log's last one are folded, so no event
is lost or folded twice; a gap in the stream's ``seq`` later (a reconnect) is read from the log
too. Without a log the state starts at the connection (the console then
shows only what happened since it started). After a command, ``submit`` waits until the
stream has brought its events (the reply's ``seq``), so ``refresh()`` shows them at once.
"""

from __future__ import annotations

import copy
import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from attendance.handlers import Handlers
from attendance.rules import Context, Rejected
from attendance.state import AttendanceState, Command, Event, apply
from hall.contract.attendance import DOMAIN
from hall.mqtt import HallClient, MqttError

log = logging.getLogger(__name__)

EVENT_TYPES = frozenset(DOMAIN.events)
UNAVAILABLE = "service_unavailable"


def event_from_wire(etype: str, data: dict[str, Any]) -> Event:
    """The rules' event from the writer's event data (which adds ``local_at``)."""
    body = {k: v for k, v in data.items() if k != "local_at"}
    return Event(etype, str(data["local_at"]), body)


def read_log(
    path: str | Path, after: int = 0, before: int | None = None
) -> tuple[list[Event], int]:
    """The attendance events of the writer's log (read-only) with ``after < seq < before``,
    and the log's last seq."""
    db = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        marks = ",".join("?" * len(EVENT_TYPES))
        rows = db.execute(
            f"SELECT seq, type, data FROM events WHERE type IN ({marks}) AND seq > ? AND seq < ?"
            " ORDER BY seq",
            [*sorted(EVENT_TYPES), after, before if before is not None else 2**62],
        ).fetchall()
        (last,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
    finally:
        db.close()
    return [event_from_wire(etype, json.loads(data)) for _seq, etype, data in rows], int(last)


class MqttRecorder:
    """Attendance commands through the writer; optionally the state folded from its events."""

    def __init__(
        self,
        client: HallClient,
        ctx: Context,
        follow: bool = False,
        log_path: str | Path | None = None,
        sync_timeout_s: float = 5.0,
    ) -> None:
        self.client = client
        self.handlers = Handlers(ctx)
        """For dry runs only (what the console may offer); the writer decides."""
        self.state = AttendanceState()
        self.follow = follow
        self.log_path = Path(log_path) if log_path else None
        self.sync_timeout_s = sync_timeout_s
        self.seq = 0
        """The last event seq folded in (from the log or the stream)."""
        self._cond = threading.Condition()
        self._loaded = False
        self._buffer: list[tuple[int, str, dict[str, Any]]] = []
        self._changes = 0
        self._copied = -1
        self._copy: AttendanceState | None = None
        if follow:
            client.subscribe(client.topics.events, self._on_event)

    # ------------------------------------------------------------------ the state

    def load_history(self) -> None:
        """Fold the log's attendance events, then what the stream buffered since. Call once,
        after the client connected (the subscription must be live before the log is read)."""
        if self.follow:
            # A round trip through the broker: our SUBSCRIBE (sent on connect) was processed
            # before this command, so every event published after the log is read reaches us.
            try:
                self.client.request("service.ping", {}, attempts=1)
            except MqttError as exc:
                log.warning("service.ping before reading the log: %s", exc)
        events, last = read_log(self.log_path) if self.log_path else ([], 0)
        with self._cond:
            for event in events:
                apply(self.state, event)
            self._changes += 1
            self.seq = max(self.seq, last)
            buffered, self._buffer = self._buffer, []
            self._loaded = True
            for seq, etype, data in buffered:
                self._fold(seq, etype, data)
            self._cond.notify_all()

    def _on_event(self, msg: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(msg.payload)
            seq, etype, data = int(body["seq"]), str(body["type"]), dict(body["data"])
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable event on %s", msg.topic)
            return
        with self._cond:
            if not self._loaded:
                self._buffer.append((seq, etype, data))
                return
            self._fold(seq, etype, data)
            self._cond.notify_all()

    def _fold(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        if seq <= self.seq:
            return  # already in (from the log, or a redelivery)
        if self.seq and seq > self.seq + 1 and self.log_path is not None:
            self._fill_gap(seq)
        self.seq = seq
        if etype in EVENT_TYPES:
            apply(self.state, event_from_wire(etype, data))
            self._changes += 1

    def _fill_gap(self, seq: int) -> None:
        """Events the stream did not bring (a reconnect): read them from the log."""
        assert self.log_path is not None
        try:
            missed, _last = read_log(self.log_path, after=self.seq, before=seq)
        except sqlite3.Error as exc:
            log.warning("events %d..%d missed and the log is unreadable: %s", self.seq, seq, exc)
            return
        log.info(
            "events %d..%d missed on the stream: %d read from the log", self.seq, seq, len(missed)
        )
        for event in missed:
            apply(self.state, event)
        self._changes += 1

    def refresh(self) -> AttendanceState:
        """A copy of the state folded so far, safe to read on the caller's thread while the
        stream keeps folding (copied again only after something changed)."""
        if self.follow and not self._loaded:
            self.load_history()
        with self._cond:
            if self._copy is None or self._copied != self._changes:
                self._copy = copy.deepcopy(self.state)
                self._copied = self._changes
            return self._copy

    def wait_for(self, seq: int, timeout: float | None = None) -> bool:
        """Wait until the event ``seq`` has been folded in."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._loaded and self.seq >= seq, timeout or self.sync_timeout_s
            )

    # ------------------------------------------------------------------ commands

    def submit(self, command: Command) -> list[Event]:
        """Send ``command`` to the writer; its events, or :class:`Rejected`."""
        reply = self._request(command.type, command.data)
        events = [Event.from_dict(e) for e in reply.result.get("events", [])]
        if self.follow and events and not self.wait_for(reply.seq):
            log.warning("%s: events up to %d not seen on the stream yet", command.type, reply.seq)
        return events

    def sign_in(self, staff: str, pin: str) -> None:
        """``staff.sign_in`` for this client (the writer checks the PIN); or :class:`Rejected`."""
        self._request("staff.sign_in", {"staff": staff, "pin": pin})

    def sign_out(self) -> None:
        try:
            self._request("staff.sign_out", {})
        except Rejected as exc:
            log.info("staff.sign_out: %s", exc)

    def _request(self, ctype: str, args: dict[str, Any]) -> Any:
        try:
            reply = self.client.request(ctype, args)
        except MqttError as exc:
            raise Rejected(UNAVAILABLE, f"{ctype}: {exc}") from exc
        if not reply.ok:
            error = reply.error
            raise Rejected(
                error.code if error else "bad_command", error.message if error else ctype
            )
        return reply

    def close(self) -> None:
        self.client.close(timeout=1.0)

    @classmethod
    def connect(
        cls,
        client: HallClient,
        ctx: Context,
        follow: bool = False,
        log_path: str | Path | None = None,
        timeout: float = 5.0,
    ) -> MqttRecorder:
        """Subscribe (when following), connect ``client``, read the history; the recorder."""
        recorder = cls(client, ctx, follow=follow, log_path=log_path)
        client.connect(timeout=timeout)
        if follow:
            recorder.load_history()
        return recorder
