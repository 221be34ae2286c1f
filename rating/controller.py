"""The rating pad without a screen: its MQTT link, the presenter and ``rating.submit``."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from hall.conf import HallConfig
from hall.mqtt import Endpoint, HallClient, MqttError, ServiceNotResponding
from hall.protocol import Topics
from rating.presenter import RatingPresenter
from ui.link import BackgroundLink


def rating_client_id(config: HallConfig, window_id: str) -> str:
    """The rating pad client bound to ``window_id`` in clients.toml."""
    pad = config.rating_pad_of(window_id)
    if pad is None:
        raise ValueError(f"no rating pad client is bound to {window_id} in clients.toml")
    return pad.id


class RatingController:
    def __init__(
        self,
        config: HallConfig,
        window_id: str,
        endpoint: Endpoint,
        timeout_s: float = 30.0,
        thanks_s: float = 4.0,
        on_change: Callable[[], None] | None = None,
        retry_s: float = 2.0,
    ) -> None:
        self.config = config
        self.window_id = window_id
        self.endpoint = endpoint
        self.topics = Topics(config.topic_root)
        self.presenter = RatingPresenter(window_id, timeout_s, thanks_s)
        self.on_change = on_change
        self.sent: list[tuple[str, int, str]] = []
        """(ticket, level, outcome) of every submit, for tests."""
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="rating-submit")
        self.link = BackgroundLink(
            lambda: HallClient(endpoint, self.topics, config.hall_file.mqtt.request_timeout_s),
            [self.topics.events],
            self._on_event,
            name="rating pad",
            thread_name="rating-link",
            retry_s=retry_s,
            on_connected=self.poll,
        )

    def start(self, wait_s: float = 0.0) -> RatingController:
        self.link.start(wait_s)
        return self

    @property
    def client(self) -> HallClient | None:
        return self.link.client

    def _on_event(self, _topic: str, body: dict[str, Any]) -> None:
        if self.presenter.handle_event(body):
            self._changed()

    def poll(self) -> None:
        """Liveness into the presenter, timeouts; call every second or so."""
        client = self.client
        p = self.presenter
        state = (self.link.connected, client.service_responding() if client else True)
        changed = state != (p.connected, p.service_responding)
        p.set_connected(*state)
        if p.tick() or changed:
            self._changed()

    def submit(self, free_text: str = "") -> Future[None]:
        """Send the rating the presenter holds (after ``choose``/``confirm_reason``)."""
        args = self.presenter.payload(free_text)
        self._changed()
        return self._pool.submit(self._send, args)

    def _send(self, args: dict) -> None:
        client = self.client
        try:
            if client is None or not client.connected:
                raise ConnectionError
            reply = client.request("rating.submit", args)
        except ConnectionError:
            outcome, ok, key = "offline", False, "rating.msg.offline"
        except ServiceNotResponding:
            outcome, ok, key = "service_offline", False, "rating.msg.offline"
        except MqttError:
            outcome, ok, key = "timeout", False, "rating.msg.timeout"
        else:
            code = reply.error.code if reply.error else None
            outcome, ok, key = ("ok", True, None) if reply.ok else (code, False, f"errors.{code}")
        self.sent.append((args["ticket"], args["level"], str(outcome)))
        self.presenter.sent(ok, key)
        self._changed()

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.link.stop()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
