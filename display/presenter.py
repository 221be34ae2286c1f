"""The lobby display's view state, from retained snapshots and the event stream (no Kivy).

Sync follows docs/protocol.md: take a ``state/board`` snapshot, then apply events with a
higher ``seq``; on a gap or a new ``epoch`` drop what was derived and wait for the next
snapshot (events arriving meanwhile are buffered and applied on top of it).

Every ``ticket.called`` / ``ticket.recalled`` event becomes a call: it goes to the
announcement sink at once (in event order) and to the highlight queue, which shows each
call for at least ``min_show_s`` before the next, so a burst of calls loses none.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from display.settings import ScreenSettings
from hall.conf import HallConfig
from hall.conf.model import Role

LATE_ANNOUNCE_S = 60.0
"""A call first seen in a snapshot (after an outage) is still announced if this recent."""
BUFFER_MAX = 5000


@dataclass(frozen=True)
class CallView:
    number: str
    window: str
    at: float
    ticket: str = ""
    recall: bool = False

    @property
    def key(self) -> tuple[str, str, float]:
        return (self.ticket or self.number, self.window, self.at)

    @property
    def window_no(self) -> int:
        return int(self.window.lstrip("W") or 0)


@dataclass
class WindowTile:
    window: str
    status: str = "closed"
    """``open``, ``paused`` or ``closed``."""
    number: str | None = None
    ticket_status: str | None = None
    """``called`` or ``serving`` while a ticket is at this window."""
    after_hours: bool = False

    @property
    def window_no(self) -> int:
        return int(self.window.lstrip("W") or 0)


@dataclass(frozen=True)
class QueueCount:
    prefix: str
    waiting: int
    est_wait_min: float | None
    open_windows: int


@dataclass(frozen=True)
class DisplayView:
    """Everything the screen shows; the Kivy view only formats it."""

    highlight: CallView | None
    calls: tuple[CallView, ...]
    """Latest calls shown, newest first (the highlighted one first)."""
    pending: int
    """Calls waiting for their turn to be highlighted."""
    windows: tuple[WindowTile, ...]
    queues: tuple[QueueCount, ...]
    now: float
    clock: str
    date: str
    weekday: int
    """ISO weekday of ``date`` (1 = Monday)."""
    notice: dict[str, str] | None
    stale: bool
    stale_reasons: tuple[str, ...]
    seq: int
    epoch: str | None
    day: str | None


@dataclass
class _Sync:
    epoch: str | None = None
    seq: int = 0
    synced: bool = False
    ever_synced: bool = False
    buffer: list[dict[str, Any]] = field(default_factory=list)


class DisplayPresenter:
    """Thread-safe: MQTT handlers may call :meth:`handle`, the screen calls :meth:`view`."""

    def __init__(
        self,
        config: HallConfig,
        settings: ScreenSettings | None = None,
        announce: Callable[[CallView], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.settings = settings or ScreenSettings()
        self.announce = announce
        self.clock = clock
        self.topics_root = config.topic_root
        self.service_client = next(
            (c.id for c in config.clients if c.role == Role.SERVICE), "queue-service"
        )
        self._lock = threading.RLock()
        self._sync = _Sync()
        self._tiles = {w.id: WindowTile(w.id) for w in config.windows}
        self._queues: dict[str, QueueCount] = {}
        self._queues_seq = -1
        self._notice: dict[str, str] | None = None
        self._notice_until: float | None = None
        self._day: str | None = None
        self._seen: set[tuple[str, str, float]] = set()
        self._pending: deque[CallView] = deque()
        self._shown: deque[CallView] = deque(maxlen=self.settings.recent_rows)
        self._highlight: CallView | None = None
        self._highlight_since = 0.0
        self._to_announce: list[CallView] = []
        self.call_log: list[CallView] = []
        """Every call seen live (not from the first snapshot), in order; for tests and bench."""
        self.connected = False
        self._service_online: bool | None = None
        self._last_service_at: float | None = None
        self._listeners: list[Callable[[], None]] = []

    # ------------------------------------------------------------ input

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (on the caller's thread) after every change of state."""
        self._listeners.append(listener)

    def set_connected(self, connected: bool) -> None:
        with self._lock:
            changed = connected != self.connected
            self.connected = connected
            if not connected:
                self._sync.synced = False  # a reconnect brings the retained snapshots again
        if changed:
            self._changed()

    def handle(self, topic: str, body: dict[str, Any], now: float | None = None) -> None:
        """Route one message (topic relative to the hall root or absolute)."""
        now = self.clock() if now is None else now
        name = topic[len(self.topics_root) + 1 :] if topic.startswith(self.topics_root) else topic
        with self._lock:
            if name == "events":
                self._on_event(body, now)
            elif name == "state/board":
                self._on_board(body, now)
            elif name == "state/queues":
                self._on_queues(body, now)
            elif name in ("state/service", "heartbeat"):
                self._touch_service(body, now)
            elif name == "state/notice":
                self._on_notice(body)
            elif name == f"status/{self.service_client}":
                self._on_service_status(body, now)
            else:
                return
            self._advance(now)
            to_announce, self._to_announce = self._to_announce, []
        self._changed()  # the screen first: composing a sound must not delay it
        if self.announce is not None:
            for call in to_announce:
                self.announce(call)

    def tick(self, now: float | None = None) -> bool:
        """Advance the highlight queue; True when the highlighted call changed."""
        now = self.clock() if now is None else now
        with self._lock:
            moved = self._advance(now)
        if moved:
            self._changed()
        return moved

    # ------------------------------------------------------------ output

    def view(self, now: float | None = None) -> DisplayView:
        now = self.clock() if now is None else now
        with self._lock:
            self._advance(now)
            local = datetime.fromtimestamp(now, self.config.tz)
            reasons = self._stale_reasons(now)
            return DisplayView(
                highlight=self._highlight,
                calls=tuple(self._shown),
                pending=len(self._pending),
                windows=tuple(
                    WindowTile(t.window, t.status, t.number, t.ticket_status, t.after_hours)
                    for t in self._tiles.values()
                ),
                queues=tuple(self._queues[p] for p in sorted(self._queues)),
                now=now,
                clock=local.strftime("%H:%M:%S"),
                date=local.strftime("%Y-%m-%d"),
                weekday=local.isoweekday(),
                notice=self._current_notice(now),
                stale=bool(reasons),
                stale_reasons=reasons,
                seq=self._sync.seq,
                epoch=self._sync.epoch,
                day=self._day,
            )

    def _current_notice(self, now: float) -> dict[str, str] | None:
        if not self._notice or (self._notice_until is not None and now > self._notice_until):
            return None
        return dict(self._notice)

    def pending_calls(self) -> list[CallView]:
        with self._lock:
            return list(self._pending)

    # --------------------------------------------------------- snapshots

    def _on_board(self, body: dict[str, Any], now: float) -> None:
        if not body or "seq" not in body:
            return
        self._touch_service(body, now)
        s = self._sync
        seq, epoch = int(body["seq"]), str(body.get("epoch", ""))
        if s.synced and epoch == s.epoch and seq < s.seq:
            return  # older than the events already applied
        first = not s.ever_synced
        self._day = body.get("day", self._day)
        for wid, w in (body.get("windows") or {}).items():
            tile = self._tiles.setdefault(wid, WindowTile(wid))
            tile.status = w.get("status", "closed")
            tile.after_hours = bool(w.get("after_hours", False))
            tile.number = w.get("current")
            tile.ticket_status = w.get("current_status") if tile.number else None
        for c in reversed(body.get("recent_calls") or []):  # oldest first
            call = CallView(str(c["number"]), str(c["window"]), float(c["at"]), str(c["ticket"]))
            if call.key in self._seen:
                continue
            self._seen.add(call.key)
            if first or now - call.at > LATE_ANNOUNCE_S:
                self._shown.appendleft(call)  # history: shown, not announced again
            else:
                self._queue_call(call)
        if first and self._shown and self._highlight is None:
            self._highlight, self._highlight_since = self._shown[0], now - self.settings.min_show_s
        s.epoch, s.seq, s.synced, s.ever_synced = epoch, seq, True, True
        buffered, s.buffer = s.buffer, []
        for event in sorted(buffered, key=lambda e: int(e.get("seq", 0))):
            if event.get("epoch") == epoch and int(event.get("seq", 0)) > s.seq:
                self._on_event(event, now)

    def _on_queues(self, body: dict[str, Any], now: float) -> None:
        if not body or "prefixes" not in body:
            return
        self._touch_service(body, now)
        seq = int(body.get("seq", 0))
        if body.get("epoch") == self._sync.epoch and seq < self._queues_seq:
            return
        self._queues_seq = seq
        self._queues = {
            prefix: QueueCount(
                prefix,
                int(q.get("waiting", 0)),
                q.get("est_wait_min"),
                int(q.get("open_windows", 0)),
            )
            for prefix, q in body["prefixes"].items()
        }

    def _on_notice(self, body: dict[str, Any]) -> None:
        until = body.get("until") if body else None
        self._notice_until = float(until) if until else None
        text = body.get("text") if body else None
        if isinstance(text, str):
            self._notice = {"zh-Hant": text, "zh-Hans": text, "en": text} if text else None
        elif isinstance(text, dict):
            self._notice = {str(k): str(v) for k, v in text.items() if v} or None
        else:
            self._notice = None

    def _on_service_status(self, body: dict[str, Any], now: float) -> None:
        online = body.get("online") if body else None
        self._service_online = None if online is None else bool(online)
        if online:
            self._last_service_at = now

    def _touch_service(self, body: dict[str, Any], now: float) -> None:
        if body:
            self._last_service_at = now

    # ------------------------------------------------------------ events

    def _on_event(self, e: dict[str, Any], now: float) -> None:
        if "seq" not in e or "type" not in e:
            return
        self._touch_service(e, now)
        s = self._sync
        seq = int(e["seq"])
        if not s.synced:
            if len(s.buffer) < BUFFER_MAX:
                s.buffer.append(e)
            return
        if e.get("epoch") != s.epoch:
            s.synced = False  # the service restarted: wait for its fresh snapshots
            s.buffer.append(e)
            return
        if seq <= s.seq:
            return
        if seq != s.seq + 1:
            s.synced = False  # a gap: the next snapshot repairs it
            s.buffer.append(e)
            return
        s.seq = seq
        self._apply(e["type"], e.get("data") or {}, e.get("day"), now)

    def _apply(self, etype: str, d: dict[str, Any], day: str | None, now: float) -> None:
        if etype in ("ticket.called", "ticket.recalled"):
            ticket = str(d["ticket"])
            number = str(d.get("number") or ticket.rsplit("-", 1)[-1])
            tile = self._tiles.setdefault(d["window"], WindowTile(d["window"]))
            tile.number, tile.ticket_status = number, "called"
            call = CallView(number, d["window"], float(d["at"]), ticket, etype.endswith("recalled"))
            if call.key not in self._seen:
                self._seen.add(call.key)
                self._queue_call(call)
        elif etype == "ticket.started":
            tile = self._tiles.get(d.get("window", ""))
            if tile is not None:
                tile.ticket_status = "serving"
        elif etype in ("ticket.finished", "ticket.requeued", "ticket.voided"):
            number = str(d.get("ticket", "")).rsplit("-", 1)[-1]
            for tile in self._tiles.values():
                if tile.number == number and d.get("window") in (None, tile.window):
                    tile.number, tile.ticket_status = None, None
        elif etype == "window.changed":
            tile = self._tiles.setdefault(d["window"], WindowTile(d["window"]))
            if "status" in d:
                tile.status = d["status"]
            if "after_hours" in d:
                tile.after_hours = bool(d["after_hours"])
        elif etype == "day.opened":
            self._day = d.get("day", day)
            for tile in self._tiles.values():
                tile.status, tile.number, tile.ticket_status = "closed", None, None
            self._shown.clear()
            self._highlight = None

    # ------------------------------------------------------- highlighting

    def _queue_call(self, call: CallView) -> None:
        self._pending.append(call)
        self.call_log.append(call)
        self._to_announce.append(call)

    def _advance(self, now: float) -> bool:
        if not self._pending:
            return False
        if self._highlight is not None and now - self._highlight_since < self.settings.min_show_s:
            return False
        call = self._pending.popleft()
        self._highlight, self._highlight_since = call, now
        self._shown.appendleft(call)
        return True

    # -------------------------------------------------------------- stale

    def _stale_reasons(self, now: float) -> tuple[str, ...]:
        reasons = []
        if not self.connected:
            reasons.append("disconnected")
        if self._service_online is False:
            reasons.append("service_offline")
        timeout = self.settings.heartbeat_timeout_s
        if timeout and (self._last_service_at is None or now - self._last_service_at > timeout):
            reasons.append("no_heartbeat")
        if not self._sync.ever_synced:
            reasons.append("no_data")
        return tuple(reasons)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()
