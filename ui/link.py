"""A screen's MQTT connection, kept up from a background thread (display, terminal, guide, pad,
kiosk): the one connection loop of every app.

The first connect is retried every ``retry_s`` seconds until it succeeds (the broker may start
after the screen), or with a back-off from ``first_retry_s`` doubling up to ``retry_s``; paho
reconnects by itself from then on. Every message on the subscribed
topics reaches ``deliver(topic, body)`` as a JSON object (``{}`` for an empty payload, a
cleared retained message; unreadable payloads and other JSON are dropped).

``deliver`` runs on an MQTT thread, never Kivy's: it updates a presenter (plain Python, with
its own lock) and at most fires a ``Clock`` trigger (see :class:`ui.shell.ControllerApp`); no
widget is touched there. No Kivy import here: controllers and their tests run without a screen.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import paho.mqtt.client as mqtt

from hall.mqtt import MqttError, MqttLink

log = logging.getLogger(__name__)

Deliver = Callable[[str, dict[str, Any]], None]
"""Receives ``(topic, body)`` of every message, on an MQTT thread."""

L = TypeVar("L", bound=MqttLink)


def connection_state(connected: bool, service_responding: bool) -> str:
    """What a screen's connection badge says: ``offline`` (no broker), ``service_offline``
    (the broker is there, the queue service's heartbeat is not) or ``online``."""
    if not connected:
        return "offline"
    return "online" if service_responding else "service_offline"


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


class BackgroundLink(Generic[L]):
    """Connects ``make()`` (a new :class:`~hall.mqtt.MqttLink` or ``HallClient`` per attempt)
    in the background, subscribed to ``topics``; :attr:`client` is set once it is connected."""

    def __init__(
        self,
        make: Callable[[], L],
        topics: Sequence[str],
        deliver: Deliver,
        name: str,
        thread_name: str,
        retry_s: float = 2.0,
        inline: bool = False,
        on_connected: Callable[[], None] | None = None,
        prepare: Callable[[], None] | None = None,
        first_retry_s: float | None = None,
    ) -> None:
        self.make = make
        self.topics = list(topics)
        self.deliver = deliver
        self.name = name
        """Who this is in the log (``window terminal``)."""
        self.thread_name = thread_name
        self.retry_s = retry_s
        self.first_retry_s = first_retry_s
        """The first retry waits this long, each next one twice as long, up to ``retry_s``
        (None: every retry waits ``retry_s``)."""
        self.inline = inline
        """Run ``deliver`` on paho's network thread (no hand-over to the dispatcher thread):
        for a ``deliver`` that takes microseconds and never blocks."""
        self.on_connected = on_connected
        """Called once, on the link's thread, right after the first connect."""
        self.prepare = prepare
        """Called once, on the link's thread, before the first attempt: slow set-up that
        must not hold up the GUI thread (the kiosk opens its printer there)."""
        self.client: L | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        """Orders :meth:`stop` and a connect that succeeds meanwhile: one of them closes it."""
        self._thread: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        return self.client is not None and self.client.connected

    def current(self) -> L | None:
        """The connected client (None before the first connect)."""
        return self.client

    def start(self, wait_s: float = 0.0) -> BackgroundLink[L]:
        """Connect in the background; wait up to ``wait_s`` for the first connection."""
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        waited = 0.0
        while wait_s and not self.connected and waited < wait_s:
            self._stop.wait(0.02)
            waited += 0.02
        return self

    def _run(self) -> None:
        if self.prepare is not None:
            try:
                self.prepare()
            except Exception:  # a raise would end this thread: the app would never connect
                log.exception("%s: preparing failed; connecting without it", self.name)
        handler = json_deliver(self.deliver)
        delay = self.first_retry_s or self.retry_s
        while not self._stop.is_set():
            try:
                client = self.make()
                for topic in self.topics:
                    client.subscribe(topic, handler, inline=self.inline)
                client.connect(timeout=5.0)
            except (MqttError, OSError) as exc:
                log.warning("%s: %s; retrying", self.name, exc)
                self._stop.wait(delay)
                delay = min(delay * 2, self.retry_s)
                continue
            except Exception as exc:  # secrets missing, ...: keep trying, say why
                log.error("%s cannot connect: %s", self.name, exc)
                self._stop.wait(self.retry_s)
                continue
            with self._lock:
                stopped = self._stop.is_set()
                if not stopped:
                    self.client = client  # paho reconnects by itself from here on
            if stopped:  # stopped while connecting: stop() saw no client to close
                client.close(timeout=1.0)
                return
            if self.on_connected is not None:
                self.on_connected()
            return

    def stop(self, wait_s: float = 6.0) -> None:
        """Stop retrying, then close the connection (waits up to ``wait_s`` for the thread).
        A connect still under way after that closes its client itself when it succeeds."""
        with self._lock:
            self._stop.set()
        if self._thread is not None and wait_s > 0:
            self._thread.join(wait_s)
        with self._lock:
            client = self.client
        if client is not None:
            client.close(timeout=1.0)
