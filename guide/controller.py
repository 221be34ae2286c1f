"""The guide console without a screen: its MQTT link, the presenter and the commands.

Commands run on one background thread, in order; their outcomes become the presenter's
status line (an error reply shows its code's translation). A command pressed while the
link is down is refused at once with a clear message, never queued unseen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from guide.presenter import COMMAND_OF, GuidePresenter, Message
from hall.conf import HallConfig
from hall.conf.model import Role
from hall.contract import result
from hall.contract.base import Reply
from hall.contract.guide import SignInResult
from hall.mqtt import Endpoint, HallClient, MqttError, ServiceNotResponding
from hall.protocol import Topics
from ui.link import BackgroundLink


def guide_client_id(config: HallConfig) -> str:
    """The first guide client in clients.toml."""
    for c in config.clients_with_role(Role.GUIDE):
        return c.id
    raise ValueError("no client with role guide in clients.toml")


def console_topics(topics: Topics) -> list[str]:
    return [topics.state("#"), topics.events, topics.status("#")]


class GuideController:
    """Connects in the background (paho reconnects after the first connect)."""

    def __init__(
        self,
        config: HallConfig,
        endpoint: Endpoint,
        on_change: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.time,
        retry_s: float = 2.0,
    ) -> None:
        self.config = config
        self.endpoint = endpoint
        self.topics = Topics(config.topic_root)
        self.presenter = GuidePresenter(config, clock, endpoint.client_id)
        self.on_change = on_change
        self.sent: list[tuple[str, str]] = []
        """(command type, outcome: ok / error code / timeout / offline), for tests."""
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="guide-cmd")
        self.link = BackgroundLink(
            lambda: HallClient(endpoint, self.topics, config.hall_file.mqtt.request_timeout_s),
            console_topics(self.topics),
            self._deliver,
            name="guide console",
            thread_name="guide-link",
            retry_s=retry_s,
            on_connected=self.poll,
        )

    # ------------------------------------------------------------ link

    def start(self, wait_s: float = 0.0) -> GuideController:
        self.link.start(wait_s)
        return self

    @property
    def client(self) -> HallClient | None:
        return self.link.client

    @property
    def connected(self) -> bool:
        return self.link.connected

    def _deliver(self, topic: str, body: dict[str, Any]) -> None:
        self.presenter.handle(topic, body)
        self._changed()

    def poll(self) -> None:
        """Copy the link's and the service's liveness into the presenter."""
        client = self.client
        connected = client is not None and client.connected
        responding = client.service_responding() if client is not None else True
        p = self.presenter
        if (connected, responding) != (p.connected, p.service_responding):
            p.set_connected(connected)
            p.set_service_responding(responding)
            self._changed()

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.link.stop()

    # ------------------------------------------------------------ commands

    def press(self, action: str, **args: Any) -> Future[Reply | None]:
        """Send ``action`` (see :data:`guide.presenter.ACTIONS`) with ``args``; empty
        values are left out. The outcome lands in the presenter's message."""
        ctype = COMMAND_OF[action]
        args = {k: v for k, v in args.items() if v not in (None, "")}
        self.presenter.set_pending(action)
        self._changed()
        return self._pool.submit(self._send, action, ctype, args)

    def _send(self, action: str, ctype: str, args: dict[str, Any]) -> Reply | None:
        client = self.client
        params: tuple[tuple[str, str], ...] = (("action", action),)
        reply: Reply | None = None
        try:
            if client is None or not client.connected:
                raise ConnectionError
            reply = client.request(ctype, args)
        except ConnectionError:
            outcome, msg = "offline", Message("guide.msg.offline", "error", params)
        except ServiceNotResponding:
            outcome, msg = "service_offline", Message("guide.msg.service_offline", "error", params)
        except MqttError:
            outcome, msg = "timeout", Message("guide.msg.timeout", "error", params)
        else:
            if reply.ok:
                outcome, msg = "ok", Message(f"guide.done.{action}", "ok", self._done(reply))
                if action == "sign_in":
                    who = result(reply, SignInResult).staff
                    self.presenter.set_signed_in(who.staff, who.name)
                elif action == "sign_out":
                    self.presenter.set_signed_in(None)
            else:
                code = reply.error.code if reply.error else "internal_error"
                outcome, msg = code, Message(f"errors.{code}", "error", params)
                if code == "sign_in_required":
                    self.presenter.set_signed_in(None)
        self.sent.append((ctype, outcome))
        self.presenter.set_pending(None)
        self.presenter.set_message(msg)
        self._changed()
        return reply

    @staticmethod
    def _done(reply: Reply) -> tuple[tuple[str, str], ...]:
        """Parameters of a success message (the ticket number, the complaint id, the code)."""
        res = reply.result or {}
        out: list[tuple[str, str]] = []
        ticket = res.get("ticket")
        if isinstance(ticket, dict) and ticket.get("number"):
            out.append(("number", str(ticket["number"])))
        for key, field in (("complaint", "id"), ("appointment", "code")):
            value = res.get(key)
            if isinstance(value, dict) and value.get(field):
                out.append((key, str(value[field])))
        return tuple(out)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
