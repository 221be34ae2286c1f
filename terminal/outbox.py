"""Commands from a window terminal: one at a time, held while offline, never doubled.

A press gets a command id at once. If the link is up the command is sent; if not, it is held
(the screen says so) and sent when the link is back, with the **same id**, so a command that
did reach the service before the link dropped is answered from the service's stored reply
instead of being carried out twice. A command held longer than ``hold_s`` without ever being
sent is refused (``offline``); one that was sent but never answered ends ``unconfirmed`` (the
window's retained state then shows what really happened). A press while another command is
still on its way is refused (``busy``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from hall.mqtt import MqttError, NotAuthorized, RequestTimeout
from hall.protocol import Reply

log = logging.getLogger(__name__)


class CommandLink(Protocol):
    @property
    def connected(self) -> bool: ...

    def request(
        self,
        ctype: str,
        args: dict[str, Any] | None = None,
        cmd_id: str | None = None,
        timeout: float | None = None,
        attempts: int = 3,
    ) -> Reply: ...


@dataclass
class Pending:
    id: str
    ctype: str
    args: dict[str, Any]
    pressed_at: float
    sends: int = 0
    """How many times it was published (all with the same id)."""


@dataclass(frozen=True)
class Outcome:
    """How a command ended: ``ok``, ``error`` (with the service's code), ``offline``
    (never sent, refused), ``unconfirmed`` (sent, no reply) or ``busy`` (refused at once)."""

    command: Pending
    status: str
    code: str = ""
    reply: Reply | None = None


@dataclass
class CommandOutbox:
    link_of: Callable[[], CommandLink | None]
    on_outcome: Callable[[Outcome], None]
    client_id: str = "window"
    hold_s: float = 30.0
    reply_timeout_s: float = 3.0
    on_change: Callable[[], None] | None = None
    _pending: Pending | None = None
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _stop: bool = False
    _thread: threading.Thread | None = None

    def start(self) -> CommandOutbox:
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(self.reply_timeout_s + 2)

    @property
    def pending(self) -> Pending | None:
        with self._cond:
            return self._pending

    def press(self, ctype: str, args: dict[str, Any] | None = None) -> Pending | None:
        """Queue a command; None (and a ``busy`` outcome) if one is still on its way."""
        cmd = Pending(f"{self.client_id}-{uuid.uuid4().hex[:16]}", ctype, args or {}, time.time())
        with self._cond:
            if self._pending is not None:
                busy = True
            else:
                busy = False
                self._pending = cmd
                self._cond.notify_all()
        if busy:
            self.on_outcome(Outcome(cmd, "busy"))
            return None
        self._changed()
        return cmd

    def poke(self) -> None:
        """Wake the worker (call when the link came back)."""
        with self._cond:
            self._cond.notify_all()

    # ---------------------------------------------------------------- worker

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                cmd = self._pending
            assert cmd is not None
            outcome = self._deliver(cmd)
            with self._cond:
                self._pending = None
            self._changed()
            try:
                self.on_outcome(outcome)
            except Exception:
                log.exception("outcome handler failed")

    def _deliver(self, cmd: Pending) -> Outcome:
        deadline = cmd.pressed_at + self.hold_s
        while True:
            if self._stop:
                return Outcome(cmd, "unconfirmed" if cmd.sends else "offline")
            link = self.link_of()
            if link is None or not link.connected:
                if time.time() >= deadline:
                    return Outcome(cmd, "unconfirmed" if cmd.sends else "offline")
                with self._cond:
                    self._cond.wait(0.1)
                continue
            cmd.sends += 1
            try:
                reply = link.request(
                    cmd.ctype, cmd.args, cmd_id=cmd.id, timeout=self.reply_timeout_s, attempts=1
                )
            except NotAuthorized:
                return Outcome(cmd, "error", "forbidden")
            except (RequestTimeout, MqttError) as exc:
                log.info("%s %s: %s", cmd.ctype, cmd.id, exc)
                if time.time() >= deadline:
                    return Outcome(cmd, "unconfirmed")
                continue
            if reply.ok:
                return Outcome(cmd, "ok", reply=reply)
            return Outcome(cmd, "error", reply.error.code if reply.error else "", reply)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
