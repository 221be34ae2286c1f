"""The display's MQTT subscription: snapshots, events, the service's status and the notice.

The notice is the retained ``<root>/state/notice`` that the guide officer's ``guide.notice``
command sets: ``{"text": {"zh-Hant": ..., "zh-Hans": ..., "en": ...}, "until": ..., "by": ...}``
(empty ``text`` clears it; past ``until`` it is no longer shown).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt

from hall.mqtt import ConnectFailed, Endpoint, MqttLink
from hall.protocol import Topics

log = logging.getLogger(__name__)

NOTICE_STATE = "notice"
Deliver = Callable[[str, dict[str, Any]], None]


def feed_topics(topics: Topics, service_client: str) -> list[str]:
    """What a display subscribes to."""
    return [
        topics.state("board"),
        topics.state("queues"),
        topics.state("service"),
        topics.state(NOTICE_STATE),
        topics.events,
        topics.status(service_client),
        topics.heartbeat,
    ]


def json_deliver(deliver: Deliver) -> Callable[[mqtt.MQTTMessage], None]:
    """An MQTT handler that parses JSON and passes ``(topic, body)`` on (``{}`` if empty)."""

    def handler(msg: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(msg.payload) if msg.payload else {}
        except ValueError:
            log.warning("unreadable JSON on %s", msg.topic)
            return
        if isinstance(body, dict):
            deliver(msg.topic, body)

    return handler


class DisplayFeed:
    """Keeps one display connection up (retrying the first connect) and feeds ``deliver``."""

    def __init__(
        self,
        endpoint: Endpoint,
        topics: Topics,
        service_client: str,
        deliver: Deliver,
        handler_factory: Callable[[Deliver], Callable[[mqtt.MQTTMessage], None]] = json_deliver,
        retry_s: float = 2.0,
        inline: bool = True,
    ) -> None:
        self.endpoint = endpoint
        self.topics = topics
        self.service_client = service_client
        self.deliver = deliver
        self.handler_factory = handler_factory
        self.retry_s = retry_s
        self.inline = inline
        self.link: MqttLink | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        return self.link is not None and self.link.connected

    def start(self, wait_s: float = 0.0) -> DisplayFeed:
        """Connect in the background; wait up to ``wait_s`` for the first connection."""
        self._thread = threading.Thread(target=self._run, name="display-feed", daemon=True)
        self._thread.start()
        deadline = threading.Event()
        if wait_s:
            step = 0.02
            waited = 0.0
            while not self.connected and waited < wait_s:
                deadline.wait(step)
                waited += step
        return self

    def _run(self) -> None:
        handler = self.handler_factory(self.deliver)
        while not self._stop.is_set():
            link = MqttLink(self.endpoint, self.topics)
            for topic in feed_topics(self.topics, self.service_client):
                # inline: the presenter takes microseconds and never blocks, and skipping the
                # dispatcher thread saves a thread hand-over on every call shown
                link.subscribe(topic, handler, inline=self.inline)
            try:
                link.connect(timeout=5.0)
            except ConnectFailed as exc:
                log.warning("display: %s; retrying", exc)
                self._stop.wait(self.retry_s)
                continue
            self.link = link  # paho reconnects by itself from here on
            return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(6.0)
        if self.link is not None:
            self.link.close(timeout=1.0)
