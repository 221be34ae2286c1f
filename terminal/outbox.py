"""Commands from a window terminal: one at a time, held while offline, never doubled.

A press gets a command id and a deadline (``hold_s`` later) at once. If the link is up the
command is sent; if not, it is held (the screen says so) and sent when the link is back. Every
copy carries the **same id** and the **same deadline** (``expires``): a command that did reach
the service before the link dropped is answered from the service's stored reply instead of
being carried out twice, and a copy that reaches it after the deadline is refused (``expired``),
never carried out late. A command never sent before the deadline is refused here
(``offline``); one sent but never answered ends ``unconfirmed`` (the window's retained state
then shows what really happened). A press while another command is still on its way is
refused (``busy``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Protocol

from hall.mqtt import MqttError, NotAuthorized
from hall.protocol import Reply

log = logging.getLogger(__name__)


class CommandLink(Protocol):
    """What the outbox needs of :class:`hall.mqtt.HallClient`."""

    @property
    def connected(self) -> bool: ...

    def send(
        self,
        ctype: str,
        args: dict[str, Any] | None = None,
        cmd_id: str | None = None,
        track: bool = True,
        expires_in: float | None = None,
    ) -> tuple[str, Future[Reply], int]: ...

    def wait_ack(self, mid: int, timeout: float, topic: str = "") -> None: ...


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
    (never sent, refused), ``unconfirmed`` (sent, no reply), ``expired`` (reached the service
    after its deadline: not carried out) or ``busy`` (refused at once)."""

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
        """Send ``cmd`` (again, same id and same deadline) until a reply or the deadline."""
        deadline = time.monotonic() + max(0.0, cmd.pressed_at + self.hold_s - time.time())
        while True:
            left = deadline - time.monotonic()
            if self._stop or left <= 0:
                return Outcome(cmd, "unconfirmed" if cmd.sends else "offline")
            link = self.link_of()
            if link is None or not link.connected:
                with self._cond:
                    self._cond.wait(min(0.1, left))
                continue
            try:
                # The service carries it out only before the deadline (``expires``): a copy
                # that waited in the broker past it is refused, never done late.
                _id, fut, mid = link.send(cmd.ctype, cmd.args, cmd.id, expires_in=left)
                cmd.sends += 1
                link.wait_ack(mid, min(self.reply_timeout_s, left))
                reply = fut.result(min(self.reply_timeout_s, max(left, 0.01)))
            except NotAuthorized:
                return Outcome(cmd, "error", "forbidden")
            except (MqttError, FutureTimeout) as exc:
                log.info("%s %s: %s", cmd.ctype, cmd.id, exc or "no reply yet")
                continue
            if reply.ok:
                return Outcome(cmd, "ok", reply=reply)
            code = reply.error.code if reply.error else ""
            if code == "expired":
                return Outcome(cmd, "expired", code, reply)
            return Outcome(cmd, "error", code, reply)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
