"""The central collector: every hall's events into PostgreSQL, once per (hall, seq).

It holds a persistent session on the central broker (MQTT 5, ``clean_start`` false, a session
expiry of a week) and acknowledges each message by hand only after the transaction holding its
row is committed: a collector killed mid-write gets the messages again, and the unique key
(hall, seq) with ``ON CONFLICT DO NOTHING`` makes the repeat harmless. Per hall it keeps the
*frontier* (every seq up to it is in the database) and commits rows in seq order only, so the
centre's table of a hall never has a hole; a seq beyond ``frontier + 1`` means a gap (the hall's
broker restarted with its queue, or the service published while its broker was down): the
collector asks the hall's responder for the missing range over the bridge
(``<root>/central/req``), at most one request per hall at a time. The hall's heartbeat (its
last seq) reveals a gap at the tail, when no later event would. An epoch change is a restart of
the hall's service, not a gap: seq goes on across restarts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from central.bridge import COLLECTOR_ID
from central.db import CentralDB, Row, migrate

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 24 * 3600
LAG_SAMPLES = 20_000
MAX_HELD = 200_000
"""Rows held beyond one hall's gap at most (about 200 MB at worst); then they are dropped and
asked for again once the gap is filled."""
RECEIVE_MAXIMUM = 5000
"""Unacknowledged messages the broker may hand us: the largest batch."""


@dataclass
class HallTrack:
    """What the collector knows of one hall.

    Rows are committed in seq order: only the run that continues the frontier is written; a
    row beyond a gap is *held* (in memory, its message acknowledged) until the gap is filled.
    Held rows lost with the collector are asked for again (the hall's heartbeat shows the head).
    """

    frontier: int = 0
    above: set[int] = field(default_factory=set)
    """Seqs stored beyond the frontier (only in a database written out of order before)."""
    held: dict[int, Row] = field(default_factory=dict)
    head: int = 0
    """The hall's last seq as far as we heard (events, heartbeats, answers)."""
    epoch: str | None = None
    progress_at: float = field(default_factory=time.monotonic)
    request: tuple[int, int] | None = None
    request_at: float = 0.0

    def plan(self, rows: list[Row]) -> tuple[list[Row], int]:
        """Take ``rows`` in; the rows to write now (in seq order) and the frontier after them."""
        for r in rows:
            if r.seq > self.frontier and r.seq not in self.above:
                self.held.setdefault(r.seq, r)
        if len(self.held) > MAX_HELD:  # a gap nobody fills: forget, ask again later
            self.held.clear()
        out: list[Row] = []
        frontier = self.frontier
        while True:
            nxt = frontier + 1
            if nxt in self.held:
                out.append(self.held[nxt])
            elif nxt not in self.above:
                break
            frontier = nxt
        return out, frontier

    def committed(self, frontier: int, now: float) -> None:
        """The rows up to ``frontier`` are in the database."""
        if frontier > self.frontier:
            self.progress_at = now
        for seq in range(self.frontier + 1, frontier + 1):
            self.held.pop(seq, None)
            self.above.discard(seq)
        self.frontier = frontier
        self.head = max(self.head, frontier, max(self.held, default=0))

    def missing(self, now: float, tail_after_s: float) -> tuple[int, int] | None:
        """The range to ask for now, if any."""
        beyond = min(min(self.held, default=2**62), min(self.above, default=2**62))
        if beyond < 2**62:
            return self.frontier + 1, beyond - 1
        if self.head > self.frontier and now - self.progress_at >= tail_after_s:
            return self.frontier + 1, self.head
        return None


@dataclass
class Incoming:
    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int


class Collector:
    """Subscribe, batch, commit, then acknowledge; ask for gaps."""

    def __init__(
        self,
        db_url: str,
        host: str,
        port: int,
        password: str,
        *,
        client_id: str = COLLECTOR_ID,
        batch_max: int = 5000,
        tail_after_s: float = 3.0,
        request_timeout_s: float = 5.0,
        tls_ca: str | None = None,
        stats_path: str | None = None,
    ):
        self.db_url = db_url
        self.host, self.port = host, port
        self.batch_max = batch_max
        self.tail_after_s = tail_after_s
        self.request_timeout_s = request_timeout_s
        self.halls: dict[str, HallTrack] = {}
        self.inbox: queue.Queue[Incoming] = queue.Queue()
        self.committed = 0
        """Rows written (new or repeated) since start."""
        self.requests_sent = 0
        self.on_commit: Callable[[list[Row]], None] | None = None
        self.stats_path = stats_path
        self.lags_ms: deque[float] = deque(maxlen=LAG_SAMPLES)
        """Event committed at its hall (its ``at``) to its row committed here, newest last."""
        self._stats_at = 0.0
        self._generation = 0
        self._stop = threading.Event()
        self._db: CentralDB | None = None
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
        )
        self.client.username_pw_set(client_id, password)
        self.client.manual_ack_set(True)
        self.client.max_inflight_messages_set(100)
        self.client.reconnect_delay_set(0.5, 2)
        if tls_ca:
            self.client.tls_set(ca_certs=tls_ca)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self._worker = threading.Thread(target=self._run, name="collector", daemon=True)

    # ---------------------------------------------------------------- MQTT side

    def _on_connect(self, client: mqtt.Client, _u: object, _f: object, rc: Any, _p: Any) -> None:
        if rc.is_failure:
            log.warning("central broker refused the collector: %s", rc)
            return
        self._generation += 1
        client.subscribe(
            [("hall/+/v1/events", 1), ("hall/+/v1/central/resync", 1), ("hall/+/v1/heartbeat", 0)]
        )

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        self.inbox.put(Incoming(msg.topic, msg.payload, msg.mid, msg.qos, self._generation))

    def start(self) -> Collector:
        self._db = self._connect_db()
        migrate(self.db_url)
        for code, (frontier, above) in self._db.frontiers().items():
            self.halls[code] = HallTrack(frontier=frontier, above=above, head=frontier)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(
            self.host, self.port, keepalive=20, clean_start=False, properties=props
        )
        self.client.loop_start()
        self._worker.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._worker.join(timeout)
        self._write_stats(force=True)
        self.client.disconnect()
        self.client.loop_stop()
        if self._db is not None:
            self._db.close()

    # ---------------------------------------------------------------- the writer loop

    def _connect_db(self) -> CentralDB:
        delay = 0.2
        while True:
            try:
                return CentralDB(self.db_url)
            except Exception as exc:
                if self._stop.is_set():
                    raise
                log.warning("central database unreachable (%s); retrying", exc)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _take(self) -> list[Incoming]:
        try:
            first = self.inbox.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        while len(batch) < self.batch_max:
            try:
                batch.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                batch = self._take()
                if batch:
                    self._handle(batch)
                self._ask_for_gaps()
                self._write_stats()
            except Exception:  # keep collecting; the batch's messages were not acknowledged
                log.exception("collector loop")
                time.sleep(0.5)

    def _parse(self, batch: list[Incoming]) -> tuple[list[Row], dict[str, int]]:
        rows: list[Row] = []
        heads: dict[str, int] = {}
        for m in batch:
            parts = m.topic.split("/")
            if len(parts) < 4 or parts[0] != "hall":
                continue
            code, leaf = parts[1], "/".join(parts[3:])
            try:
                body = json.loads(m.payload)
                if leaf == "events":
                    rows.append(Row.of(code, body))
                elif leaf == "central/resync":
                    rows += [Row.of(code, e) for e in body.get("events", [])]
                    heads[code] = max(heads.get(code, 0), int(body.get("head", 0)))
                    self._answer_seen(code, body)
                elif leaf == "heartbeat":
                    heads[code] = max(heads.get(code, 0), int(body.get("seq", 0)))
            except (ValueError, TypeError, KeyError):
                log.warning("unreadable message on %s dropped", m.topic)
        return rows, heads

    def _answer_seen(self, code: str, body: dict[str, Any]) -> None:
        track = self.halls.setdefault(code, HallTrack())
        track.request_at = time.monotonic()  # an answer in progress: do not ask again yet
        if track.request and (body.get("final") or int(body.get("last", 0)) >= track.request[1]):
            track.request = None  # asked again at once for what is still missing

    def _handle(self, batch: list[Incoming]) -> None:
        rows, heads = self._parse(batch)
        by_hall: dict[str, list[Row]] = {}
        for r in rows:
            by_hall.setdefault(r.hall, []).append(r)
        write: list[Row] = []
        frontiers: dict[str, tuple[int, str | None]] = {}
        for code, hall_rows in by_hall.items():
            track = self.halls.setdefault(code, HallTrack())
            run, frontier = track.plan(hall_rows)
            write += run
            frontiers[code] = (frontier, run[-1].epoch if run else track.epoch)
        self._write(write, frontiers)
        now = time.monotonic()
        for code, (frontier, epoch) in frontiers.items():
            track = self.halls[code]
            track.committed(frontier, now)
            track.epoch = epoch
            if track.request and track.frontier >= track.request[1]:
                track.request = None
        rows = write
        for code, head in heads.items():
            track = self.halls.setdefault(code, HallTrack())
            track.head = max(track.head, head)
        self.committed += len(rows)
        committed_at = time.time()
        for r in rows:
            with contextlib.suppress(ValueError):
                at = datetime.fromisoformat(r.at).timestamp()
                self.lags_ms.append(round((committed_at - at) * 1000, 1))
        if self.on_commit is not None:
            self.on_commit(rows)
        generation = self._generation
        for m in batch:
            if m.qos > 0 and m.generation == generation:
                self.client.ack(m.mid, m.qos)

    def _write(self, rows: list[Row], frontiers: dict[str, tuple[int, str | None]]) -> None:
        """Commit, retrying through a lost database until it works (or we are stopped)."""
        delay = 0.2
        while True:
            try:
                if self._db is None or self._db.broken:
                    if self._db is not None:
                        self._db.close()
                    self._db = self._connect_db()
                self._db.write(rows, frontiers)
                return
            except Exception as exc:
                if self._stop.is_set():
                    raise
                log.warning("central write failed (%s); retrying", exc)
                if self._db is not None:
                    self._db.close()
                    self._db = None
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _write_stats(self, force: bool = False) -> None:
        """Every second (``--stats``): rows written, requests, the recent lags (ms)."""
        now = time.monotonic()
        if not self.stats_path or (not force and now - self._stats_at < 1.0):
            return
        self._stats_at = now
        body = {
            "committed": self.committed,
            "requests": self.requests_sent,
            "frontiers": {c: t.frontier for c, t in self.halls.items()},
            "lags_ms": list(self.lags_ms),
        }
        tmp = f"{self.stats_path}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(body, f)
        os.replace(tmp, self.stats_path)

    def _ask_for_gaps(self) -> None:
        if not self.client.is_connected():
            return
        now = time.monotonic()
        for code, track in self.halls.items():
            if track.request and now - track.request_at < self.request_timeout_s:
                continue
            wanted = track.missing(now, self.tail_after_s)
            if wanted is None:
                track.request = None
                continue
            body = {"id": uuid.uuid4().hex[:12], "first": wanted[0], "last": wanted[1]}
            self.client.publish(f"hall/{code}/v1/central/req", json.dumps(body), qos=1)
            track.request, track.request_at = wanted, now
            self.requests_sent += 1
            log.info("hall %s: asked for events %d..%d", code, *wanted)
