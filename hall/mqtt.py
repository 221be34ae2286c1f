"""MQTT 5 connection to the hall broker, shared by the service and every client app.

:class:`MqttLink` handles what every client gets wrong at least once with
paho-mqtt: protocol version 5, credentials, a retained presence status (``online``;
the Last Will ``lost``, set anew for each connection; ``closed`` on :meth:`MqttLink.close`),
re-subscribing after a reconnect, exceptions in callbacks (which would kill
paho's network thread), slow handlers (run on a dispatcher thread, not the
network thread), refused publishes (PUBACK reason codes) and timeouts on
every wait. :class:`HallClient` adds commands with replies and retries that
reuse the command id, so a retry never issues a second ticket.
"""

from __future__ import annotations

import json
import logging
import queue
import socket
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Self

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hall.contract.base import Presence
from hall.protocol import STALE_AFTER_S, Heartbeat, Reply, Topics

log = logging.getLogger(__name__)

Handler = Callable[[mqtt.MQTTMessage], None]


EXPIRY_MARGIN_S = 0.5
"""A client waits this long past its command's deadline before it gives up: the deadline is
on the service's clock, learnt from the heartbeat, and may be off by a network delay."""


class MqttError(Exception):
    """Base of connection and request failures."""


class ConnectFailed(MqttError):
    """The broker refused us (bad credentials, not authorised) or did not answer in time."""


class NotAuthorized(MqttError):
    """The broker refused a publish (PUBACK reason 0x87): the ACL forbids that topic."""


class RequestTimeout(MqttError):
    """No reply to a command within the timeout, after every retry."""


class ServiceNotResponding(RequestTimeout):
    """The service's heartbeat stopped: it is hung, stopped or cut off from the broker."""


class OpenBroker(ConnectFailed):
    """The broker at this address lets anonymous clients in: it is not the hall's broker."""


class CommandFailed(MqttError):
    """The service refused a command; ``code`` is the machine-readable reason."""

    def __init__(self, reply: Reply):
        assert reply.error is not None
        super().__init__(f"{reply.type}: {reply.error.code}: {reply.error.message}")
        self.reply = reply
        self.code = reply.error.code


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    client_id: str
    password: str
    keepalive: int = 15


def status_payload(
    client_id: str, state: Presence, since: float | None = None, **extra: Any
) -> bytes:
    """A ``status/<client>`` payload (:class:`~hall.contract.base.ClientStatus`): ``online``
    and ``closed`` carry ``at`` (now); a Last Will (``lost``) does not, it is published later
    by the broker. ``since``: when the connection began; ``extra``: the app's own fields."""
    body: dict[str, Any] = {"client": client_id, "online": state == "online", "state": state}
    if state != "lost":
        body["at"] = time.time()
    if since is not None:
        body["since"] = since
    if state != "online":
        body["reason"] = state
    return json.dumps({**body, **extra}).encode()


