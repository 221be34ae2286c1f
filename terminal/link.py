"""A window terminal's MQTT connection: its window's state, the queues, events, the service."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt

from hall.mqtt import ConnectFailed, Endpoint, HallClient
from hall.protocol import Topics

log = logging.getLogger(__name__)

Deliver = Callable[[str, dict[str, Any]], None]


def terminal_topics(topics: Topics, window_id: str, service_client: str) -> list[str]:
    return [
        topics.window_state(window_id),
        topics.state("queues"),
        topics.state("cases"),
        topics.events,
        topics.status(service_client),
    ]


class TerminalLink:
    """Connects in the background (retrying the first connect; paho reconnects after that)."""

    def __init__(
        self,
        endpoint: Endpoint,
        topics: Topics,
        window_id: str,
        service_client: str,
        deliver: Deliver,
        request_timeout_s: float = 3.0,
        retry_s: float = 2.0,
    ) -> None:
        self.endpoint = endpoint
        self.topics = topics
        self.window_id = window_id
        self.service_client = service_client
        self.deliver = deliver
        self.request_timeout_s = request_timeout_s
        self.retry_s = retry_s
        self.client: HallClient | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        return self.client is not None and self.client.connected

    def current(self) -> HallClient | None:
        return self.client

    def start(self, wait_s: float = 0.0) -> TerminalLink:
        self._thread = threading.Thread(target=self._run, name="terminal-link", daemon=True)
        self._thread.start()
        waited = 0.0
        while wait_s and not self.connected and waited < wait_s:
            self._stop.wait(0.02)
            waited += 0.02
        return self

    def _handler(self, msg: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(msg.payload) if msg.payload else {}
        except ValueError:
            log.warning("unreadable JSON on %s", msg.topic)
            return
        if isinstance(body, dict):
            self.deliver(msg.topic, body)

    def _run(self) -> None:
        while not self._stop.is_set():
            client = HallClient(self.endpoint, self.topics, self.request_timeout_s)
            for topic in terminal_topics(self.topics, self.window_id, self.service_client):
                client.subscribe(topic, self._handler)
            try:
                client.connect(timeout=5.0)
            except ConnectFailed as exc:
                log.warning("window terminal: %s; retrying", exc)
                self._stop.wait(self.retry_s)
                continue
            self.client = client
            return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(6.0)
        if self.client is not None:
            self.client.close(timeout=1.0)
