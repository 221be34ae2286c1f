"""Helpers for tests: a fake clock, and a hall (broker + service) started for real."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt

from broker.service import QueueService
from broker.store import Store
from hall import secrets
from hall.conf import HallConfig
from hall.mqtt import Endpoint, HallClient, MqttLink
from hall.net import free_port
from hall.protocol import Topics
from runner.mosquitto import Mosquitto
from ui.driver import python_module

TZ = ZoneInfo("Asia/Shanghai")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, t: float):
        self.t = t
        self._lock = threading.Lock()

    @classmethod
    def local(cls, *args: int) -> FakeClock:
        return cls(datetime(*args, tzinfo=TZ).timestamp())

    def __call__(self) -> float:
        with self._lock:
            return self.t

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.t += seconds

    def set_local(self, *args: int) -> None:
        with self._lock:
            self.t = datetime(*args, tzinfo=TZ).timestamp()


@dataclass
class RunningHall:
    config: HallConfig
    directory: Path
    broker: Mosquitto
    passwords: dict[str, str]
    service: QueueService | None = None
    store: Store | None = None
    clients: list[MqttLink] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.broker.port

    @property
    def topics(self) -> Topics:
        return Topics(self.config.topic_root)

    def endpoint(self, client_id: str, password: str | None = None) -> Endpoint:
        return Endpoint(
            "127.0.0.1",
            self.port,
            client_id,
            self.passwords[client_id] if password is None else password,
        )

    def client(self, client_id: str, **kw: Any) -> HallClient:
        c = HallClient(self.endpoint(client_id), self.topics, request_timeout_s=5.0, **kw)
        c.connect(5.0)
        self.clients.append(c)
        return c

    def app_argv(self, module: str, *extra: str) -> list[str]:
        """``python -m module extra...`` on this hall: its config, its broker's port, and the
        client secrets in its directory (``--var``)."""
        return python_module(
            module, *extra,
            "--config", str(self.config.directory),
            "--var", str(self.directory),
            "--port", str(self.port),
        )  # fmt: skip

    def start_service(self, clock: Callable[[], float] = time.time, **kw: Any) -> QueueService:
        self.store = Store.open_or_create(self.directory / "hall.db", self.config.code)
        self.service = QueueService(
            self.config,
            self.store,
            self.endpoint("queue-service"),
            clock=clock,
            enforce_hours=kw.pop("enforce_hours", False),
            **kw,
        )
        self.service.start()
        return self.service

    def stop_service(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None
        if self.store is not None:
            self.store.close()
            self.store = None

    def stop(self) -> None:
        for c in self.clients:
            c.close(timeout=1)
        self.stop_service()
        self.broker.stop()


def wait_until(pred: Callable[[], object], timeout: float, what: str, step: float = 0.02) -> None:
    """Poll ``pred`` every ``step`` seconds until it is true; fail naming ``what`` after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(step)


def start_hall(config: HallConfig, directory: Path, service: bool = True, **kw: Any) -> RunningHall:
    passwords = secrets.ensure(directory / "secrets.toml", [c.id for c in config.clients])
    broker = Mosquitto(config, passwords, directory / "mosquitto", port=free_port())
    broker.start()
    hall = RunningHall(config, directory, broker, passwords)
    if service:
        hall.start_service(**kw)
    return hall


class Collector:
    """Collects JSON messages of a subscription; wait for one that matches."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self._cond = threading.Condition()

    def __call__(self, msg: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(msg.payload) if msg.payload else {}
        except ValueError:
            body = {"_raw": msg.payload}
        with self._cond:
            self.messages.append((msg.topic, body))
            self._cond.notify_all()

    def wait_for(
        self, pred: Callable[[str, dict[str, Any]], bool], timeout: float = 5.0
    ) -> tuple[str, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for topic, body in self.messages:
                    if pred(topic, body):
                        return topic, body
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no matching message in {timeout}s; got {self.messages[-5:]}"
                    )
                self._cond.wait(left)