class MqttLink:
    """One authenticated MQTT 5 connection with status, subscriptions and safe callbacks."""

    def __init__(
        self,
        endpoint: Endpoint,
        topics: Topics,
        persistent: bool = False,
        session_expiry_s: int = 3600,
        status_extra: dict[str, Any] | None = None,
        max_inflight: int = 100,
        manual_ack: bool = False,
        verify_broker: bool = True,
    ):
        self.endpoint = endpoint
        self.topics = topics
        self.client_id = endpoint.client_id
        self._persistent = persistent
        self._session_expiry_s = session_expiry_s
        self._status_extra = status_extra or {}
        self._subs: dict[str, tuple[int, Handler, bool]] = {}
        self._subs_lock = threading.Lock()
        self._connected = threading.Event()
        self._connack: Future[int] = Future()
        self._acks: dict[int, Future[int]] = {}
        self._acks_lock = threading.Lock()
        self._tracking = 0
        self._early: OrderedDict[int, int] = OrderedDict()
        self._dispatch: queue.Queue[tuple[Handler, mqtt.MQTTMessage] | None] = queue.Queue()
        self._dispatcher: threading.Thread | None = None
        self._closed = False
        self._verify_broker = verify_broker
        self._first_connect: float | None = None
        self._connect_hooks: list[Callable[[], None]] = []

        c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=endpoint.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=manual_ack,
        )
        c.username_pw_set(endpoint.client_id, endpoint.password)
        self.since = time.time()
        """When the current (or next) connection began: its Last Will and statuses say so."""
        self._set_will(c)
        c.on_pre_connect = lambda client, _userdata: self._set_will(client)
        c.reconnect_delay_set(min_delay=1, max_delay=5)
        c.max_inflight_messages_set(max_inflight)
        c.max_queued_messages_set(0)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        c.on_publish = self._on_publish
        self.client = c

    def _set_will(self, client: mqtt.Client) -> None:
        """A new Last Will (``lost``) for each connection: paho calls this before every
        connect, the first and each reconnect (``since`` is the connection's start)."""
        try:
            self.since = time.time()
            client.will_set(
                self.topics.status(self.client_id),
                status_payload(self.client_id, "lost", self.since),
                qos=1,
                retain=True,
            )
        except Exception:  # a raise here would kill paho's network thread
            log.exception("setting the Last Will failed")

    # ----------------------------------------------------------- lifecycle

    def connect(self, timeout: float = 5.0) -> Self:
        """Connect and wait for the broker's answer; raise :class:`ConnectFailed`.

        First makes sure the broker is the hall's own: one that lets an anonymous
        client in (a system Mosquitto on 1883, say) is refused with :class:`OpenBroker`.
        """
        if self._verify_broker and admits_anonymous(
            self.endpoint.host, self.endpoint.port, min(timeout, 2.0)
        ):
            raise OpenBroker(
                f"the broker at {self.endpoint.host}:{self.endpoint.port} lets anonymous "
                f"clients in: it is not this hall's broker. Start the hall's own "
                f"(`hall up` or `hall broker`) and give its port."
            )
        props = Properties(PacketTypes.CONNECT)
        if self._persistent:
            props.SessionExpiryInterval = self._session_expiry_s
        self._dispatcher = threading.Thread(
            target=self._dispatch_loop, name=f"mqtt-dispatch-{self.client_id}", daemon=True
        )
        self._dispatcher.start()
        try:
            self.client.connect_async(
                self.endpoint.host,
                self.endpoint.port,
                keepalive=self.endpoint.keepalive,
                clean_start=not self._persistent,
                properties=props,
            )
        except (OSError, ValueError) as exc:
            self._stop_loop()  # started above: a caller that retries must not gain one a try
            raise ConnectFailed(f"cannot reach broker: {exc}") from exc
        self.client.loop_start()
        try:
            code = self._connack.result(timeout)
        except FutureTimeout:
            self._stop_loop()
            raise ConnectFailed(
                f"no answer from broker {self.endpoint.host}:{self.endpoint.port} in {timeout}s"
            ) from None
        if code != 0:
            self._stop_loop()
            reason = mqtt.ReasonCode(PacketTypes.CONNACK, identifier=code)
            raise ConnectFailed(f"broker refused {self.client_id}: {reason}")
        return self

    def close(self, timeout: float = 2.0) -> None:
        """Say goodbye (retained ``closed`` status), disconnect and stop threads. Without a
        connection there is nobody to tell: the broker has published (or will) the Last Will."""
        if self._closed:
            return
        self._closed = True
        if self._connected.is_set():
            try:
                info = self.client.publish(
                    self.topics.status(self.client_id),
                    status_payload(self.client_id, "closed", self.since),
                    qos=1,
                    retain=True,
                )
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                pass
            self.client.disconnect()
        self._stop_loop()

    def _stop_loop(self) -> None:
        self.client.loop_stop()
        self._dispatch.put(None)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def publish_status(self, **extra: Any) -> None:
        """Publish the retained ``online`` status with ``extra`` (the app's own fields, a
        kiosk's printer state, say), which every later status keeps (after a reconnect too)."""
        self._status_extra = dict(extra)
        self.publish(
            self.topics.status(self.client_id),
            status_payload(self.client_id, "online", self.since, **self._status_extra),
            qos=1,
            retain=True,
        )

    def on_connected(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` after every (re)connect, on paho's thread: keep it quick."""
        self._connect_hooks.append(hook)

    def ack(self, msg: mqtt.MQTTMessage) -> None:
        """Acknowledge a QoS 1 message received with ``manual_ack`` (after it is durable)."""
        if msg.qos > 0:
            self.client.ack(msg.mid, msg.qos)

    # ------------------------------------------------------------ publish

    def publish(
        self,
        topic: str,
        payload: bytes | str | dict[str, Any],
        qos: int = 1,
        retain: bool = False,
        properties: Properties | None = None,
    ) -> int:
        """Queue a publish; return its message id (0 for QoS 0). Never blocks."""
        if isinstance(payload, dict):
            payload = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        return info.mid

    def publish_tracked(
        self,
        topic: str,
        payload: bytes | str | dict[str, Any],
        retain: bool = False,
        properties: Properties | None = None,
    ) -> int:
        """QoS 1 publish whose PUBACK reason :meth:`wait_ack` can then read."""
        # paho calls on_publish holding its own mutex, which publish() also takes:
        # so no lock of ours may be held around publish(). Instead, PUBACKs that
        # arrive before the mid is registered are kept while a tracked publish is
        # in flight.
        with self._acks_lock:
            self._tracking += 1
        try:
            mid = self.publish(topic, payload, qos=1, retain=retain, properties=properties)
        finally:
            with self._acks_lock:
                self._tracking -= 1
        with self._acks_lock:
            fut = self._acks.setdefault(mid, Future())
            early = self._early.pop(mid, None)
            if early is not None and not fut.done():
                fut.set_result(early)
        return mid

    def publish_confirmed(
        self,
        topic: str,
        payload: bytes | str | dict[str, Any],
        timeout: float = 5.0,
        retain: bool = False,
        properties: Properties | None = None,
    ) -> None:
        """QoS 1 publish that waits for the PUBACK; raise :class:`NotAuthorized` if refused."""
        mid = self.publish_tracked(topic, payload, retain=retain, properties=properties)
        self.wait_ack(mid, timeout, topic)

    def wait_ack(self, mid: int, timeout: float, topic: str = "") -> None:
        """Wait for the PUBACK of a :meth:`publish_tracked` message; raise if refused."""
        with self._acks_lock:
            fut = self._acks.setdefault(mid, Future())
        try:
            code = fut.result(timeout)
        except FutureTimeout:
            raise MqttError(f"no PUBACK for {topic or mid} within {timeout}s") from None
        finally:
            with self._acks_lock:
                self._acks.pop(mid, None)
        if code >= 0x80:
            if code == 0x87:
                raise NotAuthorized(f"broker refused publish to {topic!r} (not authorised)")
            raise MqttError(f"broker refused publish to {topic!r}: reason 0x{code:02x}")

    # ---------------------------------------------------------- subscribe

    def subscribe(
        self, topic_filter: str, handler: Handler, qos: int = 1, inline: bool = False
    ) -> None:
        """Route messages matching ``topic_filter`` to ``handler``.

        Handlers run on a dispatcher thread unless ``inline`` (then they must be
        quick and non-blocking: they run on paho's network thread).
        """
        with self._subs_lock:
            self._subs[topic_filter] = (qos, handler, inline)
            if self._connected.is_set():
                self.client.subscribe(topic_filter, qos=qos)

    # ---------------------------------------------------------- callbacks

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        try:
            code = reason_code.value if hasattr(reason_code, "value") else int(reason_code)
            if code == 0:
                sock = client.socket()
                if sock is not None:  # small request/reply packets: no Nagle delay
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with self._subs_lock:
                    for topic_filter, (qos, _h, _i) in self._subs.items():
                        client.subscribe(topic_filter, qos=qos)
                    self._connected.set()
                    if self._first_connect is None:
                        self._first_connect = time.monotonic()
                client.publish(
                    self.topics.status(self.client_id),
                    status_payload(self.client_id, "online", self.since, **self._status_extra),
                    qos=1,
                    retain=True,
                )
                for hook in self._connect_hooks:
                    hook()
            if not self._connack.done():
                self._connack.set_result(code)
        except Exception:  # a raise here would kill paho's network thread
            log.exception("on_connect failed")

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._connected.clear()
        if not self._closed:
            log.warning("%s disconnected: %s", self.client_id, reason_code)

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        try:
            code = reason_code.value if hasattr(reason_code, "value") else int(reason_code)
            with self._acks_lock:
                fut = self._acks.get(mid)
                if fut is not None:
                    if not fut.done():
                        fut.set_result(code)
                elif self._tracking:
                    self._early[mid] = code
                    while len(self._early) > 1000:
                        self._early.popitem(last=False)
        except Exception:  # a raise here would kill paho's network thread
            log.exception("on_publish failed")

    def _on_message(self, client, userdata, msg: mqtt.MQTTMessage) -> None:
        try:
            for topic_filter, (_qos, handler, inline) in list(self._subs.items()):
                if mqtt.topic_matches_sub(topic_filter, msg.topic):
                    if inline:
                        handler(msg)
                    else:
                        self._dispatch.put((handler, msg))
        except Exception:
            log.exception("message handler failed for %s", msg.topic)

    def _dispatch_loop(self) -> None:
        while True:
            entry = self._dispatch.get()
            if entry is None:
                return
            handler, msg = entry
            try:
                handler(msg)
            except Exception:
                log.exception("handler failed for %s", msg.topic)


class HallClient(MqttLink):
    """A hall app's connection: commands with replies, retries with the same command id."""

    def __init__(
        self,
        endpoint: Endpoint,
        topics: Topics,
        request_timeout_s: float = 5.0,
        stale_after_s: float = STALE_AFTER_S,
        **kw: Any,
    ):
        super().__init__(endpoint, topics, **kw)
        self.request_timeout_s = request_timeout_s
        self.stale_after_s = stale_after_s
        self._pending: dict[str, Future[Reply]] = {}
        self._expires: dict[str, float] = {}
        """command id -> the deadline its pending request carries."""
        self._pending_lock = threading.Lock()
        self._beat: tuple[float, Heartbeat] | None = None
        """(monotonic time heard, heartbeat) of the latest heartbeat."""
        self._clock_offset = 0.0
        """The service's wall clock minus ours, from the latest heartbeat."""
        self.subscribe(topics.reply(self.client_id), self._on_reply, inline=True)
        self.subscribe(topics.heartbeat, self._on_heartbeat, qos=0, inline=True)

    def _on_heartbeat(self, msg: mqtt.MQTTMessage) -> None:
        try:
            beat = Heartbeat.model_validate_json(msg.payload)
        except ValueError:
            return
        self._beat = (time.monotonic(), beat)
        self._clock_offset = beat.t - time.time()

    @property
    def heartbeat(self) -> Heartbeat | None:
        return self._beat[1] if self._beat else None

    def service_silent_s(self) -> float | None:
        """Seconds since the last heartbeat; before the first one, since we connected (a
        client that starts while the service is down must say so too). None when we have
        not connected yet."""
        if self._beat is not None:
            return time.monotonic() - self._beat[0]
        if self._first_connect is None:
            return None
        return time.monotonic() - self._first_connect

    def service_responding(self) -> bool:
        """False once a heartbeat was heard and then stopped for ``stale_after_s``."""
        silent = self.service_silent_s()
        return silent is None or silent < self.stale_after_s

    def service_deadline(self, seconds: float) -> float:
        """``seconds`` from now on the service's clock, for ``Command.expires``."""
        return time.time() + self._clock_offset + seconds

    def _on_reply(self, msg: mqtt.MQTTMessage) -> None:
        try:
            reply = Reply.model_validate_json(msg.payload)
        except ValueError:
            log.warning("unreadable reply on %s", msg.topic)
            return
        with self._pending_lock:
            expires = self._expires.get(reply.id or "")
            if (
                reply.error is not None
                and reply.error.code == "expired"
                and expires is not None
                and reply.error.details.get("expires") != expires
            ):
                # A late answer to an earlier copy, sent with an older deadline: the current
                # request (same id, a new deadline) is still on its way.
                return
            fut = self._pending.pop(reply.id or "", None)
            self._expires.pop(reply.id or "", None)
        if fut is not None and not fut.done():
            fut.set_result(reply)

    def send(
        self,
        ctype: str,
        args: dict[str, Any] | None = None,
        cmd_id: str | None = None,
        track: bool = True,
        expires_in: float | None = None,
        expires_at: float | None = None,
    ) -> tuple[str, Future[Reply], int]:
        """Publish a command without waiting; returns (command id, reply future, mid).

        With ``track`` the PUBACK can be awaited with :meth:`wait_ack` (and must be).
        With ``expires_in`` (seconds from now) or ``expires_at`` (on the service's clock) the
        command is not carried out after that (it waited in the broker or in a hung service);
        the broker drops it too. Copies of one request should carry the same ``expires_at``.
        """
        cmd_id = cmd_id or uuid.uuid4().hex
        with self._pending_lock:
            fut = self._pending.get(cmd_id)
            if fut is None:
                fut = self._pending[cmd_id] = Future()
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = self.topics.reply(self.client_id)
        props.CorrelationData = cmd_id.encode()
        body: dict[str, Any] = {"id": cmd_id, "args": args or {}}
        if expires_in is not None and expires_at is None:
            expires_at = round(self.service_deadline(expires_in), 3)
        if expires_at is not None:
            body["expires"] = expires_at
            left = expires_at - self.service_deadline(0)
            props.MessageExpiryInterval = max(1, int(left + 0.999))
            with self._pending_lock:
                self._expires[cmd_id] = expires_at
        topic = self.topics.command(self.client_id, ctype)
        if track:
            mid = self.publish_tracked(topic, body, properties=props)
        else:
            mid = self.publish(topic, body, qos=1, properties=props)
        return cmd_id, fut, mid

    def request(
        self,
        ctype: str,
        args: dict[str, Any] | None = None,
        cmd_id: str | None = None,
        timeout: float | None = None,
        attempts: int = 3,
    ) -> Reply:
        """Send a command and wait for its reply, retrying with the same id.

        Every try carries the same deadline (``Command.expires``: the end of the last
        try), and the client waits until that deadline has passed before it gives up, so a
        command is either answered or never carried out: a ticket is never issued to a
        client that stopped waiting. Callers show "not responding" earlier from
        :meth:`service_responding`, while the request still waits.
        Raises :class:`NotAuthorized` when the broker refuses the topic,
        :class:`ServiceNotResponding` when the service's heartbeat stopped, and
        :class:`RequestTimeout` when no reply came after ``attempts`` tries.
        """
        timeout = timeout or self.request_timeout_s
        cmd_id = cmd_id or uuid.uuid4().hex
        if not self.service_responding():
            raise ServiceNotResponding(
                f"{ctype}: the queue service is not responding "
                f"(no heartbeat for {self.service_silent_s():.0f} s)"
            )
        expires_at = round(self.service_deadline(timeout * attempts), 3)
        give_up = time.monotonic() + timeout * attempts + EXPIRY_MARGIN_S
        fut: Future[Reply] | None = None
        for attempt in range(1, attempts + 1):
            _id, fut, mid = self.send(ctype, args, cmd_id, expires_at=expires_at)
            try:
                self.wait_ack(mid, timeout, self.topics.command(self.client_id, ctype))
            except NotAuthorized:
                with self._pending_lock:
                    self._pending.pop(cmd_id, None)
                raise
            except MqttError:
                continue  # not even the broker answered: try again until the deadline
            try:
                return fut.result(max(0.0, min(timeout, give_up - time.monotonic())))
            except FutureTimeout:
                log.info("%s %s: no reply (attempt %d/%d)", ctype, cmd_id, attempt, attempts)
        # Never give up before the command's deadline (plus a margin for the two clocks):
        # a service that resumes before it would still carry the command out.
        if fut is not None:
            try:
                return fut.result(max(0.0, give_up - time.monotonic()))
            except FutureTimeout:
                pass
        with self._pending_lock:
            self._pending.pop(cmd_id, None)
            self._expires.pop(cmd_id, None)
        if not self.service_responding():
            raise ServiceNotResponding(f"{ctype} {cmd_id}: the queue service is not responding")
        raise RequestTimeout(f"{ctype} {cmd_id}: no reply after {attempts} attempts")

    def command(self, ctype: str, args: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """Like :meth:`request` but returns the result and raises :class:`CommandFailed`."""
        reply = self.request(ctype, args, **kw)
        if not reply.ok:
            raise CommandFailed(reply)
        return reply.result


def admits_anonymous(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when the broker accepts an MQTT 5 CONNECT without credentials.

    A raw CONNECT / CONNACK exchange (no paho client, a few milliseconds). A broker
    that cannot be reached or does not answer counts as not admitting: the real
    connect then fails with its own message.
    """
    client_id = f"probe-{uuid.uuid4().hex[:8]}".encode()
    variable = b"\x00\x04MQTT\x05\x02\x00\x05\x00"  # v5, clean start, keepalive 5, no props
    payload = len(client_id).to_bytes(2, "big") + client_id
    body = variable + payload
    packet = b"\x10" + bytes([len(body)]) + body
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(packet)
            head = sock.recv(2)
            if len(head) < 2 or head[0] != 0x20:
                return False
            rest = b""
            while len(rest) < min(head[1], 2):
                chunk = sock.recv(head[1] - len(rest))
                if not chunk:
                    break
                rest += chunk
            accepted = len(rest) >= 2 and rest[1] == 0x00
            if accepted:
                sock.sendall(b"\xe0\x00")  # DISCONNECT, normal
            return accepted
    except OSError:
        return False
