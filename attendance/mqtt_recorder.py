"""The recorder over the hall network: attendance commands go to the single durable writer.

:class:`MqttRecorder` has the :class:`attendance.recorder.FileRecorder` interface: ``submit``
sends the command to the queue service (``punch.record``, ``manual.enter``, ...; the command's
data are the arguments) and returns the events of the reply, or raises
:class:`attendance.rules.Rejected` with the reply's error code. A connection or service fault
is refused too, with the code ``service_unavailable`` (nothing was recorded, as far as the
station can tell; the writer drops a command that arrives after the request gave up).

The duty console also needs the state. With ``follow=True`` the recorder keeps the day's
record from the writer's retained ``<root>/state/attendance.day`` (:func:`attendance.state.
day_record`: the day's punches and failed attempts, every manual record of the day or still
pending with its correction chain, open leave, the day's duty log, the readers' status, the
leave desk sign-ins that lapsed) as an :class:`AttendanceState` folded from its events. The
broker hands the retained record to a console the moment it subscribes, so a console started
mid-day on a PC without the writer's log shows everything since the morning; the writer
publishes it again after every change, and a console that lost its link gets the newest on
reconnecting. After a command, ``submit`` waits until a record at least as new as the reply
(its ``seq``) has arrived, so ``refresh()`` shows the command's effect at once.
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
from attendance.state import AttendanceState, Command, Event, replay
from hall.contract.attendance import DOMAIN
from hall.mqtt import HallClient, MqttError

log = logging.getLogger(__name__)

EVENT_TYPES = frozenset(DOMAIN.events)
DAY_RECORD = "attendance.day"
"""The writer's retained snapshot of the day's record (``state/attendance.day``)."""
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
    """Attendance commands through the writer; optionally the day's record it publishes."""

    def __init__(
        self,
        client: HallClient,
        ctx: Context,
        follow: bool = False,
        sync_timeout_s: float = 5.0,
    ) -> None:
        self.client = client
        self.handlers = Handlers(ctx)
        """For dry runs only (what the console may offer); the writer decides."""
        self.state = AttendanceState()
        self.follow = follow
        self.sync_timeout_s = sync_timeout_s
        self.seq = 0
        """The writer's seq the state reflects (the newest day record's)."""
        self.record_day: str | None = None
        """The business day of that record (the writer's)."""
        self._cond = threading.Condition()
        self._loaded = False
        self._changes = 0
        self._copied = -1
        self._copy: AttendanceState | None = None
        if follow:
            client.subscribe(client.topics.state(DAY_RECORD), self._on_record)

    # ------------------------------------------------------------------ the state

    def load_history(self, timeout: float | None = None) -> bool:
        """Wait for the writer's day record (retained: it comes as soon as we subscribed);
        False when none came in ``timeout`` (no writer yet: the state fills in when it
        publishes)."""
        with self._cond:
            got = self._cond.wait_for(lambda: self._loaded, timeout or self.sync_timeout_s)
            self._loaded = True
            return got

    def _on_record(self, msg: mqtt.MQTTMessage) -> None:
        if not msg.payload:
            return
        try:
            body = json.loads(msg.payload)
            seq = int(body["seq"])
            state = replay([Event.from_dict(e) for e in body["events"]])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("unreadable day record on %s: %s", msg.topic, exc)
            return
        with self._cond:
            if seq < self.seq and body.get("record_day") == self.record_day:
                return  # an older copy (a redelivery): ours is newer
            self.state, self.seq = state, seq
            self.record_day = body.get("record_day")
            self._loaded = True
            self._changes += 1
            self._cond.notify_all()

    def refresh(self) -> AttendanceState:
        """A copy of the state so far, safe to read on the caller's thread while new records
        arrive (copied again only after something changed)."""
        with self._cond:
            if self._copy is None or self._copied != self._changes:
                self._copy = copy.deepcopy(self.state)
                self._copied = self._changes
            return self._copy

    def wait_for(self, seq: int, timeout: float | None = None) -> bool:
        """Wait until a day record at least as new as the event ``seq`` has arrived."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._loaded and self.seq >= seq, timeout or self.sync_timeout_s
            )

    # ------------------------------------------------------------------ commands

    def submit(self, command: Command) -> list[Event]:
        """Send ``command`` to the writer; its events, or :class:`Rejected`. A command with
        an ``id`` is sent with that command id (a retry of it is carried out once)."""
        reply = self._request(command.type, command.data, command.id or None)
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

    def query(self, ctype: str, args: dict[str, Any]) -> dict[str, Any]:
        """A command that records nothing (``leave.list``): its result, or :class:`Rejected`."""
        return dict(self._request(ctype, args).result)

    def _request(self, ctype: str, args: dict[str, Any], cmd_id: str | None = None) -> Any:
        try:
            reply = self.client.request(ctype, args, cmd_id=cmd_id)
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
        timeout: float = 5.0,
    ) -> MqttRecorder:
        """Subscribe (when following), connect ``client``, wait for the day's record."""
        recorder = cls(client, ctx, follow=follow)
        client.connect(timeout=timeout)
        if follow and not recorder.load_history(timeout):
            log.warning("no attendance day record from the writer yet")
        return recorder
