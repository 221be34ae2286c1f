"""A window terminal without a screen: link + presenter + outbox (the Kivy app wraps it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from hall.conf import HallConfig
from hall.conf.model import Role
from hall.mqtt import Endpoint
from hall.protocol import Topics
from terminal.link import TerminalLink
from terminal.outbox import CommandOutbox, Outcome
from terminal.presenter import COMMAND_OF, Message, WindowPresenter


def window_client_id(config: HallConfig, window_id: str) -> str:
    """The MQTT client bound to ``window_id`` in clients.toml."""
    for c in config.clients:
        if c.role == Role.WINDOW and c.window == window_id:
            return c.id
    raise ValueError(f"no window client is bound to {window_id} in clients.toml")


class WindowController:
    """Presses become commands; outcomes and connection changes become presenter state."""

    def __init__(
        self,
        config: HallConfig,
        window_id: str,
        endpoint: Endpoint,
        hold_s: float = 30.0,
        on_change: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.window_id = window_id
        self.on_change = on_change
        self.presenter = WindowPresenter(config, window_id, clock)
        self.link = TerminalLink(
            endpoint,
            Topics(config.topic_root),
            window_id,
            self.presenter.service_client,
            self._deliver,
            config.hall_file.mqtt.request_timeout_s,
        )
        self.outbox = CommandOutbox(
            self.link.current,
            self._outcome,
            client_id=endpoint.client_id,
            hold_s=hold_s,
            on_change=self._outbox_changed,
        )
        self.outcomes: list[Outcome] = []
        self._outcome_cond = threading.Condition()

    def start(self, wait_s: float = 5.0) -> WindowController:
        self.outbox.start()
        self.link.start(wait_s)
        self.poll()
        return self

    def stop(self) -> None:
        self.outbox.stop()
        self.link.stop()

    def poll(self) -> None:
        """Copy the link state into the presenter; wake the outbox when the link is back."""
        connected = self.link.connected
        was = self.presenter.connected
        self.presenter.set_connected(connected)
        client = self.link.client
        responding = client.service_responding() if client is not None else True
        if responding != self.presenter.service_responding:
            self.presenter.set_service_responding(responding)
            self._changed()
        if connected and not was:
            self.outbox.poke()
        if connected != was:
            self._changed()

    # ------------------------------------------------------------ actions

    def press(self, action: str, **args: Any) -> bool:
        """Carry out a button: ``finish(outcome=, note=)``, ``call(number=)``,
        ``transfer(to_window=, to_item=, note=)``, ``after_hours()`` toggles."""
        ctype = COMMAND_OF[action]
        if action == "after_hours":
            args = {"on": not self.presenter.view().after_hours}
        args = {k: v for k, v in args.items() if v not in (None, "")}
        if not self.link.connected:
            self.presenter.set_message(Message("terminal.msg.held", "info", (("action", action),)))
        cmd = self.outbox.press(ctype, args)
        return cmd is not None

    # ------------------------------------------------------------ plumbing

    def _deliver(self, topic: str, body: dict[str, Any]) -> None:
        self.presenter.handle(topic, body)
        self.poll()
        self._changed()

    def _outbox_changed(self) -> None:
        pending = self.outbox.pending
        action = pending.ctype.split(".", 1)[1] if pending else None
        self.presenter.set_pending(action)
        self._changed()

    def wait_outcomes(self, count: int, timeout: float) -> list[Outcome]:
        """Wait until ``count`` commands have ended; returns every outcome so far."""
        deadline = time.monotonic() + timeout
        with self._outcome_cond:
            while len(self.outcomes) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.outcomes)} of {count} commands ended")
                self._outcome_cond.wait(left)
            return list(self.outcomes)

    def _outcome(self, outcome: Outcome) -> None:
        with self._outcome_cond:
            self.outcomes.append(outcome)
            self._outcome_cond.notify_all()
        action = outcome.command.ctype.split(".", 1)[1]
        params: tuple[tuple[str, str], ...] = (("action", action),)
        if outcome.status == "ok":
            result = outcome.reply.result if outcome.reply else {}
            ticket = result.get("ticket") if isinstance(result, dict) else None
            if action in ("call_next", "call") and ticket is None:
                msg = Message("terminal.msg.nobody", "info")
            else:
                number = ticket.get("number", "") if isinstance(ticket, dict) else ""
                msg = Message("terminal.msg.done", "ok", (*params, ("number", number)))
        elif outcome.status == "error":
            msg = Message(f"errors.{outcome.code}", "error", params)
        else:
            msg = Message(f"terminal.msg.{outcome.status}", "error", params)
        self.presenter.set_message(msg)
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
