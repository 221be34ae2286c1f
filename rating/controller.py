"""The rating pad without a screen: its MQTT link, the presenter and ``rating.submit``."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import paho.mqtt.client as mqtt

from hall.conf import HallConfig
from hall.mqtt import ConnectFailed, Endpoint, HallClient, MqttError, ServiceNotResponding
from hall.protocol import Topics
from rating.presenter import RatingPresenter

log = logging.getLogger(__name__)


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
        self.retry_s = retry_s
        self.client: HallClient | None = None
        self.sent: list[tuple[str, int, str]] = []
        """(ticket, level, outcome) of every submit, for tests."""
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="rating-submit")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, wait_s: float = 0.0) -> RatingController:
        self._thread = threading.Thread(target=self._run, name="rating-link", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + wait_s
        while wait_s and not self._connected() and time.monotonic() < deadline:
            self._stop.wait(0.02)
        return self

    def _connected(self) -> bool:
        return self.client is not None and self.client.connected

    def _run(self) -> None:
        while not self._stop.is_set():
            client = HallClient(
                self.endpoint, self.topics, self.config.hall_file.mqtt.request_timeout_s
            )
            client.subscribe(self.topics.events, self._on_event)
            try:
                client.connect(timeout=5.0)
            except ConnectFailed as exc:
                log.warning("rating pad: %s; retrying", exc)
                self._stop.wait(self.retry_s)
                continue
            self.client = client
            self.poll()
            return

    def _on_event(self, msg: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(msg.payload)
        except ValueError:
            return
        if isinstance(body, dict) and self.presenter.handle_event(body):
            self._changed()

    def poll(self) -> None:
        """Liveness into the presenter, timeouts; call every second or so."""
        client = self.client
        p = self.presenter
        state = (self._connected(), client.service_responding() if client else True)
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
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._thread is not None:
            self._thread.join(6.0)
        if self.client is not None:
            self.client.close(timeout=1.0)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
