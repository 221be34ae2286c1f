"""Halls, a central broker, responders and a collector process, all real, on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.central_halls import RESPONDER_ID, bridged_broker, hall_config_copy
from broker.store import Store
from central.bridge import COLLECTOR_ID, Tls, bridge_user
from central.broker import CentralBroker
from central.responder import Responder
from hall.conf import HallConfig
from hall.net import free_port
from tests.support import RunningHall

REPO = Path(__file__).resolve().parents[2]
MINI_HALL = REPO / "tests" / "data" / "mini-hall"
HALL_BIN = Path(sys.executable).with_name("hall")


@dataclass
class CentreHall:
    code: str
    running: RunningHall
    responder: Responder | None = None

    @property
    def db(self) -> Path:
        return self.running.directory / "hall.db"

    def log(self) -> list[tuple[int, str, str, str, str]]:
        """``(seq, epoch, at, type, data as text)`` of the hall's log, read-only."""
        store = Store.reader(self.db)
        try:
            return [
                (s, ep, at, t, d)
                for s, at, _day, t, d, ep in store.db.execute(
                    "SELECT seq, at, day, type, data, epoch FROM events ORDER BY seq"
                )
            ]
        finally:
            store.close()

    def start_responder(self) -> None:
        port = self.running.port
        self.responder = Responder(
            self.db,
            self.code,
            self.running.config.topic_root,
            "127.0.0.1",
            port,
            RESPONDER_ID,
            self.running.passwords[RESPONDER_ID],
        ).start()


@dataclass
class Centre:
    base: Path
    db_url: str
    port: int = field(default_factory=free_port)
    passwords: dict[str, str] = field(default_factory=dict)
    halls: dict[str, CentreHall] = field(default_factory=dict)
    broker: CentralBroker | None = None
    collector: subprocess.Popen[bytes] | None = None
    tls: tuple[str, str, str] | None = None
    """(cafile, certfile, keyfile) of the central broker's TLS listener."""

    def start_broker(self, codes: list[str]) -> None:
        self.passwords = {
            COLLECTOR_ID: "collector-pw",
            **{bridge_user(c): f"pw-{c}" for c in codes},
        }
        self.broker = CentralBroker(
            self.base / "central", self.port, self.passwords, codes, tls=self.tls
        )
        self.broker.start()

    def add_hall(self, code: str, clock: object = None) -> CentreHall:
        directory = self.base / code
        config: HallConfig = hall_config_copy(MINI_HALL, directory / "config", code)
        broker, passwords = bridged_broker(
            config,
            directory,
            self.port,
            self.passwords[bridge_user(code)],
            tls=Tls(self.tls[0]) if self.tls else None,
        )
        broker.start()
        running = RunningHall(config, directory, broker, passwords)
        running.start_service(**({"clock": clock} if clock else {}))
        hall = CentreHall(code, running)
        hall.start_responder()
        self.halls[code] = hall
        self.wait_central_log(f"as {bridge_user(code)} ")
        return hall

    def start_collector(self) -> None:
        env = {**os.environ, "HALL_COLLECTOR_PASSWORD": self.passwords[COLLECTOR_ID]}
        log = (self.base / "collector.log").open("ab")
        self.collector = subprocess.Popen(
            [
                str(HALL_BIN),
                "central",
                "collect",
                "--db",
                self.db_url,
                "--broker",
                f"127.0.0.1:{self.port}",
                *(["--cafile", self.tls[0]] if self.tls else []),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        log.close()
        self.wait_central_log(f"as {COLLECTOR_ID} ")

    def wait_central_log(self, text: str, timeout: float = 30.0) -> None:
        """Until the central broker's log says ``text`` (a client connected)."""
        path = self.base / "central" / "mosquitto.log"
        deadline = time.monotonic() + timeout
        while text not in (path.read_text(errors="replace") if path.exists() else ""):
            if time.monotonic() > deadline:
                raise AssertionError(f"central broker: no {text!r} in {timeout}s")
            time.sleep(0.05)

    def kill_collector(self) -> None:
        assert self.collector is not None
        self.collector.send_signal(signal.SIGKILL)
        self.collector.wait(10)

    def central_rows(self, code: str) -> list[tuple[int, str, str, str, str]]:
        with psycopg.connect(self.db_url) as db:
            rows = db.execute(
                "SELECT seq, epoch, at, type, data::text FROM events WHERE hall = %s ORDER BY seq",
                (code,),
            ).fetchall()
        return [(int(s), ep, at, t, d) for s, ep, at, t, d in rows]

    def collected_at(self, code: str) -> list[object]:
        """When each row of a hall was written centrally, in seq order."""
        with psycopg.connect(self.db_url) as db:
            rows = db.execute(
                "SELECT collected_at FROM events WHERE hall = %s ORDER BY seq", (code,)
            ).fetchall()
        return [r[0] for r in rows]

    def wait_in_sync(self, timeout: float = 40.0) -> None:
        """Until the centre holds exactly each hall's log (then compare contents)."""
        deadline = time.monotonic() + timeout
        while True:
            behind = {}
            for code, hall in self.halls.items():
                want = len(hall.log())
                try:
                    have = len(self.central_rows(code))
                except psycopg.Error:
                    have = -1
                if have != want:
                    behind[code] = (have, want)
            if not behind:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"centre not in sync after {timeout}s: {behind}; "
                    f"collector log:\n{self.collector_log()}"
                )
            time.sleep(0.3)

    def collector_log(self, lines: int | None = 30) -> str:
        path = self.base / "collector.log"
        text = path.read_text(errors="replace").splitlines() if path.exists() else []
        return "\n".join(text[-lines:] if lines else text)

    def stop(self) -> None:
        if self.collector is not None and self.collector.poll() is None:
            self.collector.terminate()
            try:
                self.collector.wait(10)
            except subprocess.TimeoutExpired:
                self.collector.kill()
        for hall in self.halls.values():
            if hall.responder is not None:
                hall.responder.stop()
            hall.running.stop()
        if self.broker is not None:
            self.broker.stop()
